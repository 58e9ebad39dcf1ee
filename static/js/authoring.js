// The questionnaire editor. Everything works without JavaScript (plain forms, "Show its choices" posts
// the question form back); with it, a condition question's choices appear as soon as it is picked, and
// forms marked data-autosave save themselves when a field changes, keeping the revision up to date.
(function () {
  "use strict";

  const pick = document.querySelector("[data-pick-condition]");
  if (pick) {
    const select = pick.form.querySelector('select[name="show_if_question"]');
    if (select) {
      select.addEventListener("change", () => pick.form.requestSubmit(pick));
    }
  }

  const status = document.createElement("p");
  status.className = "small text-muted mt-2 mb-0";
  status.setAttribute("role", "status");

  function revisionsSet(value) {
    document.querySelectorAll('input[name="revision"]').forEach((input) => {
      input.value = value;
    });
  }

  document.querySelectorAll("form[data-autosave]").forEach((form) => {
    let stopped = false;
    let pending = null;
    let resubmitting = false;
    form.appendChild(status);
    // Clicking Save right after typing fires "change" (an automatic save starts) and then "submit":
    // the submit waits for that save and its new revision, or it would conflict with it.
    form.addEventListener("submit", (event) => {
      stopped = true;
      if (pending && !resubmitting) {
        event.preventDefault();
        const submitter = event.submitter;
        pending.finally(() => {
          resubmitting = true;
          form.requestSubmit(submitter);
        });
      }
    });
    form.addEventListener("change", (event) => {
      if (stopped || event.target.name === "show_if_question") return;
      // one save at a time, each with the revision the previous one returned
      const saving = (pending || Promise.resolve()).then(() => autosave(form));
      pending = saving;
      saving.finally(() => {
        if (pending === saving) pending = null;
      });
    });
  });

  async function autosave(form) {
    const body = new FormData(form);
    body.set("save", "1");
    status.textContent = form.dataset.savingText || "…";
    try {
      const response = await fetch(form.action || window.location.href, {
        method: "POST",
        body: body,
        credentials: "same-origin",
      });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      if (response.ok && response.redirected) {
        const revision = page.querySelector('input[name="revision"]');
        if (revision) revisionsSet(revision.value);
        status.textContent = form.dataset.savedText || "✓";
      } else {
        // a conflict or an invalid entry: the Save button shows the reason on the page
        const alert = page.querySelector(".alert-danger");
        status.textContent = (form.dataset.failedText || "") + " " + (alert ? alert.textContent.trim() : "");
      }
    } catch (error) {
      status.textContent = form.dataset.failedText || "";
    }
  }
})();
