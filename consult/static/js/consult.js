/* Consult's own behaviour. Every page works without it; it only adds comfort. */
(function () {
  "use strict";

  // Move focus to the error summary after a failed submit, so screen readers announce it.
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  // Buttons that destroy or change something important ask first.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Idle-timeout warning (WCAG 2.2.1): two minutes before the session ends, offer to extend it.
  function sessionWarning() {
    var meta = document.querySelector('meta[name="consult-idle-timeout"]');
    var dialog = document.getElementById("session-warning");
    if (!meta || !dialog) { return; }
    var timeout = parseInt(meta.content, 10) * 1000;
    var lead = Math.min(120000, timeout / 2);
    var timer = null;
    function restart() {
      window.clearTimeout(timer);
      dialog.hidden = true;
      timer = window.setTimeout(function () {
        dialog.hidden = false;
        var button = dialog.querySelector("button");
        if (button) { button.focus(); }
      }, timeout - lead);
    }
    // Any request to the server renews the session, so it restarts the countdown too.
    document.body.addEventListener("htmx:afterRequest", restart);
    restart();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary(document);
    sessionWarning();
  });
  document.addEventListener("htmx:afterSwap", function (event) { focusErrorSummary(event.detail.target); });
})();

/* After an htmx swap, keep the keyboard where the person was (e.g. the moved item's button). */
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target.querySelector("[data-autofocus]");
  if (target) { target.focus(); }
});
