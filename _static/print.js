// Printing opens every fold, so the paper shows every answer: sphinx-design dropdowns and
// MyST-NB's hidden cells (<details>) and sphinx-togglebutton's folded solutions. What was
// closed is closed again after printing. _static/print.css does the styling.
(function () {
  "use strict";
  const opened = [];
  function openAll() {
    document.querySelectorAll("details:not([open])").forEach((el) => {
      el.open = true;
      opened.push(() => { el.open = false; });
    });
    document.querySelectorAll(".toggle-hidden").forEach((el) => {
      el.classList.remove("toggle-hidden");
      opened.push(() => el.classList.add("toggle-hidden"));
    });
    document.querySelectorAll("button.toggle-button-hidden").forEach((el) => {
      el.classList.remove("toggle-button-hidden");
      opened.push(() => el.classList.add("toggle-button-hidden"));
    });
  }
  function restore() {
    while (opened.length) opened.pop()();
  }
  window.addEventListener("beforeprint", openAll);
  window.addEventListener("afterprint", restore);
  // Print preview emulation (and browsers that skip beforeprint) switch the media.
  const print = window.matchMedia && window.matchMedia("print");
  if (print) {
    print.addEventListener("change", (e) => (e.matches ? openAll() : restore()));
    if (print.matches) window.addEventListener("load", openAll);
  }
  window.bookOpenAllFolds = openAll;
})();
