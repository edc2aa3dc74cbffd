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
