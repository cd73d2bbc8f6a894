// The print button of the 人民调解协议书 page (no inline script in pages).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
