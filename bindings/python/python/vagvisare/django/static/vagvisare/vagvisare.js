/*! Vägvisare widget: "Möjliga lösningar" for a description field of any portal page.
 *
 * Served by `vagvisare serve` at /static/vagvisare.js. Attach it with data- attributes:
 *
 *   <input id="beskrivning" data-vagvisare data-vagvisare-list="#losningar"
 *          data-vagvisare-audience="utförare" data-vagvisare-category="IT och telefoni">
 *   <div id="losningar"></div>
 *   <script src="/static/vagvisare.js"></script>
 *
 * or with one call:
 *
 *   const widget = Vagvisare.init({ field: "#beskrivning", list: "#losningar",
 *     audience: ["utförare"], category: [], base: "", feedback: true });
 *
 * Options: field, list (element or CSS selector); base (the service's URL, "" = this site,
 * the usual setup behind the portal's proxy); audience, category (a string or an array);
 * limit (5); delay (ms of quiet before asking, 120); maxWait (ms, 360: while typing goes on,
 * ask at least this often); feedback (true: show "Fick du hjälp?" with Ja/Nej under the list);
 * heading ("Möjliga lösningar"; null for none); headers (an object or a function returning one,
 * added to every call; as attributes, data-vagvisare-csrf sends a CSRF token in the header
 * data-vagvisare-csrf-header names, "X-CSRFToken" by default); texts ({idle, none, error, question, yes, no, thanks, sorry, found});
 * onResults(text, suggestions), onChoose(suggestion, rank), onAnswer(helped).
 *
 * Answers to older texts are dropped (each request is numbered and the previous one aborted),
 * so the list always matches the text as it is now. Keyboard: ArrowDown in the field moves to
 * the first guide, ArrowUp/ArrowDown move between guides, Enter opens one, Escape goes back to
 * the field (and, in the field, hides the list until the next keystroke). The list is a list
 * (ul/li, grouped under headings); a polite live region says how many guides were found.
 *
 * Typed text goes only to the service's /api/suggest and /api/feedback; the widget stores
 * nothing and logs nothing.
 */
