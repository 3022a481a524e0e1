/*! Vägvisare for Django: attaches the widget (vagvisare.js, loaded first) to every field the
 * template tag {% vagvisare_widget %} marked with data-vagvisare-django, configured by the same
 * data- attributes as vagvisare.js's own (Django's CSRF token in data-vagvisare-csrf).
 * No inline script, so it works under a Content-Security-Policy of script-src 'self'.
 */
(function () {
  "use strict";

  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-vagvisare-django]"), window.Vagvisare.attach);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
