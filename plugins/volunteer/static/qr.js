/* The leader's check-in screen: fetch a fresh signed code every 20 seconds and show its QR code,
   so what is on the screen is never older than the code's one-minute life. No inline script. */
(function () {
  "use strict";
  var screen = document.getElementById("qr-screen");
  if (!screen) { return; }
  var img = document.getElementById("qr-image");
  var link = document.getElementById("scan-link");
  var age = document.getElementById("qr-age");
  var fetchedAt = Date.now();
  var every = 20000;

  function refresh() {
    fetch(screen.dataset.codeUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
      .then(function (body) {
        img.src = screen.dataset.pngUrl + "?c=" + encodeURIComponent(body.code);
        link.href = body.url;
        screen.dataset.code = body.code;
        fetchedAt = Date.now();
        every = (body.refresh_in || 20) * 1000;
      })
      .catch(function () { /* keep the last code; the next tick tries again */ })
      .then(function () { window.setTimeout(refresh, every); });
  }

  window.setInterval(function () {
    if (age) { age.textContent = Math.round((Date.now() - fetchedAt) / 1000) + " s"; }
  }, 1000);
  window.setTimeout(refresh, every);
}());
