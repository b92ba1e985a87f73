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
    var timer = null, returnTo = null;
    function restart() {
      window.clearTimeout(timer);
      // Staying logged in puts the keyboard back where the person was before the warning.
      var inDialog = !dialog.hidden && dialog.contains(document.activeElement);
      dialog.hidden = true;
      if (inDialog && returnTo && returnTo.isConnected) { returnTo.focus(); }
      timer = window.setTimeout(function () {
        returnTo = document.activeElement;
        dialog.hidden = false;
        var button = dialog.querySelector("button");
        if (button) { button.focus(); }
      }, timeout - lead);
    }
    // Any request to the server renews the session, so it restarts the countdown too.
    document.body.addEventListener("htmx:afterRequest", restart);
    restart();
  }

  // A message's own address (/posts/<id>, also where posting from another page leads) opens its
  // page scrolled to it; the keyboard and screen reader start there too, unless a form has errors.
  function focusLinkedMessage() {
    if (!/^#post-\d+$/.test(window.location.hash) || document.querySelector("[data-error-summary]")) { return; }
    var message = document.getElementById(window.location.hash.slice(1));
    if (!message) { return; }
    if (!message.hasAttribute("tabindex")) { message.setAttribute("tabindex", "-1"); }
    message.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary(document);
    focusLinkedMessage();
    sessionWarning();
  });
})();

/* Focus after every partial update is set on purpose, so keyboard and screen-reader users land on
   what changed: the error summary of a form drawn again with errors; else what the new content marks
   with data-autofocus (the posted message, the opened form's heading, the moved item); else, when
   the element that had focus was replaced, the new content itself - never <body>. An update that
   does not touch the focused element (a search result list, a polled status) leaves focus alone. */
(function () {
  "use strict";
  var focusedBefore = null;
  function within(root, selector) {
    return root.matches(selector) ? root : root.querySelector(selector);
  }
  // Content added to the end of a list (a posted message, more replies) is its last mark.
  function newest(root, selector) {
    var all = root.matches(selector) ? [root] : root.querySelectorAll(selector);
    return all.length ? all[all.length - 1] : null;
  }
  function focusOn(element) {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) { element.setAttribute("tabindex", "-1"); }
    element.focus();
  }
  document.addEventListener("htmx:beforeSwap", function () { focusedBefore = document.activeElement; });
  document.addEventListener("htmx:afterSwap", function (event) {
    // The new element of an outerHTML swap, else the target the content went into.
    var root = event.target;
    if (!root || !root.isConnected || !root.matches) { return; }
    var target = within(root, "[data-error-summary]") || newest(root, "[data-autofocus]");
    if (target) {
      focusOn(target);
    } else if (focusedBefore && focusedBefore !== document.body && !focusedBefore.isConnected &&
               (!document.activeElement || document.activeElement === document.body)) {
      focusOn(root);  // the focused element was swapped away and nothing else took focus since
    }
  });
})();

/* Responses: autosave that loses nothing typed.
   Each answer knows what the server last acknowledged, so leaving an unchanged answer sends nothing
   and announces nothing. Text not acknowledged yet is kept in this tab's sessionStorage (keyed by user,
   response, question and the version it started from) and put back, with a notice, when the page comes
   back with an older copy. Leaving the page sends it with fetch keepalive, which the browser does not
   cancel on unload, from the same version, so the server checks it like any autosave. While a
   colleague's text is shown beside the person's, the answer waits for their choice; focus follows it. */