(function (global) {
  "use strict";

  var DEFAULT_TEXTS = {
    idle: "Skriv en kort beskrivning så visas guider som kan hjälpa dig.",
    none: "Inga guider hittades.",
    error: "Guiderna kunde inte hämtas just nu.",
    question: "Fick du hjälp?",
    yes: "Ja",
    no: "Nej",
    thanks: "Tack för ditt svar!",
    sorry: "Tack! Fyll i formuläret så hjälper vi dig.",
    found: function (n) { return n === 1 ? "1 möjlig lösning" : n + " möjliga lösningar"; }
  };

  var counter = 0;

  function pick(target) {
    if (!target) return null;
    return typeof target === "string" ? document.querySelector(target) : target;
  }

  function list(value) {
    if (value === undefined || value === null || value === "") return [];
    if (Array.isArray(value)) return value.filter(function (v) { return String(v).trim() !== ""; });
    return String(value).split(",").map(function (v) { return v.trim(); }).filter(Boolean);
  }

  // Builds an element; text children are always text nodes (never parsed as HTML).
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null) return;
      if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // The word a suggestion is grouped under ("För lösenord"): the guide's word for the longest
  // typed word that matched it.
  function headingWord(suggestion) {
    var best = null;
    (suggestion.matched || []).forEach(function (m) {
      if (!best || m.query.length > best.query.length) best = m;
    });
    return best ? String(best.guide_word).toLowerCase() : "";
  }

  function injectStyles() {
    if (document.getElementById("vagvisare-styles")) return;
    var style = el("style", { id: "vagvisare-styles" },
      ".vagvisare-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
      ".vagvisare ul{list-style:none;margin:0;padding:0}" +
      ".vagvisare li{border-top:1px solid #d5dbe1;padding:.4rem 0}" +
      ".vagvisare h3{font-size:.95rem;margin:.4rem 0;font-weight:600}" +
      ".vagvisare a.guide{font-weight:600}" +
      ".vagvisare .snippet{font-size:.88rem;color:#5b6770}" +
      ".vagvisare .empty{color:#5b6770;font-size:.9rem}" +
      ".vagvisare mark{background:#fff1a8;color:inherit}" +
      ".vagvisare-feedback button{margin-right:.5rem}");
    document.head.append(style);
  }

  function Widget(options) {
    var self = this;
    this.options = options;
    this.field = pick(options.field);
    this.root = pick(options.list);
    if (!this.field || !this.root) throw new Error("Vagvisare.init: field and list must name elements of the page");
    this.texts = Object.assign({}, DEFAULT_TEXTS, options.texts || {});
    this.base = String(options.base || "").replace(/\/+$/, "");
    this.limit = options.limit || 5;
    this.delay = options.delay === undefined ? 120 : options.delay;
    this.maxWait = options.maxWait === undefined ? 360 : options.maxWait;
    this.audience = list(options.audience);
    this.category = list(options.category);
    this.seq = 0;              // the latest request; answers to older ones are stale and dropped
    this.abort = null;
    this.timer = null;
    this.firstPending = null;  // when the oldest keystroke not yet asked about happened
    this.shown = [];           // guide ids on screen, best first
    this.chosen = null;        // the guide the person opened, if any
    this.id = "vagvisare-" + (++counter);
    if (options.styles !== false) injectStyles();

    this.root.classList.add("vagvisare");
    var heading = options.heading === undefined ? "Möjliga lösningar" : options.heading;
    this.status = el("p", { class: "vagvisare-sr", role: "status", "aria-live": "polite", id: this.id + "-status" });
    this.results = el("div", { class: "vagvisare-results", id: this.id + "-results" });
    var parts = [];
    if (heading) {
      parts.push(el("h2", { id: this.id + "-heading" }, heading));
      this.results.setAttribute("aria-labelledby", this.id + "-heading");
    }
    parts.push(this.results, this.status);
    this.feedbackBox = null;
    if (options.feedback) {
      this.feedbackBox = el("div", { class: "vagvisare-feedback", hidden: "" });
      parts.push(this.feedbackBox);
    }
    this.root.replaceChildren.apply(this.root, parts);
    this.field.setAttribute("aria-controls", this.results.id);
    this.field.setAttribute("aria-autocomplete", "list");
    this.field.setAttribute("aria-keyshortcuts", "ArrowDown");

    this.onInput = function () { self.schedule(); };
    this.onFieldKey = function (event) { self.fieldKey(event); };
    this.onListKey = function (event) { self.listKey(event); };
    this.field.addEventListener("input", this.onInput);
    this.field.addEventListener("keydown", this.onFieldKey);
    this.results.addEventListener("keydown", this.onListKey);
    this.render(this.field.value, [], this.field.value.trim() ? null : "idle");
    if (this.field.value.trim()) this.refresh();
  }

  Widget.prototype.headers = function (json) {
    var extra = typeof this.options.headers === "function" ? this.options.headers() : (this.options.headers || {});
    var h = Object.assign({}, extra);
    if (json) h["Content-Type"] = "application/json";
    return h;
  };

  // Debouncing: ask after `delay` ms without a keystroke, but at least every `maxWait` ms
  // while typing goes on, so the list follows a fast typist too.
  Widget.prototype.schedule = function () {
    var self = this;
    var now = Date.now();
    if (this.firstPending === null) this.firstPending = now;
    clearTimeout(this.timer);
    var wait = Math.min(this.delay, Math.max(0, this.firstPending + this.maxWait - now));
    if (wait <= 0) { this.refresh(); return; }
    this.timer = setTimeout(function () { self.refresh(); }, wait);
  };

  Widget.prototype.url = function (text) {
    var query = "limit=" + this.limit + "&q=" + encodeURIComponent(text);
    this.audience.forEach(function (a) { query += "&audience=" + encodeURIComponent(a); });
    this.category.forEach(function (c) { query += "&category=" + encodeURIComponent(c); });
    return this.base + "/api/suggest?" + query;
  };

  /** Asks for the field's text now. */
  Widget.prototype.refresh = function () {
    var self = this;
    clearTimeout(this.timer);
    this.firstPending = null;
    var text = this.field.value;
    var seq = ++this.seq;
    if (this.abort) this.abort.abort();
    this.abort = null;
    this.hidden = false;
    if (!text.trim()) { this.render(text, [], "idle"); return Promise.resolve([]); }
    var abort = typeof AbortController === "function" ? new AbortController() : null;
    this.abort = abort;
    return global.fetch(this.url(text), { headers: this.headers(false), signal: abort ? abort.signal : undefined })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (seq !== self.seq) return null;       // typing went on: a newer answer is on its way
        self.render(text, data.suggestions || [], null);
        return data.suggestions;
      }, function (error) {
        if ((error && error.name === "AbortError") || seq !== self.seq) return null;
        self.render(text, [], "error");
        return null;
      });
  };

  /** Empties the list, and forgets the chosen guide; answers still on their way are dropped. */
  Widget.prototype.clear = function () {
    clearTimeout(this.timer);
    this.firstPending = null;
    this.seq++;
    if (this.abort) this.abort.abort();
    this.chosen = null;
    this.render("", [], "idle");
  };

  Widget.prototype.render = function (text, suggestions, state) {
    var self = this;
    var root = this.results;
    root.dataset.q = text;
    this.root.dataset.q = text;   // the element the host named says which text it answers
    this.shown = suggestions.map(function (s) { return s.id; });
    // What the person last saw, kept past a cleared list, for the feedback's `shown`.
    if (this.shown.length) this.lastShown = this.shown;
    if (state === "idle" || state === "error" || (!suggestions.length && text.trim())) {
      var message = state === "idle" ? this.texts.idle : state === "error" ? this.texts.error : this.texts.none;
      root.replaceChildren(el("p", { class: "empty" }, message));
      this.status.textContent = state === "idle" ? "" : message;
      this.showQuestion(state === null && text.trim() !== "");
      if (this.options.onResults) this.options.onResults(text, suggestions);
      return;
    }
    var groups = new Map();
    suggestions.forEach(function (s, i) {
      var word = headingWord(s);
      if (!groups.has(word)) groups.set(word, []);
      groups.get(word).push([s, i + 1]);
    });
    var nodes = [];
    groups.forEach(function (items, word) {
      var headingId = self.id + "-group-" + nodes.length;
      var ul = el("ul", { "aria-labelledby": headingId });
      items.forEach(function (item) {
        var s = item[0], rank = item[1];
        var link = el("a", { class: "guide", href: s.url || "#", target: s.url ? "_blank" : null,
                              rel: s.url ? "noopener" : null, dataset: { id: s.id, rank: String(rank) } }, s.title);
        link.addEventListener("click", function (event) {
          self.chosen = { id: s.id, rank: rank };
          if (!s.url) event.preventDefault();
          if (self.options.onChoose) self.options.onChoose(s, rank);
          self.showQuestion(true);
        });
        var snippet = el("div", { class: "snippet" });
        snippet.innerHTML = (s.snippet && s.snippet.html) || "";  // HTML-escaped by the library, <mark> around matches
        ul.append(el("li", { dataset: { id: s.id } }, link, snippet));
      });
      nodes.push(el("div", { class: "group" }, el("h3", { id: headingId }, "För ", el("span", {}, word)), ul));
    });
    root.replaceChildren.apply(root, nodes);
    this.status.textContent = this.texts.found(suggestions.length);
    this.showQuestion(true);
    if (this.options.onResults) this.options.onResults(text, suggestions);
  };

  Widget.prototype.links = function () {
    return Array.prototype.slice.call(this.results.querySelectorAll("a.guide"));
  };

  Widget.prototype.fieldKey = function (event) {
    if (event.key === "ArrowDown") {
      var links = this.links();
      if (links.length) { event.preventDefault(); links[0].focus(); }
    } else if (event.key === "Escape" && this.shown.length) {
      event.preventDefault();
      this.seq++;
      this.render(this.field.value, [], "idle");
    }
  };

  Widget.prototype.listKey = function (event) {
    var links = this.links();
    var at = links.indexOf(document.activeElement);
    if (at < 0) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (at === 0) this.field.focus(); else links[at - 1].focus();
    } else if (event.key === "Home") {
      event.preventDefault(); links[0].focus();
    } else if (event.key === "End") {
      event.preventDefault(); links[links.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.field.focus();
    }
    // Enter follows the focused link (the browser's own activation, which clicks it).
  };

  Widget.prototype.showQuestion = function (show) {
    var self = this;
    var box = this.feedbackBox;
    if (!box) return;
    if (!show) { box.hidden = true; return; }
    if (!box.hidden && box.querySelector("button")) return;
    var yes = el("button", { type: "button", class: "vagvisare-yes" }, this.texts.yes);
    var no = el("button", { type: "button", class: "vagvisare-no" }, this.texts.no);
    var question = el("p", { id: this.id + "-question" }, this.texts.question);
    var answer = function (helped) {
      self.feedback(helped).catch(function () {});
      box.replaceChildren(el("p", { role: "status" }, helped ? self.texts.thanks : self.texts.sorry));
      if (self.options.onAnswer) self.options.onAnswer(helped);
    };
    yes.addEventListener("click", function () { answer(true); });
    no.addEventListener("click", function () { answer(false); });
    box.replaceChildren(question, el("div", { role: "group", "aria-labelledby": question.id }, yes, no));
    box.hidden = false;
  };

  /**
   * Records the answer to "Fick du hjälp?": the text as typed now, the guides shown (best
   * first, so the report counts what the person saw), the guide opened (if any) and its rank.
   * `extra` may add {filed_anyway, case_number, q}. A "Ja" about a guide teaches it the text.
   * Returns the service's answer (a Promise).
   */
  Widget.prototype.feedback = function (helped, extra) {
    var body = Object.assign({
      q: this.field.value,
      helped: !!helped,
      guide: this.chosen ? this.chosen.id : null,
      rank: this.chosen ? this.chosen.rank : null,
      shown: (this.shown && this.shown.length ? this.shown : this.lastShown || []).slice(0, 50),
      filed_anyway: false
    }, extra || {});
    return global.fetch(this.base + "/api/feedback", { method: "POST", headers: this.headers(true), body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            var error = new Error((data.error && data.error.message) || ("HTTP " + response.status));
            error.code = data.error && data.error.code;
            throw error;
          }
          return data;
        });
      });
  };

  /** Detaches the widget from the field. */
  Widget.prototype.destroy = function () {
    this.clear();
    this.field.removeEventListener("input", this.onInput);
    this.field.removeEventListener("keydown", this.onFieldKey);
    this.results.removeEventListener("keydown", this.onListKey);
  };

  function init(options) {
    return new Widget(options || {});
  }

  /** The widget of a field configured by its data- attributes (made once, then the same). */
  function fromAttributes(field) {
    if (field.vagvisare) return field.vagvisare;
    var d = field.dataset;
    var headers = {};
    if (d.vagvisareCsrf) headers[d.vagvisareCsrfHeader || "X-CSRFToken"] = d.vagvisareCsrf;
    field.vagvisare = init({
      field: field,
      list: d.vagvisareList,
      base: d.vagvisareBase || "",
      audience: d.vagvisareAudience,
      category: d.vagvisareCategory,
      limit: d.vagvisareLimit ? Number(d.vagvisareLimit) : undefined,
      feedback: d.vagvisareFeedback !== "false",
      heading: d.vagvisareHeading === undefined ? undefined : (d.vagvisareHeading || null),
      headers: headers
    });
    return field.vagvisare;
  }

  /** Attaches a widget to every field with `data-vagvisare` (done once when the page loads). */
  function scan(root) {
    return Array.prototype.map.call((root || document).querySelectorAll("[data-vagvisare]"), fromAttributes);
  }

  global.Vagvisare = { init: init, attach: fromAttributes, scan: scan, version: "1" };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(); });
  else scan();
})(window);
