// Small progressive enhancements shared by every page. Pages work without this file.
(function () {
  "use strict";

  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

  function closest(event, selector) {
    return event.target instanceof Element ? event.target.closest(selector) : null;
  }

  // ---- Dialogs: modal, focus kept inside while open, given back to the opener on close. ----
  function focusables(container) {
    return Array.prototype.filter.call(container.querySelectorAll(FOCUSABLE), function (el) {
      return el.offsetParent !== null || el === document.activeElement;
    });
  }

  function openDialog(dialog, opener) {
    if (typeof dialog.showModal !== "function" || dialog.open) return false;
    dialog._opener = opener || document.activeElement;
    dialog.showModal();
    var first = dialog.querySelector("[autofocus]") || focusables(dialog)[0];
    if (first) first.focus();
    return true;
  }

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement)) return;
    var opener = dialog._opener;
    dialog._opener = null;
    if (opener && typeof opener.focus === "function" && document.contains(opener)) opener.focus();
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var dialog = closest(event, "dialog[open]");
    if (!dialog) return;
    var items = focusables(dialog);
    if (!items.length) { event.preventDefault(); return; }
    var first = items[0], last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var opener = closest(event, "[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && openDialog(dialog, opener)) event.preventDefault();
    }
    var closer = closest(event, "[data-close-dialog]");
    if (closer) {
      var parent = closer.closest("dialog");
      if (parent) { event.preventDefault(); parent.close(); }
    }
  });

  // ---- <button data-confirm="..."> asks in the confirmation dialog before it submits. ----
  document.addEventListener("click", function (event) {
    var button = closest(event, "[data-confirm]");
    if (!button || button.hasAttribute("data-confirmed")) return;
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (!window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    document.getElementById("confirm-dialog-message").textContent = button.getAttribute("data-confirm");
    var confirm = dialog.querySelector("[data-dialog-confirm]");
    confirm.textContent = (button.textContent || "Confirm").trim();
    dialog._confirmFor = button;
    openDialog(dialog, button);
  }, true);

  document.addEventListener("click", function (event) {
    var confirm = closest(event, "[data-dialog-confirm]");
    if (!confirm) return;
    var dialog = confirm.closest("dialog");
    var button = dialog && dialog._confirmFor;
    if (!button) return;
    dialog._confirmFor = null;
    dialog._opener = null; // the page is about to change: nothing to give focus back to
    dialog.close();
    button.setAttribute("data-confirmed", "");
    button.click();
    button.removeAttribute("data-confirmed");
  });

  // ---- Menus (<details data-menu>): Escape and outside clicks close them. ----
  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  document.addEventListener("click", function (event) {
    closeMenus(closest(event, "details[data-menu]"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = closest(event, "details[data-menu][open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });

  // ---- [data-copy="text"] copies text to the clipboard and says so. ----
  document.addEventListener("click", function (event) {
    var button = closest(event, "[data-copy]");
    if (!button || !navigator.clipboard) return;
    event.preventDefault();
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.innerHTML;
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      setTimeout(function () { button.innerHTML = label; button.removeAttribute("aria-live"); }, 1500);
    });
  });

  // ---- Submitting: one request per form at a time, its buttons busy meanwhile. ----
  function setBusy(form, busy, submitter) {
    form.toggleAttribute("data-busy", busy);
    form.setAttribute("aria-busy", busy ? "true" : "false");
    form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (button) {
      if (busy) {
        if (button.disabled) return;
        button.disabled = true;
        button.setAttribute("data-was-enabled", "");
        if (button === submitter) button.classList.add("is-busy");
      } else if (button.hasAttribute("data-was-enabled")) {
        button.disabled = false;
        button.removeAttribute("data-was-enabled");
        button.classList.remove("is-busy");
      }
    });
  }

  function isHtmx(form) {
    return ["hx-post", "hx-get", "hx-put", "hx-patch", "hx-delete"].some(function (name) {
      return form.hasAttribute(name);
    });
  }

  // Capture phase: a second submit is stopped before htmx or the browser sees it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method === "dialog" || form.target === "_blank") return;
    if (form.hasAttribute("data-busy")) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    var submitter = event.submitter;
    form.setAttribute("data-busy", "");
    // After this task the form data (with the pressed button's name and value) is taken, and
    // a script that cancelled the submit (its own checks) has said so.
    setTimeout(function () {
      if (isHtmx(form) || !event.defaultPrevented) setBusy(form, true, submitter);
      else form.removeAttribute("data-busy");
    }, 0);
  }, true);

  // htmx requests do not leave the page: the form is usable again when the answer is in.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt instanceof HTMLFormElement) setBusy(elt, false);
  });

  // A form marked data-htmx-errors shows its refusals (422) in place, as it shows successes.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!(elt instanceof Element) || !elt.closest("[data-htmx-errors]")) return;
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Back from the next page (bfcache): nothing is in flight any more.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) { setBusy(form, false); });
  });

  // ---- Type-to-confirm: a submit button stays disabled until the input matches data-expected.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-expected")) return;
    var form = input.form;
    if (!form) return;
    var button = form.querySelector("[data-confirm-submit]");
    if (button) button.disabled = input.value.trim() !== input.getAttribute("data-expected");
  });

  // ---- A form that comes back with errors: start at the first field to fix (after the load,
  // once the browser has scrolled to a #fragment, which moves focus itself).
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      var invalid = document.querySelector("form [aria-invalid=true]");
      if (invalid) invalid.focus();
    }, 0);
  });

  // Flash messages fade after a while.
  window.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".flash-success").forEach(function (el) {
      setTimeout(function () { el.remove(); }, 6000);
    });
  });
})();
