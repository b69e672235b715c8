// Buttons and links marked data-action: print the page, or go back (the CSP allows no inline handlers).
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  if (target.dataset.action === "print") {
    window.print();
  } else if (target.dataset.action === "back" && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
