// The application form: catch a too-large or wrong-type résumé before uploading it. The server
// checks everything again; this only saves time. (app.js keeps the button from sending twice.)
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

  // A résumé the server would refuse stops the submit here (app.js then leaves the button be).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-apply-form")) return;
    var input = form.querySelector("input[type=file]");
    if (input && !check(input)) {
      event.preventDefault();
      input.focus();
    }
  });
})();
