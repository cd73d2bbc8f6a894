/* gridgov console: the only script, served by the app, optional (every page works without it).
   Asks before forms marked data-confirm are sent (e.g. suspending a township). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