(function () {
  "use strict";
  var PREFIX = "consult-unsaved/";
  var answers = new WeakMap();  // question element -> what the server holds and what is on its way

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

  // --- one answer on the page ---------------------------------------------------------------------
  function questionOf(element) {
    var question = element && element.closest ? element.closest("[data-autosave]") : null;
    return question && question.isConnected ? question : null;
  }
  function qid(question) { return question.id.slice("question-".length); }
  function versionField(question) { return document.getElementById("v-" + qid(question)); }
  function statusOf(question) { return document.getElementById("status-" + qid(question)); }
  function textField(question) {
    var field = document.getElementById("q-" + qid(question));
    return field && (field.tagName === "TEXTAREA" || field.tagName === "INPUT") ? field : null;
  }
  function hasConflict(question) { return Boolean(question.querySelector(".conflict")); }
  function controls(question) {
    // A ranking's places are selects: part of the answer like any field.
    return Array.prototype.filter.call(question.querySelectorAll("input, textarea, select"), function (control) {
      return control.name && control.type !== "hidden" && control.type !== "file";
    });
  }
  // What the server drew in a field (a select: its option marked selected, else its first).
  function drawn(control) {
    if (control.tagName !== "SELECT") { return control.defaultValue; }
    var marked = Array.prototype.filter.call(control.options, function (option) { return option.defaultSelected; });
    return marked.length ? marked[0].value : (control.options.length ? control.options[0].value : "");
  }
  function chosen(control) { return (control.type !== "checkbox" && control.type !== "radio") || control.checked; }
  // The answer's values as one string; ``served``: as the server drew them, whatever was typed since.
  function serialise(question, served) {
    var values = {};
    controls(question).forEach(function (control) {
      var choice = control.type === "checkbox" || control.type === "radio";
      var on = served ? !choice || control.defaultChecked : chosen(control);
      if (on) { (values[control.name] = values[control.name] || []).push(served && !choice ? drawn(control) : control.value); }
    });
    return JSON.stringify(values);
  }
  function fill(question, values) {
    controls(question).forEach(function (control) {
      var list = values[control.name] || [];
      if (control.type === "checkbox" || control.type === "radio") {
        control.checked = list.indexOf(control.value) !== -1;
      } else {
        control.value = list[0] || "";
        if (control.hasAttribute("data-maxlength")) { updateCount(control); }
      }
    });
  }
  function stateOf(question) {
    var state = answers.get(question);
    if (!state) {
      // A conflict rendered by the server shows text the server does not hold: not acknowledged.
      state = {acked: hasConflict(question) ? null : serialise(question, true), sent: null, leaving: null,
               conflictBase: null, flushAfter: false};
      answers.set(question, state);
    }
    return state;
  }

  // --- unsent text in this tab's storage ----------------------------------------------------------
  function storage() {
    try { return window.sessionStorage; } catch (blocked) { return null; }
  }
  function storedKeys(prefix) {
    var store = storage(), keys = [];
    for (var i = 0; store && i < store.length; i++) {
      if (store.key(i).indexOf(prefix) === 0) { keys.push(store.key(i)); }
    }
    return keys;
  }
  function keysOf(question) { return storedKeys(PREFIX + question.getAttribute("data-unsaved-key") + "/"); }
  // One record per answer: {values, sent} under ".../<version it started from>"; "sent" lists what
  // saves on leaving carried from that version, whose answers no page may have received.
  function readRecord(question) {
    var store = storage(), keys = keysOf(question);
    if (!keys.length) { return null; }
    keys.sort(function (a, b) { return b.slice(b.lastIndexOf("/") + 1) - a.slice(a.lastIndexOf("/") + 1); });
    keys.slice(1).forEach(function (key) { store.removeItem(key); });
    try {
      var record = JSON.parse(store.getItem(keys[0]));
      record.base = keys[0].slice(keys[0].lastIndexOf("/") + 1);
      return typeof record.values === "string" && Array.isArray(record.sent) ? record : null;
    } catch (damaged) { return null; }
  }
  function forget(question) {
    keysOf(question).forEach(function (key) { storage().removeItem(key); });
  }
  function writeRecord(question, base, values, sent) {
    try {
      storage().setItem(PREFIX + question.getAttribute("data-unsaved-key") + "/" + base,
                        JSON.stringify({values: values, sent: sent.slice(-5)}));
    } catch (full) { /* storage full or refused: the save on leaving still runs */ }
  }
  function remember(question) {
    var state = stateOf(question), values = serialise(question);
    if (!storage()) { return; }
    var record = readRecord(question);
    forget(question);
    if (values === state.acked) { return; }
    // During a conflict the text stays tied to the version it started from, so that putting it back
    // after a reload shows the conflict again instead of saving over the colleague's text.
    var base = hasConflict(question) ? (state.conflictBase || String(Math.max(0, versionField(question).value - 1)))
                                     : versionField(question).value;
    writeRecord(question, base, values, record && record.base === base ? record.sent : []);
  }
  function rememberSent(question, values) {
    var record = storage() && readRecord(question);
    if (record) { writeRecord(question, record.base, record.values, record.sent.concat([values])); }
  }
  function restore(question) {
    var record = storage() && readRecord(question), shown = serialise(question, true);
    if (!record || record.values === shown) { forget(question); return false; }
    try { fill(question, JSON.parse(record.values)); } catch (damaged) { forget(question); return false; }
    // Saved from the version the text started from, so that if a colleague saved since, the person
    // gets the conflict screen rather than an overwrite. A server copy that is text this tab sent
    // itself (the save on leaving arrived, its answer could not) is no colleague's: save over it.
    if (record.sent.indexOf(shown) === -1) { versionField(question).value = record.base; }
    remember(question);
    return true;
  }
  // The notice comes once the save of what was put back has answered: when the server had that text
  // already (the save on leaving arrived), there is nothing to tell.
  function announceRestored(question) {
    var notice = document.getElementById("restored-notice");
    var template = document.getElementById("restored-notice-content");
    if (!notice || !template) { return; }
    if (!notice.querySelector("[data-restored-list]")) {
      notice.appendChild(template.content.cloneNode(true));
    }
    var item = document.createElement("li"), link = document.createElement("a");
    var label = question.querySelector(".question-label"), field = textField(question);
    item.className = "utrecht-unordered-list__item";
    link.className = "utrecht-link";
    link.href = "#" + (field ? field.id : question.id);
    link.textContent = label ? label.textContent.replace(/\s+/g, " ").trim() : "";
    item.appendChild(link);
    notice.querySelector("[data-restored-list]").appendChild(item);
  }

  // --- what the server answered -------------------------------------------------------------------
  function describe(field, id, on) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
    if (on) { ids.push(id); }
    if (ids.length) { field.setAttribute("aria-describedby", ids.join(" ")); } else { field.removeAttribute("aria-describedby"); }
  }
  function markField(question, error) {
    var field = textField(question);
    question.classList.toggle("response-question--invalid", Boolean(error));
    if (!field) { return; }
    if (error) {
      field.setAttribute("aria-invalid", "true");
      describe(field, error.id, true);
      return;
    }
    field.removeAttribute("aria-invalid");
    describe(field, "save-error-" + qid(question), false);
    var earlier = document.getElementById("error-" + qid(question));  // from a full save that failed
    if (earlier) { describe(field, earlier.id, false); earlier.remove(); }
  }
  function typingIn(question) {
    var active = document.activeElement;
    return Boolean(active && question.contains(active) && (active.tagName === "TEXTAREA" || active.type === "text"));
  }
  function answered(question, status, sent) {
    var state = stateOf(question);
    var error = statusOf(question).querySelector("[data-field-error]");
    if (state.restored) {
      state.restored = false;
      if (status !== 200 || !statusOf(question).querySelector("[data-already-saved]")) { announceRestored(question); }
    }
    if (status === 200 && sent && !error) {
      state.acked = sent.values;
      state.conflictBase = null;
      markField(question, null);
      if (sent.resolving && textField(question)) { textField(question).focus(); }  // "Keep my text"
    } else if (status === 200 && error) {
      markField(question, error);
    } else if (status === 409 && hasConflict(question)) {
      state.conflictBase = state.conflictBase || (sent && sent.base);
      // Focus goes to the choice, except from a field the person is typing in (the status says it).
      if (!typingIn(question)) { document.getElementById("conflict-title-" + qid(question)).focus(); }
    }
    remember(question);
    if (state.flushAfter) { state.flushAfter = false; window.htmx.trigger(question, "consult:flush"); }
  }

  // --- leaving the page ---------------------------------------------------------------------------
  function saveOnLeaving() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    document.querySelectorAll("[data-autosave]").forEach(function (question) {
      var state = stateOf(question), values = serialise(question), version = versionField(question);
      if (values === state.acked || values === state.leaving || hasConflict(question) || !window.fetch) { return; }
      var body = new FormData();
      controls(question).forEach(function (control) { if (chosen(control)) { body.append(control.name, control.value); } });
      body.append(version.name, version.value);
      var sent = {values: values, base: version.value};
      state.leaving = values;
      rememberSent(question, values);
      window.fetch(question.getAttribute("data-hx-post"), {
        method: "POST", body: body, keepalive: true, credentials: "same-origin",
        headers: {"X-CSRFToken": meta ? meta.content : "", "HX-Request": "true"}
      }).then(function (reply) {
        return reply.text().then(function (html) {
          state.leaving = null;
          // Still here (the page was only hidden): show the answer as if htmx had sent it.
          if ((reply.status === 200 || reply.status === 409) && !reply.headers.get("HX-Redirect") && question.isConnected) {
            window.htmx.swap(statusOf(question), html, {swapStyle: "innerHTML"},
                             {eventInfo: {elt: question, target: statusOf(question)}});
            answered(question, reply.status, sent);
          }
        });
      }).catch(function () {
        state.leaving = null;
        if (state.flushAfter) { state.flushAfter = false; window.htmx.trigger(question, "consult:flush"); }
      });
    });
  }

  if (!window.htmx) { return; }

  window.htmx.onLoad(function (root) {
    if (root === document.body) {
      var first = document.querySelector("[data-unsaved-key]");
      if (first) {  // nothing of another user's text stays in this tab
        var user = PREFIX + first.getAttribute("data-unsaved-key").split("/")[0] + "/";
        storedKeys(PREFIX).forEach(function (key) { if (key.indexOf(user) !== 0) { storage().removeItem(key); } });
      }
      var notice = document.getElementById("restored-notice");
      document.querySelectorAll("[data-autosave]").forEach(function (question) {
        var state = stateOf(question);
        if (!restore(question)) { return; }
        if (notice) { statusOf(question).textContent = notice.getAttribute("data-unsaved-status"); }
        if (hasConflict(question)) { announceRestored(question); return; }  // waits for the person's choice
        state.restored = true;
        window.htmx.trigger(question, "consult:flush");
      });
      return;
    }
    if (!root.matches || !root.matches("[data-autosave]")) { return; }
    // A whole answer swapped in: the colleague's text, or both texts. It is what the server holds,
    // unless it came back with an error or another conflict.
    var state = stateOf(root);
    if (root.classList.contains("response-question--invalid") || hasConflict(root)) { state.acked = null; }
    remember(root);
    var target = hasConflict(root) ? document.getElementById("conflict-title-" + qid(root)) : root.querySelector("[data-autofocus]");
    if (target) { target.focus(); }
    var status = statusOf(root), message = status.textContent;
    if (message.trim()) {  // say it again now that the region is in the page, so it is announced
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 100);
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxlength]")) { updateCount(event.target); }
    var question = questionOf(event.target);
    if (question) { remember(question); }
  });
  document.addEventListener("change", function (event) {
    var question = questionOf(event.target);
    if (question) { remember(question); }
  });
  // Save every answer right away when the person leaves the field.
  document.addEventListener("focusout", function (event) {
    var question = questionOf(event.target);
    if (question && !question.contains(event.relatedTarget)) { window.htmx.trigger(question, "consult:flush"); }
  });
  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail.elt;
    if (!question.matches || !question.matches("[data-autosave]")) { return; }
    var state = stateOf(question);
    if (hasConflict(question)) {
      event.preventDefault();  // waits for the person's choice; the text stays in storage
    } else if (state.leaving) {
      event.preventDefault();  // the save sent on hiding the page comes first, then this one
      state.flushAfter = true;
    } else if (serialise(question) === state.acked) {
      event.preventDefault();  // nothing changed: no request, nothing announced
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var question = questionOf(event.detail.elt);
    if (!question || event.detail.requestConfig.verb !== "post") { return; }
    stateOf(question).sent = {values: serialise(question), base: versionField(question).value,
                              resolving: hasConflict(question)};
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    // The button of a resolved conflict is gone by now; the status it targeted is still there.
    var question = questionOf(event.detail.elt) || questionOf(event.detail.target);
    var xhr = event.detail.xhr;
    if (!question || !xhr || event.detail.requestConfig.verb !== "post" || xhr.getResponseHeader("HX-Redirect")) { return; }
    answered(question, xhr.status, stateOf(question).sent);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { saveOnLeaving(); }
  });
  window.addEventListener("pagehide", saveOnLeaving);

  /* A form sent while an answer's autosave is still on its way would carry the version from before
     that save and look like a colleague's change (or, when logging out, end the session under it).
     Wait for the save, then send. Logging out forgets this tab's unsent text. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (document.querySelector("[data-autosave].htmx-request, [data-autosave] .htmx-request")) {
      event.preventDefault();
      var submitter = event.submitter;
      var sendWhenSaved = function () {
        if (document.querySelector("[data-autosave].htmx-request, [data-autosave] .htmx-request")) { return; }
        document.removeEventListener("htmx:afterRequest", sendWhenSaved);
        window.setTimeout(function () { form.requestSubmit(submitter || undefined); }, 0);
      };
      document.addEventListener("htmx:afterRequest", sendWhenSaved);
      return;
    }
    if (form.matches && form.matches("[data-forget-unsaved]")) {
      storedKeys(PREFIX).forEach(function (key) { storage().removeItem(key); });
    }
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

/* ---------------------------------------------------------------------------------------------
   Pages kept in one form (the council's advice draft, an advice point, the team's reply): every
   button of the form saves all of it, so only leaving by a link, the menu or the browser could
   lose what was typed. Then the browser asks first. */
