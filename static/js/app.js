// Behaviour shared by every page. No inline scripts anywhere: the CSP forbids them.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});

// A table wider than the screen scrolls sideways: make its wrapper reachable with the keyboard (arrow
// keys scroll it) and name it after its table, but only while it does scroll (no useless tab stop).
(function () {
  "use strict";
  const wrappers = document.querySelectorAll(".table-responsive");
  if (!wrappers.length) return;
  function update() {
    wrappers.forEach((wrapper) => {
      const scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
      if (scrolls && !wrapper.hasAttribute("tabindex")) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        const caption = wrapper.dataset.label || document.title;
        wrapper.setAttribute("aria-label", caption);
      } else if (!scrolls && wrapper.getAttribute("tabindex") === "0") {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("aria-label");
      }
    });
  }
  update();
  window.addEventListener("resize", update);
})();
