#!/usr/bin/env python3
"""Browser tests of the drop-in widget (/static/vagvisare.js) on a plain portal page that is not
the demo page, and of the editors' page (/admin), in headless Chromium (Debian's `chromium`,
`chromium-driver` and `python3-selenium`, as scripts/browser_test.py).

Starts `vagvisare serve` with no bundled guides and an admin token, stores a few guides (none
with a link, so nothing leaves the machine), and serves a plain HTML page from a temporary
directory with Python's http.server on loopback, which passes /api/ and /static/ on to the
service the way a portal's proxy does. Ends with one line `widget+admin: N passed, 0 failed`.

Usage: python3 scripts/widget_admin_browser_test.py --binary target/debug/vagvisare [--screenshots DIR]
"""

import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import urllib.error
import urllib.request

from browser_common import DELAY_STEP_MS, DELAY_SUGGEST_ANSWERS, Failure, Run, run_main
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

TOKEN = "widget-admin-test-token"

GUIDES = [
    {"id": "pw", "title": "Glömt lösenordet till KOMNET-kontot",
     "body": "Har du glömt lösenordet till ditt KOMNET-konto kan du byta det själv i Passwordkiosk med en kod via SMS.",
     "category": "IT och telefoni > Lösenord och konton"},
    {"id": "pw-treserva", "title": "Byta lösenord i Treserva",
     "body": "Lösenordet i Treserva byter du under Inställningar. Har du glömt det, kontakta Användarstöd.",
     "category": "IT och telefoni > Lösenord och konton"},
    {"id": "pw-chef", "title": "Återställa lösenord åt en medarbetare",
     "body": "Som chef kan du återställa lösenordet åt en medarbetare som glömt det.",
     "category": "IT och telefoni > Lösenord och konton", "audiences": ["chefer"]},
    {"id": "printer", "title": "Skrivaren skriver inte ut",
     "body": "Kontrollera att skrivaren har papper och toner och att den är ansluten till nätverket.",
     "category": "IT och telefoni > Skrivare"},
]

# A plain portal page: a form with a description field, the widget attached by data- attributes.
PAGE = """<!doctype html>
<html lang="sv">
<head><meta charset="utf-8"><title>Kommunens e-tjänst – Felanmälan IT</title></head>
<body>
<h1>Felanmälan IT</h1>
<form onsubmit="return false">
  <label for="beskrivning">Vad gäller det?</label>
  <input type="text" id="beskrivning" name="beskrivning" size="60"
         data-vagvisare data-vagvisare-list="#hjalp" data-vagvisare-audience="utförare">
  <div id="hjalp"></div>
  <label for="telefon">Telefon</label> <input type="text" id="telefon">
</form>
<script src="/static/vagvisare.js"></script>
</body>
</html>
"""

