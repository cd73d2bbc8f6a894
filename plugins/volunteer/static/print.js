// "Print" buttons of printable pages (no inline script: the CSP refuses it)
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
