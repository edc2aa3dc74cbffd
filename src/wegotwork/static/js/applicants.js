// The applicant list's bulk bar, enhanced: "select all on this page" ticks the rows, the bar
// counts the selection and its buttons wait until something is selected, and Enter in one of
// the bar's fields submits that field's action. Without JavaScript the form works as it is:
// "select all" then means every applicant of the page.
(function () {
  "use strict";

  function rows(form) {
    return form.querySelectorAll("input[name=applicantIds]");
  }

  function update(form) {
    var boxes = rows(form);
    var checked = form.querySelectorAll("input[name=applicantIds]:checked").length;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    var count = form.querySelector("[data-selected-count]");
    if (count) count.textContent = checked ? checked + " selected" : "Select applicants to act on them.";
    form.querySelectorAll("[data-bulk-bar] button[name=action]").forEach(function (button) {
      button.disabled = checked === 0;
    });
  }

  function setUp(root) {
    root.querySelectorAll("form[data-bulk]").forEach(function (form) {
      var all = form.querySelector("[data-select-all]");
      // Coming back with "select all" ticked (a refused change without JavaScript): tick the rows.
      if (all && all.checked) rows(form).forEach(function (box) { box.checked = true; });
      update(form);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    var form = target.closest("form[data-bulk]");
    if (!form) return;
    if (target.hasAttribute("data-select-all")) {
      rows(form).forEach(function (box) { box.checked = target.checked; });
    }
    update(form);
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !(target instanceof HTMLInputElement) || target.type !== "text") return;
    var action = target.closest("form[data-bulk] .bulk-action");
    var button = action && action.querySelector("button[name=action]");
    if (!button) return;
    event.preventDefault();
    if (!button.disabled) button.click();
  });

  window.addEventListener("DOMContentLoaded", function () { setUp(document); });
  // The results are replaced when filters change (htmx): set the new ones up too.
  document.addEventListener("htmx:afterSettle", function () { setUp(document); });
})();
