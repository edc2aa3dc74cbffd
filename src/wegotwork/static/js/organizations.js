// Organization pages: the workspace address follows the name until the user edits it, and a
// type-to-confirm button starts disabled. Pages work without this file.
(function () {
  "use strict";

  // The slug field is "touched" once the user types in it; the server then checks the typed
  // address instead of suggesting one from the name.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-slug-input")) return;
    var flag = input.form && input.form.querySelector("[data-slug-touched]");
    if (flag) flag.value = input.value.trim() ? "1" : "0";
  });

  // A suggestion from the server fills the untouched slug field.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var suggestion = target.querySelector("[data-suggested-slug]");
    if (!suggestion) return;
    var form = target.closest("form");
    var input = form && form.querySelector("[data-slug-input]");
    var flag = form && form.querySelector("[data-slug-touched]");
    if (input && (!flag || flag.value !== "1")) {
      input.value = suggestion.getAttribute("data-suggested-slug");
    }
  });

  // Type-to-confirm buttons start disabled (app.js enables them when the text matches).
  window.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-expected]").forEach(function (input) {
      var button = input.form && input.form.querySelector("[data-confirm-submit]");
      if (button) button.disabled = input.value.trim() !== input.getAttribute("data-expected");
    });
  });
})();
