/* The kiosk screen: draws /api/state, and re-reads it whenever /events says something changed. */
(function () {
  "use strict";

  var K = window.Kiosk;
  var $ = K.$;
  var L = K.L;
  var el = K.el;
  var lastTouch = 0;
  var warningTimer = null;
  var listSignature = "";
  var heard = {};  // line key -> status already announced with a sound
  var SVG = "http://www.w3.org/2000/svg";
  var VIEWS = ["idle", "return", "active", "ending", "ooo"];

  function translateStatic() {
    document.querySelectorAll("[data-t]").forEach(function (node) { node.textContent = L(node.dataset.t); });
    document.querySelectorAll("[data-t-aria]").forEach(function (node) {
      node.setAttribute("aria-label", L(node.dataset.tAria));
    });
    document.querySelectorAll("[data-t-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", L(node.dataset.tPlaceholder));
    });
  }

  function showView(name) {
    VIEWS.forEach(function (view) { $("view-" + view).hidden = view !== name; });
    document.body.dataset.state = name;
  }

  /* While a panel is open, what lies under it cannot be touched or reached (inert), so nothing is
     ever half-covered and usable at once. */
  K.followOverlays = function () {
    var open = document.querySelector(".overlay:not([hidden])");
    $("frame").inert = !!open;
    K.placeNotice();
  };

  function render(state) {
    K.state = state;
    K.labels = state.labels || K.labels;
    document.documentElement.lang = state.language;
    translateStatic();
    renderLanguages(state);
    var view = state.state;
    if (view === "idle" || view === "pin_entry") { view = state.mode === "checkin" ? "return" : "idle"; }
    if (state.out_of_order) { view = "ooo"; }
    showView(view);
    document.querySelectorAll(".search-button").forEach(function (b) { b.hidden = !state.can_search; });
    if (view === "active") { renderActive(state); } else { listSignature = ""; }
    if (view === "ending") { renderEnding(state); }
    K.keypad.follow(state);
    K.followAccount(state);
    K.search.follow(state);
    $("busy").hidden = !state.busy;
    renderWarning(state);
    K.followOverlays();
    K.followNotice(state);
    $("status-text").textContent = state.status.text;
    $("status-dot").className = "status-dot " + (state.status.ok ? "ok" : "problem");
    $("kiosk-name").textContent = state.kiosk_name;
    renderDev(state);
  }
  K.render = render;

  function renderLanguages(state) {
    var box = $("languages");
    box.textContent = "";
    state.languages.forEach(function (lang) {
      var current = lang.code === state.language;
      var button = el("button", "lang-button" + (current ? " current" : ""));
      button.appendChild(K.icon("language", !current));
      button.appendChild(el("span", null, lang.name));
      button.type = "button";
      button.lang = lang.code;
      button.setAttribute("aria-pressed", current ? "true" : "false");
      button.addEventListener("click", function () { K.post("/api/language", { language: lang.code }); });
      box.appendChild(button);
    });
  }

  /* A check mark for done, an exclamation mark for a problem, a clock for "not yet": inline SVG. */
  function lineIcon(status) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "line-icon");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", status === "ok" ? "M5 12.5l4.5 4.5L19 7.5" : status === "pending" ? "M12 6v6l4 2" : "M12 5v9M12 18.5v.5");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "#fff");
    path.setAttribute("stroke-width", "3.2");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
    svg.appendChild(path);
    return svg;
  }

  function lineKey(line) { return line.event_id || (line.type + ":" + line.barcode); }

  /* A sound for each line that just got its answer: "done" or "not possible". */
  var firstDraw = true;
  function soundFor(lines) {
    var cue = null;
    var quiet = firstDraw;  // lines already there when the page loads were announced before
    firstDraw = false;
    lines.forEach(function (line) {
      var key = lineKey(line);
      if (heard[key] === line.status || line.status === "pending") { return; }
      heard[key] = line.status;
      cue = cue === "refusal" || line.status !== "ok" ? "refusal" : "success";
    });
    if (cue && !quiet) { K.play(cue); }
  }

  function drawLines(state) {
    var signature = JSON.stringify(state.lines) + state.language;
    if (signature === listSignature) { return; }
    listSignature = signature;
    var list = $("lines");
    list.textContent = "";
    state.lines.forEach(function (line) {
      var item = el("li", "line " + line.status + (line.overdue ? " overdue" : ""));
      item.dataset.barcode = line.barcode;
      item.appendChild(lineIcon(line.status));
      var body = el("div", "line-body");
      body.appendChild(el("div", "line-title", line.title));
      if (line.due_text) { body.appendChild(el("div", "line-due", line.due_text)); }
      body.appendChild(el("div", "line-message", line.message));
      item.appendChild(body);
      list.appendChild(item);
    });
    list.scrollTop = 0;  // the newest book is on top
    soundFor(state.lines);
  }

  /* "3 more below": shown while part of the list is out of sight; a tap scrolls it. */
  function followScroll() {
    var list = $("lines");
    var below = list.scrollHeight - list.clientHeight - list.scrollTop;
    var cue = $("more-below");
    if (below <= 4) { cue.hidden = true; return; }
    var hidden = 0;
    var bottom = list.getBoundingClientRect().bottom;
    list.querySelectorAll(".line").forEach(function (line) {
      if (line.getBoundingClientRect().bottom > bottom + 2) { hidden += 1; }
    });
    $("more-below-text").textContent = hidden === 1 ? L("active.more_one") : L("active.more", { count: hidden });
    cue.hidden = false;
  }

  function renderActive(state) {
    var patron = state.patron;
    $("greeting").textContent = patron ? patron.greeting : L("active.returning");
    var blocked = patron && !patron.can_checkout;
    document.querySelectorAll("#tabs [data-mode]").forEach(function (tab) {
      var mode = tab.dataset.mode;
      tab.classList.toggle("current", mode === state.mode);
      tab.setAttribute("aria-selected", mode === state.mode ? "true" : "false");
      tab.hidden = (!patron || blocked) && mode !== "checkin";
    });
    $("mode-hint").textContent = blocked ? L("active.hint.blocked") : L("active.hint." + state.mode);
    drawLines(state);
    $("lines-count").textContent = state.lines.length ? state.counts.text : "";
    $("lines-count").hidden = !state.lines.length;  // an empty heading is no heading (screen readers)
    $("lines-empty").hidden = state.lines.length > 0;
    $("btn-account").hidden = !patron;
    $("btn-receipt").hidden = state.receipt_policy === "never" || !state.has_printer;
    followScroll();
  }

  function renderEnding(state) {
    var patron = state.patron;
    $("goodbye").textContent = patron ? L("ending.goodbye", { name: patron.first_name }) : L("ending.goodbye_anon");
    $("receipt-message").textContent = state.receipt.message || L("ending.take_books");
    var reprint = $("btn-reprint");
    reprint.hidden = !state.receipt.can_reprint || !state.has_printer || state.receipt_policy === "never";
    $("btn-reprint-text").textContent = state.receipt.status === "none" ? L("ending.print") : L("ending.print_again");
  }

  function renderWarning(state) {
    window.clearInterval(warningTimer);
    $("warning").hidden = !state.warning;
    if (!state.warning) { return; }
    var left = state.seconds_left;
    var show = function () { $("warning-seconds").textContent = L("warning.seconds", { seconds: Math.max(0, left) }); };
    show();
    warningTimer = window.setInterval(function () { left -= 1; show(); }, 1000);
  }

  function renderDev(state) {
    if (!$("dev-panel") || !state.dev) { return; }
    var box = $("dev-samples");
    box.textContent = "";
    var add = function (title, samples) {
      if (!samples.length) { return; }
      box.appendChild(el("div", "dev-label", title));
      samples.forEach(function (sample) {
        var button = el("button", "dev-sample");
        button.type = "button";
        button.appendChild(el("span", "dev-code", sample.code));
        if (sample.name) { button.appendChild(el("span", "dev-name", sample.name)); }
        button.addEventListener("click", function () { K.post("/dev/scan", { code: sample.code }); });
        box.appendChild(button);
      });
    };
    add(L("dev.sample_patrons"), state.dev.sample_patrons);
    add(L("dev.sample_items"), state.dev.sample_items);
    $("dev-receipt").textContent = state.dev.last_receipt || L("dev.no_receipt");
  }

  function on(id, handler) { if ($(id)) { $(id).addEventListener("click", handler); } }

  function wire() {
    on("btn-type", function () { K.keypad.open("card"); });
    on("btn-return", function () { K.post("/api/mode", { mode: "checkin" }); });
    on("btn-return-back", function () { K.post("/api/finish", { receipt: false }); });
    on("btn-type-book", function () { K.keypad.open("book"); });
    on("btn-account", K.openAccount);
    on("btn-search", K.search.open);
    on("btn-search-active", K.search.open);
    on("btn-receipt", function () { K.post("/api/finish", { receipt: true }); });
    on("btn-done", function () { K.post("/api/finish", { receipt: "auto" }); });
    on("btn-reprint", function () { K.post("/api/receipt/reprint"); });
    on("btn-next", function () { K.post("/api/finish", { receipt: false, leave: true }); });
    on("account-close", K.closeAccount);
    on("warning-here", function () { K.post("/api/touch"); });
    on("keypad-cancel", K.keypad.cancel);
    on("notice-close", K.dismissNotice);
    on("notice-text", K.dismissNotice);
    on("more-below", function () { var list = $("lines"); list.scrollBy({ top: list.clientHeight * 0.8 }); });
    $("lines").addEventListener("scroll", followScroll, { passive: true });
    window.addEventListener("resize", function () { if (K.state && K.state.state === "active") { followScroll(); } });
    document.querySelectorAll("#keys [data-key]").forEach(function (key) {
      key.addEventListener("click", function () { K.keypad.press(key.dataset.key); });
    });
    document.querySelectorAll("#tabs [data-mode]").forEach(function (tab) {
      tab.addEventListener("click", function () { K.post("/api/mode", { mode: tab.dataset.mode }); });
    });
    // A touch anywhere during a session is activity: it keeps the session from timing out.
    document.addEventListener("pointerdown", function () {
      var now = Date.now();
      var state = K.state;
      if (state && (state.state === "active" || state.state === "pin_entry") && now - lastTouch > 5000) {
        lastTouch = now;
        K.call("POST", "/api/touch", {}).catch(function () {});
      }
    }, true);
    if ($("dev-panel")) { wireDev(); }
  }

  function wireDev() {
    on("dev-toggle", function () {
      var panel = $("dev-panel");
      panel.hidden = !panel.hidden;
      $("dev-toggle").setAttribute("aria-expanded", panel.hidden ? "false" : "true");
      document.body.classList.toggle("dev-open", !panel.hidden);
      if (K.state && K.state.state === "active") { followScroll(); }
    });
    $("dev-scan-form").addEventListener("submit", function (event) {
      event.preventDefault();
      K.post("/dev/scan", { code: $("dev-code").value });
      $("dev-code").value = "";
    });
    $("dev-tap-form").addEventListener("submit", function (event) {
      event.preventDefault();
      K.post("/dev/tap", { uid: $("dev-uid").value });
      $("dev-uid").value = "";
    });
    on("dev-paper-out", function () { K.post("/dev/printer", { paper: "out" }); });
    on("dev-paper-ok", function () { K.post("/dev/printer", { paper: "ok" }); });
  }

  /* Nothing of a student survives leaving the page: the lists are emptied as it goes, and a page the
     browser kept anyway (back-forward cache) is loaded afresh when it comes back. */
  function forgetOnLeave() {
    window.addEventListener("pagehide", function () {
      ["lines", "account-body", "search-results", "greeting", "goodbye"].forEach(function (id) {
        if ($(id)) { $(id).textContent = ""; }
      });
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { window.location.reload(); }
    });
  }

  function listen() {
    if (window.EventSource) {
      // Each message carries the state to draw when it changed what this screen shows; EventSource
      // reconnects by itself after errors (and its first message draws the screen again).
      new EventSource("/events?state=1").onmessage = function (message) {
        var data = null;
        try { data = JSON.parse(message.data); } catch (e) { data = null; }
        if (data && data.topic === "hello") { K.forgetDrawn(); }  // a new stream: maybe a restarted kiosk
        if (data && data.state) { K.show(data.state); } else if (!data) { K.refresh(); }
      };
    }
    window.setInterval(K.refresh, 15000);  // a safety net if a stream is silently lost
  }

  wire();
  forgetOnLeave();
  K.refresh();
  listen();
}());
