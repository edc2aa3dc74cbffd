// Reorder a list by dragging a row's handle; the whole new order is saved at once.
//
//   <form id="some-order" method="post" action="…"></form>
//   <ol data-sortable data-order-form="some-order">
//     <li data-id="…"><input type="hidden" name="ids" value="…" form="some-order">
//       <span class="drag-handle" draggable="true" aria-hidden="true">⠿</span> …</li>
//
// The hidden inputs follow their rows, so after a drop the form carries the new order in
// document order and is submitted. Without this file the rows' move up/down buttons (plain
// forms) do the same job, by keyboard too.
(function () {
  "use strict";

  var dragged = null;
  var startOrder = "";

  function rows(list) {
    return Array.prototype.slice.call(list.querySelectorAll(":scope > [data-id]"));
  }

  function order(list) {
    return rows(list).map(function (row) { return row.getAttribute("data-id"); }).join(",");
  }

  function enhance(root) {
    (root || document).querySelectorAll("[data-sortable]").forEach(function (list) {
      list.classList.add("is-sortable");
    });
  }

  function rowOf(element) {
    var row = element instanceof Element ? element.closest("[data-sortable] > [data-id]") : null;
    return row;
  }

  document.addEventListener("dragstart", function (event) {
    var handle = event.target instanceof Element ? event.target.closest(".drag-handle") : null;
    if (!handle) return;
    dragged = rowOf(handle);
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
    var over = rowOf(event.target);
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
    var form = document.getElementById(list.getAttribute("data-order-form") || "");
    if (form && form.requestSubmit) form.requestSubmit();
    else if (form) form.submit();
  });

  document.addEventListener("htmx:afterSettle", function (event) { enhance(event.target); });
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
})();
