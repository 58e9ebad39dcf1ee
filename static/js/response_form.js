// The response form, review and print pages: progressive enhancement only. Without this file every
// question shows, nothing is limited in the browser, and the server still checks everything.
(function () {
  "use strict";

  const form = document.querySelector("form[data-response-form]");

  // --- Conditional questions: hide them, and disable their inputs so they are not sent. -----------
  function conditionsSetUp() {
    const data = document.getElementById("question-conditions");
    if (!form || !data) return;
    const conditions = JSON.parse(data.textContent);
    const codes = Object.keys(conditions);
    if (!codes.length) return;

    function selectedValues(code) {
      const values = [];
      form.querySelectorAll('[name="' + CSS.escape(code) + '"]').forEach((input) => {
        if (input.disabled) return;
        if (input.type === "checkbox" || input.type === "radio") {
          if (input.checked) values.push(input.value);
        } else if (input.tagName === "SELECT") {
          Array.from(input.selectedOptions).forEach((option) => values.push(option.value));
        } else if (input.value) {
          values.push(input.value);
        }
      });
      return values;
    }

    function update() {
      // Questions come in questionnaire order, so a chain of conditions resolves in one pass.
      codes.forEach((code) => {
        const condition = conditions[code];
        const wrapper = document.getElementById("q-" + code);
        if (!wrapper) return;
        const shown = selectedValues(condition.question).some((value) => condition.values.includes(value));
        wrapper.hidden = !shown;
        wrapper.querySelectorAll("input, textarea, select").forEach((input) => {
          input.disabled = !shown || input.dataset.maxDisabled === "true";
        });
        const hint = wrapper.querySelector("[data-condition-hint]");
        if (hint) hint.hidden = true; // the browser shows and hides the question itself
      });
      maxChoicesUpdateAll();
    }

    const watched = new Set(codes.map((code) => conditions[code].question));
    form.addEventListener("change", (event) => {
      if (watched.has(event.target.name)) update();
    });
    update();
  }

  // --- max_choices: once the limit is reached, the other boxes are disabled. ----------------------
  function maxChoicesUpdate(fieldset) {
    const max = parseInt(fieldset.dataset.maxChoices, 10);
    const boxes = Array.from(fieldset.querySelectorAll('input[type="checkbox"]'));
    const checked = boxes.filter((box) => box.checked).length;
    const hiddenByCondition = fieldset.closest("[hidden]") !== null;
    boxes.forEach((box) => {
      const limit = !box.checked && checked >= max;
      box.dataset.maxDisabled = limit ? "true" : "false";
      box.disabled = limit || hiddenByCondition;
    });
    const count = fieldset.querySelector("[data-choice-count]");
    if (count) {
      count.textContent = checked + " / " + max;
      count.classList.toggle("text-danger", checked > max);
    }
  }

  function maxChoicesUpdateAll() {
    if (!form) return;
    form.querySelectorAll("fieldset[data-max-choices]").forEach(maxChoicesUpdate);
  }

  function maxChoicesSetUp() {
    if (!form) return;
    form.querySelectorAll("fieldset[data-max-choices]").forEach((fieldset) => {
      fieldset.addEventListener("change", () => maxChoicesUpdate(fieldset));
      maxChoicesUpdate(fieldset);
    });
  }

  // --- Character counters on texts with a maximum length. ------------------------------------------
  function countersSetUp() {
    if (!form) return;
    form.querySelectorAll("textarea[maxlength]").forEach((input) => {
      const max = parseInt(input.getAttribute("maxlength"), 10);
      const counter = document.createElement("div");
      counter.className = "form-text text-end char-counter";
      counter.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", counter);
      // The counter says the limit: the static "Up to N characters." hint would repeat it.
      const wrapper = input.closest("[id^='div_']") || input.parentElement;
      const hint = wrapper && wrapper.querySelector("[data-length-hint]");
      if (hint) hint.hidden = true;
      function update() {
        const length = input.value.length;
        counter.textContent = length.toLocaleString() + " / " + max.toLocaleString();
        counter.classList.toggle("text-danger", length >= max);
      }
      input.addEventListener("input", update);
      update();
    });
  }

  // --- Unsaved changes, and one submission per click. -----------------------------------------------
  function guardSetUp() {
    // A form sent back by the server with input it did not save starts out changed.
    let dirty = Boolean(form && form.hasAttribute("data-unsaved"));
    let sent = false;
    if (form) {
      form.addEventListener("input", () => { dirty = true; });
      form.addEventListener("change", () => { dirty = true; });
      window.addEventListener("beforeunload", (event) => {
        if (dirty && !sent) {
          event.preventDefault();
          event.returnValue = "";
        }
      });
    }
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) sent = false; // back from the next page: the form can be sent again
    });
    document.querySelectorAll("form[data-response-form], form[data-submit-once]").forEach((element) => {
      element.addEventListener("submit", (event) => {
        if (sent) {
          event.preventDefault(); // a double click: the first submission is on its way
          return;
        }
        sent = true;
      });
    });
  }

  // --- Focus the error summary or the conflict message when the page comes back with one. -----------
  function focusSetUp() {
    const target = document.getElementById("conflict") || document.getElementById("error-summary");
    if (target) target.focus();
    // Back from "Add an item" or "Remove" (the page's address ends with the list's or the new item's id):
    // the focus goes to the first field there. After the load: the browser focuses the fragment's target.
    const anchor = !target && window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    if (anchor && form && form.contains(anchor)) {
      const input = anchor.querySelector("input:not([type=hidden]), textarea, select");
      window.addEventListener("load", () => window.setTimeout(() => (input || anchor).focus(), 0));
    }
    document.querySelectorAll("#error-summary a[href^='#q-']").forEach((link) => {
      link.addEventListener("click", (event) => {
        const question = document.getElementById(link.getAttribute("href").slice(1));
        if (!question) return;
        event.preventDefault();
        question.hidden = false;
        question.scrollIntoView({ block: "start" });
        const input = question.querySelector("input:not([type=hidden]), textarea, select");
        (input || question).focus({ preventScroll: true });
      });
    });
  }

  // --- Print button of the printable view. -----------------------------------------------------------
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });

  conditionsSetUp();
  maxChoicesSetUp();
  countersSetUp();
  guardSetUp();
  focusSetUp();
})();
