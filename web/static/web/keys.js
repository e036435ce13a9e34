/* Keyboard for a day of calls, and one composer action open at a time.
   j / k: next / previous ticket (in a queue: move between rows; on a ticket: go to the
   neighbour in my queue); c: open "log contact"; r: open "resolve". Ignored while typing. */
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName));
  }

  function openAction(name) {
    var details = document.getElementById("act-" + name);
    if (!details) return false;
    details.open = true;
    details.scrollIntoView({ block: "nearest" });
    var field = details.querySelector("select, textarea, input:not([type=hidden])");
    if (field) field.focus();
    return true;
  }

  function move(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("a.ticket-link"));
    if (links.length) {
      var i = links.indexOf(document.activeElement);
      i = i < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, i + step));
      links.forEach(function (a) { a.closest("tr").classList.remove("current"); });
      links[i].closest("tr").classList.add("current");
      links[i].focus();
      return true;
    }
    var nav = document.querySelector(step > 0 ? "a[rel=next][data-queue]" : "a[rel=prev][data-queue]");
    if (nav) { window.location.href = nav.href; return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var done = false;
    if (event.key === "c") done = openAction("contact");
    else if (event.key === "r") done = openAction("resolve");
    else if (event.key === "j") done = move(1);
    else if (event.key === "k") done = move(-1);
    if (done) event.preventDefault();
  });

  // One action of a group open at a time. Not <details name>: during an htmx swap the old
  // and the new page are both in the document, and the browser would close the new one.
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.dataset.group) return;
    document.querySelectorAll('details[data-group="' + opened.dataset.group + '"]').forEach(function (d) {
      if (d !== opened) d.open = false;
    });
  }, true);
})();
