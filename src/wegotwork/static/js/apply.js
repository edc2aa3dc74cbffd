// The application form: catch a too-large or wrong-type résumé before uploading it, and keep
// the button from sending twice. The server checks everything again; this only saves time.
(function () {
  "use strict";

  var LIMIT = 5 * 1024 * 1024;
  var EXTENSIONS = /\.(pdf|docx?)$/i;

  function showError(input, message) {
    var id = input.id + "-client-error";
    var existing = document.getElementById(id);
    if (!message) {
      if (existing) existing.remove();
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!existing) {
      existing = document.createElement("p");
      existing.id = id;
      existing.className = "field-error";
      input.insertAdjacentElement("afterend", existing);
    }
    existing.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
  }

  function check(input) {
    var file = input.files && input.files[0];
    if (!file) return true;
    if (file.size > LIMIT) {
      showError(input, "The résumé must be at most 5 MB (this one is " + (file.size / 1048576).toFixed(1) + " MB).");
      return false;
    }
    if (file.size === 0) {
      showError(input, "The résumé file is empty.");
      return false;
    }
    if (!EXTENSIONS.test(file.name)) {
      showError(input, "The résumé must be a PDF, DOC or DOCX file.");
      return false;
    }
    showError(input, "");
    return true;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.form && input.form.hasAttribute("data-apply-form") && input.type === "file") {
      check(input);
    }
  });

  // After a refusal the page comes back with errors: start at the first field to fix. (After
  // the load, once the browser has scrolled to the form's #apply, which moves focus itself.)
  function focusFirstError() {
    var form = document.querySelector("form[data-apply-form]");
    var invalid = form && form.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  }
  window.addEventListener("load", function () { window.setTimeout(focusFirstError, 0); });

  // Coming back to the page (the back button) after sending: the button works again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-apply-form] [type=submit][aria-disabled=true]").forEach(function (button) {
      button.removeAttribute("aria-disabled");
      button.textContent = button.getAttribute("data-label") || button.textContent;
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-apply-form")) return;
    var input = form.querySelector("input[type=file]");
    if (input && !check(input)) {
      event.preventDefault();
      input.focus();
      return;
    }
    var button = form.querySelector("[type=submit]");
    if (button) {
      if (button.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
      button.setAttribute("data-label", button.textContent);
      button.setAttribute("aria-disabled", "true");
      button.textContent = "Sending…";
    }
  });
})();
