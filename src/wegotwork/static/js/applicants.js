// The applicant list: "select all on this page" and a count of the selection for bulk changes.
(function () {
  "use strict";

  function update(form) {
    var boxes = form.querySelectorAll("input[name=ids]");
    var checked = form.querySelectorAll("input[name=ids]:checked").length;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    var count = form.querySelector("[data-selected-count]");
    if (count) count.textContent = checked ? checked + " selected" : "";
  }

  function setUp(root) {
    root.querySelectorAll("form[data-bulk]").forEach(function (form) {
      var label = form.querySelector("[data-select-all-label]");
      if (label) label.hidden = false;
      update(form);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    var form = target.closest("form[data-bulk]");
    if (!form) return;
    if (target.hasAttribute("data-select-all")) {
      form.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = target.checked; });
    }
    update(form);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-bulk")) return;
    if (!form.querySelector("input[name=ids]:checked")) {
      event.preventDefault();
      var count = form.querySelector("[data-selected-count]");
      if (count) count.textContent = "Select at least one applicant first.";
    }
  });

  window.addEventListener("DOMContentLoaded", function () { setUp(document); });
  // The results are replaced when filters change (htmx): set the new ones up too.
  document.addEventListener("htmx:afterSettle", function () { setUp(document); });
})();
