// The form builder: drag a question to reorder it; the new order is posted like the Up and
// Down buttons do (the page works without this script).
(function () {
  "use strict";
  var list = document.querySelector("[data-question-list]");
  if (!list) return;
  var dragged = null;
  list.addEventListener("dragstart", function (event) {
    var item = event.target.closest("[data-question-id]");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.questionId);
  });
  list.addEventListener("dragover", function (event) {
    if (!dragged) return;
    event.preventDefault();
    var over = event.target.closest("[data-question-id]");
    if (!over || over === dragged) return;
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    var ids = Array.prototype.map.call(list.querySelectorAll("[data-question-id]"), function (el) {
      return el.dataset.questionId;
    });
    var form = document.createElement("form");
    form.method = "post";
    form.action = list.dataset.orderAction;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "order";
    input.value = ids.join(",");
    form.appendChild(input);
    var csrf = document.querySelector("meta[name=csrf-token]");
    if (csrf) {
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrf";
      token.value = csrf.content;
      form.appendChild(token);
    }
    document.body.appendChild(form);
    form.submit();
  });
})();
