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

/* Responses: a character count per answer, and autosave when the page is hidden. */
(function () {
  "use strict";
  function updateCount(textarea) {
    var count = document.querySelector('[data-count-for="' + textarea.id + '"]');
    if (!count) { return; }
    var max = textarea.getAttribute("data-maxlength");
    var lang = document.documentElement.lang;
    var n = textarea.value.length.toLocaleString(lang === "nl" ? "nl-NL" : "en-GB");
    var m = parseInt(max, 10).toLocaleString(lang === "nl" ? "nl-NL" : "en-GB");
    count.textContent = lang === "nl" ? n + " van maximaal " + m + " tekens" : n + " of at most " + m + " characters";
    count.classList.toggle("char-count--over", textarea.value.length > parseInt(max, 10));
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxlength]")) { updateCount(event.target); }
  });
  // Save every answer right away when the person leaves the field or the page.
  document.addEventListener("focusout", function (event) {
    var question = event.target.closest && event.target.closest("[data-autosave]");
    if (question && window.htmx && !question.contains(event.relatedTarget)) { window.htmx.trigger(question, "consult:flush"); }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden" || !window.htmx) { return; }
    document.querySelectorAll("[data-autosave]").forEach(function (question) {
      if (question.contains(document.activeElement)) { window.htmx.trigger(question, "consult:flush"); }
    });
  });
})();

/* A request that fails (no connection, or the server could not save) swaps nothing, so what the
   person typed stays; say so where they look: in the answer's save status, or at the top. */
(function () {
  "use strict";
  function tell(event) {
    var meta = document.querySelector('meta[name="consult-request-error"]');
    var message = meta ? meta.content : "";
    var target = event.detail && event.detail.target;
    if (target && target.classList && target.classList.contains("save-status")) {
      target.innerHTML = "";
      var strong = document.createElement("strong");
      strong.className = "save-status__error";
      strong.textContent = message;
      target.appendChild(strong);
      return;
    }
    var box = document.getElementById("request-problem");
    if (!box) { return; }
    box.querySelector("[data-request-problem-text]").textContent = message;
    box.hidden = false;
  }
  document.addEventListener("htmx:sendError", tell);
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 500) { tell(event); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = document.getElementById("request-problem");
    if (box && event.detail && event.detail.successful) { box.hidden = true; }
  });
})();

/* Responses: a form sent while an answer's autosave is still on its way would carry the version
   from before that save and look like a colleague's change. Wait for the save, then send. */
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  if (!form.querySelector || !form.querySelector("[data-autosave].htmx-request")) { return; }
  event.preventDefault();
  var submitter = event.submitter;
  function sendWhenSaved() {
    if (form.querySelector("[data-autosave].htmx-request")) { return; }
    document.removeEventListener("htmx:afterRequest", sendWhenSaved);
    window.setTimeout(function () { form.requestSubmit(submitter || undefined); }, 0);
  }
  document.addEventListener("htmx:afterRequest", sendWhenSaved);
});