# Counts the suggestion requests the page makes (and their URLs).
COUNT_SUGGEST_REQUESTS = """
const realFetch = window.fetch;
window.__asked = [];
window.fetch = function (input, init) {
  const url = new URL(typeof input === "string" ? input : input.url, location.href);
  if (url.pathname === "/api/suggest") window.__asked.push(url.search);
  return realFetch.call(window, input, init);
};
window.__countingFetch = window.fetch;
window.__plainFetch = realFetch;
"""


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def portal(directory, service):
    """A plain web server for `directory` that passes /api/ and /static/ on to `service`."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=directory, **kwargs)

        def log_message(self, *args):
            pass

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            request = urllib.request.Request(service + self.path, data=body, method=self.command)
            for name in ("Content-Type", "Authorization"):
                if self.headers.get(name):
                    request.add_header(name, self.headers[name])
            try:
                response = urllib.request.urlopen(request, timeout=30)
                status, headers, payload = response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                status, headers, payload = error.code, error.headers, error.read()
            self.send_response(status)
            self.send_header("Content-Type", headers.get("Content-Type", "application/octet-stream"))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            if self.path.startswith(("/api/", "/static/")):
                self.forward()
            else:
                super().do_GET()

        def do_POST(self):
            self.forward()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


class WidgetRun(Run):
    def main(self):
        guide, text = self.widget(self.base)
        self.admin(guide, text)

    def active(self):
        return self.js("const a = document.activeElement;"
                       "return a ? (a.id || (a.dataset && a.dataset.id) || a.tagName) : null;")

    def listed(self, typed):
        return self.js(
            "const r = document.getElementById('hjalp');"
            "if (r.dataset.q !== arguments[0]) return null;"
            "return Array.from(r.querySelectorAll('li')).map(li => li.dataset.id);", typed)

    def widget(self, page):
        d = self.driver
        d.get(page + "/")
        field = self.check("the plain page loads", lambda d: self.by_id("beskrivning"))
        self.check("the widget attaches by data- attributes: heading, list, live region",
                   lambda d: self.js(
                       "const r = document.getElementById('hjalp');"
                       "const f = document.getElementById('beskrivning');"
                       "const results = document.getElementById(f.getAttribute('aria-controls'));"
                       "return r.querySelector('h2').textContent === 'Möjliga lösningar'"
                       " && r.querySelector('[role=status][aria-live=polite]') !== null"
                       " && results !== null && r.contains(results);"))

        self.check("a field added later attaches by Vagvisare.attach, once, with the CSRF token of its"
                   " data- attributes in the header they name",
                   lambda d: self.js(
                       "const box = document.createElement('div');"
                       "box.innerHTML = '<input id=\"later\" data-vagvisare-list=\"#later-list\"'"
                       " + ' data-vagvisare-csrf=\"tok-1\" data-vagvisare-csrf-header=\"X-Test-CSRF\">'"
                       " + '<div id=\"later-list\"></div>';"
                       "document.body.appendChild(box);"
                       "const f = document.getElementById('later');"
                       "const w = Vagvisare.attach(f);"
                       "const ok = w === Vagvisare.attach(f) && w.headers(true)['X-Test-CSRF'] === 'tok-1'"
                       " && document.getElementById('later-list').querySelector('h2') !== null;"
                       "box.remove(); return ok;"))

        # Debouncing: the whole text typed at once asks only a few times.
        self.js(COUNT_SUGGEST_REQUESTS)
        text = "glömt lösenordet"
        field.send_keys(text)
        ids = self.check("suggestions follow the fast-typed text",
                         lambda d: (lambda ids: ids if ids and "pw" in ids else None)(self.listed(text)))
        asked = self.js("return window.__asked.slice();")
        self.check("debounced: fewer requests than letters (%d for %d)" % (len(asked), len(text)),
                   lambda d: 1 <= len(asked) <= 3)
        self.check("the audience of the data- attribute is sent",
                   lambda d: all("audience=utf%C3%B6rare" in a for a in asked))
        self.check("a guide only for another audience is not listed", lambda d: "pw-chef" not in ids)
        self.check("the live region says how many were found",
                   lambda d: "möjlig" in self.js(
                       "return document.querySelector('#hjalp [role=status]').textContent;"))
        self.check("the results are lists under headings (ul/li, labelled by the group's h3)",
                   lambda d: self.js(
                       "const uls = document.querySelectorAll('#hjalp ul');"
                       "return uls.length > 0 && Array.from(uls).every(ul =>"
                       " document.getElementById(ul.getAttribute('aria-labelledby')).tagName === 'H3'"
                       " && ul.querySelectorAll(':scope > li').length > 0);"))

        # Keyboard: arrows move between guides, Escape goes back to the field.
        links = self.js("return Array.from(document.querySelectorAll('#hjalp a.guide')).map(a => a.dataset.id);")
        self.check("at least two guides to move between", lambda d: len(links) >= 2)
        field.send_keys(Keys.ARROW_DOWN)
        self.check("ArrowDown in the field moves to the first guide", lambda d: self.active() == links[0])
        d.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        self.check("ArrowDown moves to the next guide", lambda d: self.active() == links[1])
        d.switch_to.active_element.send_keys(Keys.ARROW_UP)
        self.check("ArrowUp moves back", lambda d: self.active() == links[0])
        d.switch_to.active_element.send_keys(Keys.ARROW_UP)
        self.check("ArrowUp on the first guide returns to the field", lambda d: self.active() == "beskrivning")
        field.send_keys(Keys.ARROW_DOWN)
        d.switch_to.active_element.send_keys(Keys.ESCAPE)
        self.check("Escape in the list returns to the field", lambda d: self.active() == "beskrivning")
        field.send_keys(Keys.ESCAPE)
        self.check("Escape in the field hides the list",
                   lambda d: not self.js("return document.querySelectorAll('#hjalp li').length;"))

        # Stale answers are dropped: shorter texts are answered last (as in browser_test.py).
        field.clear()
        self.js("window.fetch = window.__plainFetch;")
        text = "glömt lösenordet till treserva"
        self.js(DELAY_SUGGEST_ANSWERS, DELAY_STEP_MS, len(text) + 4)
        self.type_slowly(field, text)
        self.check("the list ends on the final text",
                   lambda d: (lambda ids: ids if ids and "pw-treserva" in ids else None)(self.listed(text)),
                   timeout=30)
        log = self.settled_suggest_log("every delayed request has settled", timeout=40)
        final = [e for e in log if e["q"] == text]
        self.check("the final text was asked for once", lambda d: len(final) == 1)
        self.check("answers for shorter texts were due after the final one (the test bites)",
                   lambda d: any(len(e["q"]) < len(text) and e["due"] > final[0]["due"] + 100 for e in log))
        self.check("no stale answer replaced the final one",
                   lambda d: self.js("return document.getElementById('hjalp').dataset.q") == text
                   and "pw-treserva" in (self.listed(text) or []))
        self.js("window.fetch = window.__realFetch;")
        self.shot("widget-1-suggestions")

        # Enter opens a guide (no link: nothing leaves the page) and "Fick du hjälp?" records it.
        field.send_keys(Keys.ARROW_DOWN)
        first = self.active()
        d.switch_to.active_element.send_keys(Keys.ENTER)
        self.check("Fick du hjälp? is asked", lambda d: self.js(
            "const b = document.querySelector('#hjalp .vagvisare-feedback');"
            "return b && !b.hidden && b.textContent.includes('Fick du hjälp?');"))
        yes = d.find_element(By.CSS_SELECTOR, "#hjalp .vagvisare-yes")
        yes.send_keys(Keys.ENTER)
        self.check("the answer is thanked", lambda d: "Tack" in d.find_element(
            By.CSS_SELECTOR, "#hjalp .vagvisare-feedback").text)
        self.shot("widget-2-feedback")
        # The page thanks before the answer is stored: ask the report again until it shows it.
        def recorded(d):
            status, report = call(self.service, "GET", "/api/feedback/report?gaps=5", token=TOKEN)
            return status == 200 and any(g["guide"] == first and g["helped"] == 1
                                         for g in report["guides"])
        self.check("the service recorded Ja for the guide opened with Enter", recorded)
        return first, text

    def admin(self, learned_guide, learned_text):
        d = self.driver
        d.get(self.service + "/admin")
        token = self.check("the editors' page asks for the token", lambda d: self.by_id("token"))
        token.send_keys("wrong", Keys.ENTER)
        self.check("a wrong token is refused", lambda d: "Fel nyckel" in self.by_id("login-error").text)
        token.clear()
        token.send_keys(TOKEN, Keys.ENTER)
        self.check("the right token opens the guide list",
                   lambda d: self.by_id("guides-view").is_displayed()
                   and len(d.find_elements(By.CSS_SELECTOR, "#guide-table tbody tr")) == len(GUIDES))
        search = self.by_id("search")
        search.send_keys("skrivaren", Keys.ENTER)
        self.check("search narrows the list",
                   lambda d: [r.get_attribute("data-id") for r in
                              d.find_elements(By.CSS_SELECTOR, "#guide-table tbody tr")] == ["printer"])
        search.clear()
        search.send_keys(Keys.ENTER)
        self.check("an empty search lists all again",
                   lambda d: len(d.find_elements(By.CSS_SELECTOR, "#guide-table tbody tr")) == len(GUIDES))
        self.shot("admin-1-list")

        # Edit the guide that learned from the widget's feedback.
        d.get(self.service + "/admin#/guide/" + learned_guide)
        self.check("the editor shows the guide",
                   lambda d: self.by_id("editor-view").is_displayed() and self.by_id("g-title").get_attribute("value"))
        self.check("what it learned is listed",
                   lambda d: len(d.find_elements(By.CSS_SELECTOR, "#learned-table tbody tr")) >= 1)
        learned = self.js("return Array.from(document.querySelectorAll('#learned-table tbody tr')).map(r => r.dataset.text);")
        self.check("the learned text is what was typed", lambda d: any("treserva" in t for t in learned))
        self.by_id("freeze").click()
        self.check("freezing it says so", lambda d: "fryst" in self.by_id("frozen-state").text)
        status, listed = call(self.service, "GET", "/api/admin/guides?q=" + learned_guide, token=TOKEN)
        self.check("the list knows it is frozen",
                   lambda d: any(g["id"] == learned_guide and g["frozen"] for g in listed["guides"]))
        d.find_element(By.CSS_SELECTOR, "#learned-table tbody tr button").send_keys(Keys.ENTER)
        self.check("removing a learned text takes it off the list",
                   lambda d: len(d.find_elements(By.CSS_SELECTOR, "#learned-table tbody tr")) == len(learned) - 1)
        body = self.by_id("g-body")
        body.send_keys(" Ring 0770-12 34 56 om det inte går.")
        self.by_id("save").click()
        self.check("saving says so", lambda d: "sparad" in self.by_id("editor-status").text)
        status, guide = call(self.service, "GET", "/api/guides/" + learned_guide)
        self.check("the change is stored", lambda d: status == 200 and "0770-12 34 56" in guide["body"])
        self.shot("admin-2-editor")

        # A content gap becomes a new guide.
        gap = "parkeringstillstånd för rullstol"
        status, _ = call(self.service, "POST", "/api/feedback",
                         {"q": gap, "helped": False, "filed_anyway": True})
        self.check("a gap is recorded", lambda d: status == 201)
        self.by_id("nav-report").click()
        self.check("the report shows the figures",
                   lambda d: "Andel lösta" in self.by_id("report-summary").text)
        self.check("the weekly chart is drawn",
                   lambda d: (self.by_id("chart").get_attribute("src") or "").startswith("data:image/svg+xml")
                   and self.js("return document.getElementById('chart').naturalWidth;") > 0)
        self.check("per guide: helped / shown / filed anyway",
                   lambda d: any(r.get_attribute("data-id") == learned_guide for r in
                                 d.find_elements(By.CSS_SELECTOR, "#report-guides tbody tr")))
        button = self.check("the gap is listed with a button",
                            lambda d: self.js(
                                "const row = Array.from(document.querySelectorAll('#report-gaps tbody tr'))"
                                ".find(r => r.dataset.text === arguments[0]);"
                                "return row ? row.querySelector('button') : null;", gap))
        self.shot("admin-3-report")
        button.send_keys(Keys.ENTER)
        self.check("the button starts a guide from the gap's text",
                   lambda d: self.by_id("editor-view").is_displayed()
                   and self.by_id("g-title").get_attribute("value") == gap
                   and self.by_id("g-id").get_attribute("value") == "parkeringstillstand-for-rullstol")
        self.by_id("g-body").send_keys("Ansök om parkeringstillstånd för rörelsehindrade hos kommunen.")
        self.by_id("save").send_keys(Keys.ENTER)
        self.check("the new guide is stored",
                   lambda d: call(self.service, "GET", "/api/guides/parkeringstillstand-for-rullstol")[0] == 200)
        self.check("and opens for editing",
                   lambda d: "Redigera" in self.by_id("editor-title").text)

        # Delete it again, confirming in the page.
        self.by_id("delete").click()
        self.check("deleting asks first", lambda d: self.by_id("confirm-delete").is_displayed())
        self.by_id("delete-yes").click()
        self.check("the guide is gone from the list",
                   lambda d: self.by_id("guides-view").is_displayed()
                   and all(r.get_attribute("data-id") != "parkeringstillstand-for-rullstol"
                           for r in d.find_elements(By.CSS_SELECTOR, "#guide-table tbody tr")))
        self.check("and from the service",
                   lambda d: call(self.service, "GET", "/api/guides/parkeringstillstand-for-rullstol")[0] == 404)



def portal_page(service, cleanup):
    """Stores the test guides and serves the plain portal page; its address."""
    status, answer = call(service, "POST", "/api/guides", GUIDES, token=TOKEN)
    if status != 200:
        raise Failure("storing the test guides: %s %s" % (status, answer))
    page_dir = tempfile.mkdtemp(prefix="vagvisare-portal-")
    cleanup.callback(shutil.rmtree, page_dir, ignore_errors=True)
    with open(os.path.join(page_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write(PAGE)
    web, page = portal(page_dir, service)
    cleanup.callback(web.shutdown)
    return page


def main():
    os.environ["VAGVISARE_ADMIN_TOKEN"] = TOKEN
    return run_main("widget+admin", __doc__.splitlines()[0], "vagvisare-widget-", WidgetRun,
                    ["--no-bundled-guides"], prepare=portal_page)

if __name__ == "__main__":
    sys.exit(main())
