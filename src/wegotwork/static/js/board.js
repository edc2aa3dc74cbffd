// The applicant board: move cards between columns (a job's stages, or statuses across all
// jobs) by drag and drop (a mouse, or a finger: touch and hold a card, then drag it), by the
// arrow keys, or with each card's own small form (which also works without this file). "Show
// more" cards arrive by htmx and are handled the same way. On a job's board, ticked cards move
// together through the bulk bar.
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

  // Bulk (a job's board): the ticked cards are counted, the bar's button waits for a selection,
  // and the bar stays in view while cards are ticked. The checkboxes belong to the bar's form
  // (their form attribute), so without this file the bar works as it is.
  var bulk = document.querySelector("[data-board-bulk]");

  function updateBulk() {
    if (!bulk) return;
    var checked = board.querySelectorAll(".board-select input:checked").length;
    bulk.classList.toggle("is-selecting", checked > 0);
    var count = bulk.querySelector("[data-selected-count]");
    if (count) {
      count.textContent = checked === 0 ? "Tick the cards to move several at once."
        : checked === 1 ? "1 applicant selected." : checked + " applicants selected.";
    }
    var button = bulk.querySelector("button[type=submit]");
    if (button && !bulk.hasAttribute("data-busy")) button.disabled = checked === 0;
  }

  board.addEventListener("change", function (event) {
    if (event.target instanceof Element && event.target.closest(".board-select")) updateBulk();
  });
  updateBulk();

  // Drag and drop. A press on the card's checkbox or its move form never starts
  // a drag: only the card itself is dragged.
  var dragged = null;
  var pressed = null;
  board.addEventListener("pointerdown", function (event) { pressed = event.target; }, true);
  board.addEventListener("dragstart", function (event) {
    var card = event.target instanceof Element ? event.target.closest(".board-card") : null;
    if (!card || !card.hasAttribute("draggable")) return;
    if (pressed instanceof Element && card.contains(pressed) && pressed.closest("input, label, select, button")) {
      event.preventDefault();
      return;
    }
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

  // Touch: a touch screen has no HTML drag and drop. Touch and hold a card (a short still press,
  // so a swipe still scrolls the board), then drag it to a column and lift the finger.
  var HOLD_MS = 300;
  var SLOP_PX = 10;
  var touch = null;

  function columnAt(x, y) {
    var element = document.elementFromPoint(x, y);
    var column = element ? element.closest(".board-column") : null;
    return column && board.contains(column) ? column : null;
  }

  function highlight(column) {
    columns.forEach(function (each) { each.classList.toggle("is-drop-target", each === column); });
  }

  // Near the board's left or right edge, after a short rest, the board scrolls under the finger
  // so a column out of view can be reached.
  var EDGE_PX = 48;
  var EDGE_REST_MS = 250;

  function edgeScroll() {
    if (!touch || !touch.dragging) return;
    var rect = board.getBoundingClientRect();
    var direction = touch.x > rect.right - EDGE_PX ? 1 : touch.x < rect.left + EDGE_PX ? -1 : 0;
    if (!direction) {
      touch.edgeSince = 0;
    } else if (!touch.edgeSince) {
      touch.edgeSince = Date.now();
    } else if (Date.now() - touch.edgeSince > EDGE_REST_MS) {
      board.scrollLeft += direction * 12;
      highlight(columnAt(touch.x, touch.y));
    }
    touch.frame = window.requestAnimationFrame(edgeScroll);
  }

  function endTouch() {
    if (!touch) return;
    window.clearTimeout(touch.timer);
    window.cancelAnimationFrame(touch.frame);
    touch.card.classList.remove("is-dragging");
    highlight(null);
    touch = null;
  }

  board.addEventListener("touchstart", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var card = target ? target.closest(".board-card[draggable]") : null;
    if (!card || event.touches.length !== 1 || target.closest("a, button, select, input, label")) return;
    var point = event.touches[0];
    touch = { card: card, x: point.clientX, y: point.clientY, dragging: false, timer: 0, frame: 0, edgeSince: 0 };
    touch.timer = window.setTimeout(function () {
      if (!touch) return;
      touch.dragging = true;
      card.classList.add("is-dragging");
      highlight(card.closest(".board-column"));
      touch.frame = window.requestAnimationFrame(edgeScroll);
    }, HOLD_MS);
  }, { passive: true });

  board.addEventListener("touchmove", function (event) {
    if (!touch) return;
    var point = event.touches[0];
    if (!touch.dragging) {
      // Moved before the hold: the finger is scrolling, not dragging.
      if (Math.abs(point.clientX - touch.x) > SLOP_PX || Math.abs(point.clientY - touch.y) > SLOP_PX) endTouch();
      return;
    }
    event.preventDefault();
    touch.x = point.clientX;
    touch.y = point.clientY;
    highlight(columnAt(touch.x, touch.y));
  }, { passive: false });

  board.addEventListener("touchend", function (event) {
    if (!touch) return;
    if (touch.dragging) {
      event.preventDefault();
      var card = touch.card;
      var column = columnAt(touch.x, touch.y);
      endTouch();
      if (column) move(card, column.getAttribute("data-move"));
      return;
    }
    endTouch();
  });
  board.addEventListener("touchcancel", endTouch);
})();
