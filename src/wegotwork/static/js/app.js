// Small progressive enhancements shared by every page. Pages work without this file.
(function () {
  "use strict";

  // <button data-confirm="..."> asks before submitting its form.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <button data-open-dialog="id"> opens a <dialog>; [data-close-dialog] closes it.
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
      }
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      var parent = closer.closest("dialog");
      if (parent) { event.preventDefault(); parent.close(); }
    }
  });

  // [data-copy="text"] copies text to the clipboard and says so.
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    event.preventDefault();
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // Type-to-confirm: a submit button stays disabled until the input matches data-expected.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-expected")) return;
    var form = input.form;
    if (!form) return;
    var button = form.querySelector("[data-confirm-submit]");
    if (button) button.disabled = input.value.trim() !== input.getAttribute("data-expected");
  });

  // Flash messages fade after a while.
  window.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".flash-success").forEach(function (el) {
      setTimeout(function () { el.remove(); }, 6000);
    });
  });
})();
