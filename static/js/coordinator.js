// Coordinator pages: selection shortcuts of the campaign form, and confirmations.
// Without JavaScript the shortcut buttons post the form back and the server ticks the boxes.
(function () {
  "use strict";

  const form = document.getElementById("campaign-form");
  if (form) {
    const boxes = () => Array.from(form.querySelectorAll('input[name="invited_iscms"]'));
    const counter = document.getElementById("invited-count");
    const updateCount = () => {
      if (counter) counter.textContent = String(boxes().filter((box) => box.checked).length);
    };
    form.querySelectorAll("button[data-shortcut]").forEach((button) => {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        const kind = button.dataset.shortcut;
        const value = button.dataset.value || "";
        boxes().forEach((box) => {
          if (kind === "none") box.checked = false;
          else if (kind === "all") box.checked = true;
          else if (kind === "region" && box.dataset.region === value) box.checked = true;
          else if (kind === "type" && box.dataset.type === value) box.checked = true;
        });
        updateCount();
      });
    });
    form.addEventListener("change", (event) => {
      if (event.target.name === "invited_iscms") updateCount();
    });
    updateCount();
    const errors = document.getElementById("form-errors");
    if (errors) errors.focus();
  }

  document.querySelectorAll("[data-confirm]").forEach((element) => {
    element.addEventListener("click", (event) => {
      if (!window.confirm(element.dataset.confirm)) event.preventDefault();
    });
  });
})();
