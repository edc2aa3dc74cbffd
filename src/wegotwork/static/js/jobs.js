// Job editor: the delete button waits for the title to be typed (app.js re-checks on input).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-expected]").forEach(function (input) {
      var button = input.form && input.form.querySelector("[data-confirm-submit]");
      if (button) button.disabled = input.value.trim() !== input.getAttribute("data-expected");
    });
  });
})();
