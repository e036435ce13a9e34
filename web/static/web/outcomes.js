/* The contact form offers only the outcomes of the chosen channel, in that channel's own
   words: the outcome select carries every channel's list in data-outcomes (rendered by
   web.forms.ContactAttemptForm). Delegated, so it keeps working after htmx swaps the page. */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var channel = event.target;
    if (!channel.name || !/(^|-)channel$/.test(channel.name) || !channel.form) return;
    var outcome = channel.form.querySelector("select[data-outcomes]");
    if (!outcome) return;
    var offered = JSON.parse(outcome.getAttribute("data-outcomes"))[channel.value];
    if (!offered) return;
    var kept = outcome.value;
    var empty = outcome.options.length && outcome.options[0].value === "" ? outcome.options[0] : null;
    outcome.innerHTML = "";
    if (empty) outcome.appendChild(empty);
    offered.forEach(function (o) {
      var option = document.createElement("option");
      option.value = o.code;
      option.textContent = o.label;
      outcome.appendChild(option);
    });
    outcome.value = offered.some(function (o) { return o.code === kept; }) ? kept : "";
  });
})();
