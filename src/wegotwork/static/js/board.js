// The applicant board: move cards between columns (a job's stages, or statuses across all
// jobs) by drag and drop, by the arrow keys, or with each card's own small form (which also
// works without this file). "Show more" cards arrive by htmx and are handled the same way.
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  if (!board) return;
  var api = board.getAttribute("data-api");
  var field = board.getAttribute("data-field") || "status";
  var announcer = document.getElementById("board-announcer");
  var columns = Array.prototype.slice.call(board.querySelectorAll(".board-column"));
  var order = columns.map(function (column) { return column.getAttribute("data-move"); });

  function announce(message) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 30);
  }

  function columnFor(target) {
    return columns[order.indexOf(target)] || null;
  }

  function adjustCount(column, delta) {
    var badge = column.querySelector("[data-count]");
    badge.textContent = String(Math.max(0, parseInt(badge.textContent, 10) + delta));
  }

  function place(card, column) {
    var from = card.closest(".board-column");
    var list = column.querySelector(".board-cards");
    list.insertBefore(card, list.firstChild);
    // An end state's cards are folded away; open them so the moved card stays in view.
    var folded = column.querySelector("details");
    if (folded) folded.open = true;
    adjustCount(from, -1);
    adjustCount(column, 1);
    var label = column.getAttribute("data-label");
    card.setAttribute("aria-label", card.getAttribute("data-name") + ", " + label);
    var select = card.querySelector("select[name=" + field + "]");
    if (select) select.value = column.getAttribute("data-move");
  }

  function move(card, target) {
    var from = card.closest(".board-column");
    var to = columnFor(target);
    if (!to || to === from || card.getAttribute("aria-busy") === "true") return;
    var name = card.getAttribute("data-name");
    var before = card.nextElementSibling;
    place(card, to);
    card.setAttribute("aria-busy", "true");
    fetch(api + encodeURIComponent(card.getAttribute("data-id")), {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(field === "stageId" ? { stageId: target } : { status: target })
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      announce(name + " moved to " + to.getAttribute("data-label") + ".");
    }).catch(function () {
      // Put the card back where it was and say so.
      place(card, from);
      if (before && before.parentNode === from.querySelector(".board-cards")) {
        before.parentNode.insertBefore(card, before);
      }
      announce(name + " could not be moved. Please try again.");
    }).then(function () {
      card.removeAttribute("aria-busy");
    });
  }

  // Keyboard: arrow keys on a focused card.
  board.addEventListener("keydown", function (event) {
    var card = event.target;
    if (!(card instanceof HTMLElement) || !card.classList.contains("board-card")) return;
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    event.preventDefault();
    var current = card.closest(".board-column").getAttribute("data-move");
    var index = order.indexOf(current) + (event.key === "ArrowRight" ? 1 : -1);
    if (index < 0 || index >= order.length) return;
    move(card, order[index]);
    card.focus();
  });

  // The per-card form: move in place instead of reloading the page.
  board.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("board-move")) return;
    event.preventDefault();
    var card = form.closest(".board-card");
    move(card, form.querySelector("select[name=" + field + "]").value);
  });

  // Drag and drop.
  var dragged = null;
  board.addEventListener("dragstart", function (event) {
    var card = event.target instanceof Element ? event.target.closest(".board-card") : null;
    if (!card || !card.hasAttribute("draggable")) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    columns.forEach(function (column) { column.classList.remove("is-drop-target"); });
  });
  columns.forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("is-drop-target");
    });
    column.addEventListener("dragleave", function (event) {
      if (!column.contains(event.relatedTarget)) column.classList.remove("is-drop-target");
    });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("is-drop-target");
      if (dragged) move(dragged, column.getAttribute("data-move"));
    });
  });
})();
