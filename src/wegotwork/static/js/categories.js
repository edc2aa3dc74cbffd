// Categories: reorder by dragging a row's handle; the whole new order is saved at once.
// Without this file the move up/down buttons (plain forms) do the same job, and with the
// keyboard they keep working after htmx swaps the list: focus returns to the button pressed.
(function () {
  "use strict";

  var dragged = null;
  var startOrder = "";

  function rows(list) {
    return Array.prototype.slice.call(list.querySelectorAll(":scope > .category-row"));
  }

  function order(list) {
    return rows(list).map(function (row) { return row.getAttribute("data-id"); }).join(",");
  }

  function enhance(root) {
    (root || document).querySelectorAll("[data-sortable]").forEach(function (list) {
      list.classList.add("is-sortable");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var handle = event.target instanceof Element ? event.target.closest(".drag-handle") : null;
    if (!handle) return;
    dragged = handle.closest(".category-row");
    var list = dragged && dragged.parentElement;
    if (!dragged || !list) return;
    startOrder = order(list);
    dragged.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-id"));
    if (event.dataTransfer.setDragImage) event.dataTransfer.setDragImage(dragged, 16, 16);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var over = event.target instanceof Element ? event.target.closest(".category-row") : null;
    if (!over || over === dragged || over.parentElement !== dragged.parentElement) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    over.parentElement.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var list = dragged.parentElement;
    dragged.classList.remove("is-dragging");
    dragged = null;
    if (!list || order(list) === startOrder) return;
    // Hidden inputs (form="category-order") follow their rows, so the form now carries the
    // new order in document order.
    var form = document.getElementById("category-order");
    if (form && form.requestSubmit) form.requestSubmit();
    else if (form) form.submit();
  });

  // Keep keyboard focus on the control that was used, across the htmx swap of the list.
  var focusKey = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    focusKey = active && active.getAttribute ? active.getAttribute("data-focus-key") : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    enhance(event.target);
    if (!focusKey) return;
    var target = document.querySelector('[data-focus-key="' + focusKey + '"]');
    if (target && target.disabled) {
      var sibling = focusKey.indexOf("up-") === 0 ? "down-" : "up-";
      target = document.querySelector('[data-focus-key="' + sibling + focusKey.slice(focusKey.indexOf("-") + 1) + '"]');
    }
    if (target) target.focus();
    focusKey = null;
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
})();
