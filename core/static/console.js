/* gridgov console: the only script, served by the app, optional (every page works without it).
   The Content-Security-Policy allows no inline script, so pages mark what they need instead:
   - forms with data-confirm ask before they are sent (e.g. suspending a township);
   - buttons with data-print print the page (QR posters, receipts, certificates);
   - selects with data-autosubmit send their form when changed (list filters). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest && event.target.closest("[data-print]");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.hasAttribute && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
})();