(function () {
  "use strict";
  var sending = false;
  function changed(control) {
    if (!control.name || control.type === "hidden" || control.disabled) { return false; }
    if (control.type === "checkbox" || control.type === "radio") { return control.checked !== control.defaultChecked; }
    if (control.type === "file") { return Boolean(control.files && control.files.length); }
    if (control.tagName === "SELECT") {
      return Array.prototype.some.call(control.options, function (option) { return option.selected !== option.defaultSelected; });
    }
    return control.tagName !== "BUTTON" && control.value !== control.defaultValue;
  }
  function unsaved() {
    return Array.prototype.some.call(document.querySelectorAll("form[data-warn-unsaved]"), function (form) {
      return Array.prototype.some.call(form.elements, changed);
    });
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("form[data-warn-unsaved]")) { sending = true; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!sending && unsaved()) {
      event.preventDefault();
      event.returnValue = "";  // older browsers show their own question only with a value set
    }
  });
  window.addEventListener("pageshow", function () { sending = false; });
})();

/* ---------------------------------------------------------------------------------------------
   Analysis: mark an excerpt by selecting it in the answer (or message) with the mouse, or - by
   keyboard - by putting the whole text in the excerpt field and deleting what is not needed.
   The selection's offset goes along, so of a passage that occurs twice the selected one is
   marked; the server still checks that the excerpt occurs in the text. Without JavaScript the
   excerpt is copied into the field by hand. */
