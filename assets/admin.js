// Replydesk admin: keyboard shortcuts and select-all. The page works without it.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".comment"));
  var current = -1;

  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      items.forEach(function (item) {
        var box = item.querySelector("input[type=checkbox]");
        if (box) box.checked = all.checked;
      });
    });
  }

  // Deleting for ever asks first; without JavaScript the server asks instead.
  var queue = document.getElementById("queue");
  if (queue) {
    queue.addEventListener("submit", function (event) {
      var button = event.submitter;
      var single = button && button.name === "act" && button.dataset.action === "delete";
      var bulk = button && button.name === "bulk" && queue.elements.action.value === "delete";
      if ((single || bulk) && !window.confirm("Delete for ever? This cannot be undone.")) {
        event.preventDefault();
        return;
      }
      if (single || bulk) {
        var confirmed = document.createElement("input");
        confirmed.type = "hidden";
        confirmed.name = "confirmed";
        confirmed.value = "yes";
        queue.appendChild(confirmed);
      }
    });
  }

  function select(index) {
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    if (current >= 0) items[current].classList.remove("current");
    current = index;
    items[current].classList.add("current");
    items[current].focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "nearest" });
  }

  function press(action) {
    if (current < 0) return;
    var button = items[current].querySelector("button[data-action=" + action + "]");
    if (button) button.click();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName) && target.type !== "checkbox") return;
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "a": press("approve"); break;
      case "s": press("spam"); break;
      case "d": press("trash"); break;
      case "x":
        if (current >= 0) {
          var box = items[current].querySelector("input[type=checkbox]");
          if (box) box.checked = !box.checked;
        }
        break;
      default: return;
    }
    event.preventDefault();
  });
})();
