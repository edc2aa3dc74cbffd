// Categories: the rows reorder by dragging (sortable.js) or by the move up/down buttons; with
// the keyboard the buttons keep working after htmx swaps the list: focus returns to the button
// pressed.
(function () {
  "use strict";

  // Keep keyboard focus on the control that was used, across the htmx swap of the list.
  var focusKey = null;
  var moving = null; // the move's request: only its own swap gives focus back
  document.addEventListener("htmx:beforeRequest", function (event) {
    // Only the list's own requests: another one (the notifications menu loading, say) must
    // not forget the button a move was started from.
    var source = event.detail && event.detail.elt;
    if (!(source instanceof Element) || !source.closest(".category-move")) return;
    var active = document.activeElement;
    focusKey = active && active.getAttribute ? active.getAttribute("data-focus-key") : null;
    moving = event.detail.xhr || null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    // Another request settling first (a menu loading, say) must not use up the key before
    // the list is swapped.
    if (!focusKey || (moving && event.detail && event.detail.xhr !== moving)) return;
    moving = null;
    var target = document.querySelector('[data-focus-key="' + focusKey + '"]');
    if (target && target.disabled) {
      var sibling = focusKey.indexOf("up-") === 0 ? "down-" : "up-";
      target = document.querySelector('[data-focus-key="' + sibling + focusKey.slice(focusKey.indexOf("-") + 1) + '"]');
    }
    if (target) target.focus();
    focusKey = null;
  });
})();