(function () {
  "use strict";
  var remembered = {};  // source element id -> the last selection made in it

  function offsetIn(source, node, offset) {
    var before = document.createRange();
    before.selectNodeContents(source);
    before.setEnd(node, offset);
    return before.toString().length;
  }
  // The part of the current selection that lies in ``source``, as offsets into its text.
  function selectionIn(source) {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) { return null; }
    var range = selection.getRangeAt(0), whole = document.createRange();
    whole.selectNodeContents(source);
    if (range.compareBoundaryPoints(Range.END_TO_START, whole) >= 0 ||
        range.compareBoundaryPoints(Range.START_TO_END, whole) <= 0) { return null; }
    var length = source.textContent.length;
    var start = range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0 ? 0
      : offsetIn(source, range.startContainer, range.startOffset);
    var end = range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0 ? length
      : offsetIn(source, range.endContainer, range.endOffset);
    return end > start ? {start: start, end: end} : null;
  }
  function formFor(source) {
    var field = document.getElementById(source.getAttribute("data-excerpt-source"));
    return field ? {field: field, at: field.form.querySelector("[data-excerpt-at]"),
                    details: field.closest("details")} : null;
  }
  function put(source, text, at) {
    var target = formFor(source);
    if (!target) { return; }
    if (target.details) { target.details.open = true; }
    target.field.value = text;
    if (target.at) { target.at.value = at === null ? "" : String(at); }
    target.field.focus();
  }
  function tell(button, message) {
    var note = button.parentNode.querySelector("[data-excerpt-note]");
    if (!message) {  // nothing to say: no empty status region left on the page
      if (note) { note.remove(); }
      return;
    }
    if (!note) {
      note = document.createElement("span");
      note.setAttribute("role", "status");
      note.setAttribute("data-excerpt-note", "");
      note.className = "excerpt-note";
      button.parentNode.appendChild(document.createTextNode(" "));
      button.parentNode.appendChild(note);
    }
    note.textContent = message;
  }

  // Remembered in case pressing the button took the selection away; only the latest one counts.
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) { return; }
    remembered = {};
    document.querySelectorAll("[data-excerpt-source]").forEach(function (source) {
      var picked = selectionIn(source);
      if (picked) { remembered[source.id] = picked; }
    });
  });
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-excerpt-pick]");
    var whole = event.target.closest("[data-excerpt-whole]");
    if (pick) {
      var source = document.getElementById(pick.getAttribute("data-excerpt-pick"));
      var picked = selectionIn(source) || remembered[source.id];
      if (!picked) { tell(pick, pick.getAttribute("data-excerpt-nothing")); return; }
      delete remembered[source.id];
      tell(pick, "");
      put(source, source.textContent.slice(picked.start, picked.end), picked.start);
    } else if (whole) {
      var text = document.getElementById(whole.getAttribute("data-excerpt-whole"));
      put(text, text.textContent, null);
    }
  });
  // Once the person changes the excerpt, the offset of the selection no longer says where it is.
  document.addEventListener("input", function (event) {
    var at = event.target.form && event.target.name === "excerpt" ? event.target.form.querySelector("[data-excerpt-at]") : null;
    if (at) { at.value = ""; }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".excerpt-pick, .excerpt-hint-js").forEach(function (element) { element.hidden = false; });
  });
})();

