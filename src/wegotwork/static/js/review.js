// The applicant page's keyboard shortcuts: j / k walk the list the reviewer came from, n writes
// a note, s focuses the stage, ? shows the shortcuts. None fires while typing in a field.
(function () {
  "use strict";

  function typing(target) {
    if (!(target instanceof Element)) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target)) return;
    var key = event.key;
    if (key === "j" || key === "k") {
      var link = document.querySelector("[data-walk='" + key + "']");
      if (link) {
        event.preventDefault();
        window.location.href = link.getAttribute("href");
      }
    } else if (key === "n") {
      var note = document.getElementById("note-body");
      if (note) {
        event.preventDefault();
        note.focus();
      }
    } else if (key === "s") {
      var stage = document.getElementById("f-status");
      if (stage) {
        event.preventDefault();
        stage.focus();
      }
    } else if (key === "?") {
      var help = document.querySelector("details.shortcuts");
      if (help) {
        event.preventDefault();
        help.open = !help.open;
      }
    }
  });
})();

// The stage selector answers in place (htmx): its form comes back re-drawn, so the focus (lost
// while the form was busy) returns to it: to the selector when the stage was refused, else to
// the button. Never taken from wherever the reviewer went meanwhile.
document.addEventListener("htmx:afterSettle", function (event) {
  "use strict";
  var target = event.detail && event.detail.target;
  if (!target || target.id !== "stage-feedback") return;
  var active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) return;
  var select = document.getElementById("f-status");
  var button = document.getElementById("stage-save");
  var next = select && select.getAttribute("aria-invalid") === "true" ? select : button;
  if (next) next.focus();
});

// @mention suggestions in the note composer: typing @ and the start of a teammate's name lists
// the teammates who match; arrows choose, Enter or Tab inserts "@Full Name", Escape closes.
(function () {
  "use strict";

  var field = document.getElementById("note-body");
  var list = document.getElementById("mention-options");
  if (!field || !list) return;
  var names;
  try {
    names = JSON.parse(field.getAttribute("data-teammates") || "[]");
  } catch (error) {
    return;
  }
  var shown = [];
  var active = -1;
  var start = -1;

  function query() {
    // The "@word" that ends at the caret, if any (a mention may hold spaces once it matches).
    var before = field.value.slice(0, field.selectionStart);
    var at = before.lastIndexOf("@");
    if (at < 0 || (at > 0 && /[\w.+-]/.test(before.charAt(at - 1)))) return null;
    var typed = before.slice(at + 1);
    if (typed.length > 40 || /\n/.test(typed)) return null;
    start = at;
    return typed.toLowerCase();
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    field.removeAttribute("aria-activedescendant");
    shown = [];
    active = -1;
  }

  function highlight(index) {
    active = index;
    Array.prototype.forEach.call(list.children, function (item, position) {
      item.setAttribute("aria-selected", position === index ? "true" : "false");
    });
    if (index >= 0) field.setAttribute("aria-activedescendant", "mention-option-" + index);
  }

  function choose(index) {
    var name = shown[index];
    if (name === undefined) return;
    var caret = field.selectionStart;
    var text = "@" + name + " ";
    field.value = field.value.slice(0, start) + text + field.value.slice(caret);
    var place = start + text.length;
    field.setSelectionRange(place, place);
    close();
    field.focus();
  }

  function open(typed) {
    shown = names.filter(function (name) {
      var lower = name.toLowerCase();
      return lower.indexOf(typed) === 0 || lower.indexOf(" " + typed) > 0;
    }).slice(0, 6);
    list.textContent = "";
    if (!shown.length || (shown.length === 1 && shown[0].toLowerCase() === typed)) {
      close();
      return;
    }
    shown.forEach(function (name, index) {
      var item = document.createElement("li");
      item.id = "mention-option-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.textContent = name;
      item.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the text field
        choose(index);
      });
      list.appendChild(item);
    });
    list.hidden = false;
    highlight(0);
  }

  field.addEventListener("input", function () {
    var typed = query();
    if (typed === null) close();
    else open(typed);
  });
  field.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : shown.length - 1;
      highlight((active + step) % shown.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(active < 0 ? 0 : active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  field.addEventListener("blur", close);
})();
