/*! Vägvisare for Django: attaches the widget (vagvisare.js, loaded first) to every field the
 * template tag {% vagvisare_widget %} marked with data-vagvisare-django, the way vagvisare.js
 * reads its own data- attributes, and sends Django's CSRF token with the feedback call.
 * No inline script, so it works under a Content-Security-Policy of script-src 'self'.
 */
(function () {
  "use strict";

  function attach(field) {
    if (field.vagvisare) return field.vagvisare;
    var d = field.dataset;
    var headers = {};
    if (d.vagvisareCsrf) headers[d.vagvisareCsrfHeader || "X-CSRFToken"] = d.vagvisareCsrf;
    field.vagvisare = window.Vagvisare.init({
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

  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-vagvisare-django]"), attach);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