/* Questions asked only for some answers (consult.consultations.conditions): after an autosave of an
   answer others depend on, the server says which of the page's questions are asked now. They are
   shown and hidden here at once, and the change is said in the page's status region. A hidden
   question keeps its fields, so nothing typed there is lost. */
(function () {
  document.addEventListener("consult:visibility", function (event) {
    var asked = event.detail && event.detail.asked;
    var notice = document.getElementById("visibility-notice");
    if (!asked) { return; }
    var shown = [], hidden = [];
    Object.keys(asked).forEach(function (id) {
      var question = document.getElementById("question-" + id);
      var hide = !asked[id];
      if (!question || question.hidden === hide) { return; }
      question.hidden = hide;
      (hide ? hidden : shown).push(question.getAttribute("data-question-label"));
    });
    if (!notice || (!shown.length && !hidden.length)) { return; }
    var parts = [];
    if (shown.length) { parts.push(notice.getAttribute("data-shown").replace("{questions}", shown.join(", "))); }
    if (hidden.length) { parts.push(notice.getAttribute("data-hidden").replace("{questions}", hidden.join(", "))); }
    notice.textContent = parts.join(" ");
  });
})();

/* A strategy segment's local choices (strategy/segment.html): only the municipalities of the chosen
   lot can make one, so the others' rows are hidden and their fields not sent while that lot is
   chosen. Without JavaScript every row shows and the server names a choice outside the lot. */
(function () {
  function scope(fieldset, lot) {
    var scopes = JSON.parse(fieldset.getAttribute("data-lot-municipalities") || "{}");
    var allowed = lot.value && scopes[lot.value];
    fieldset.querySelectorAll("[data-municipality]").forEach(function (row) {
      var outside = Boolean(allowed) && allowed.indexOf(Number(row.getAttribute("data-municipality"))) < 0;
      row.hidden = outside;
      row.querySelectorAll("select, input:not([type=hidden])").forEach(function (field) { field.disabled = outside; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var fieldset = document.querySelector("[data-lot-municipalities]");
    var lot = document.getElementById("lot");
    if (!fieldset || !lot) { return; }
    scope(fieldset, lot);
    lot.addEventListener("change", function () { scope(fieldset, lot); });
  });
})();
