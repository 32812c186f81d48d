/* The kiosk screen: draws /api/state, and re-reads it whenever /events says something changed. */
(function () {
  "use strict";

  var K = window.Kiosk;
  var $ = K.$;
  var L = K.L;
  var el = K.el;
  var lastTouch = 0;
  var warningTimer = null;
  var SVG = "http://www.w3.org/2000/svg";

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
    ["idle", "return", "active", "ending"].forEach(function (view) { $("view-" + view).hidden = view !== name; });
    document.body.dataset.state = name;
  }

  function render(state) {
    K.state = state;
    K.labels = state.labels || K.labels;
    document.documentElement.lang = state.language;
    translateStatic();
    renderLanguages(state);
    var view = state.state;
    if (view === "idle" || view === "pin_entry") { view = state.mode === "checkin" ? "return" : "idle"; }
    showView(view);
    if (view === "active") { renderActive(state); }
    if (view === "ending") { renderEnding(state); }
    K.keypad.follow(state);
    K.followAccount(state);
    renderNotice(state);
    $("busy").hidden = !state.busy;
    renderWarning(state);
    $("status-text").textContent = state.status.text;
    $("status-dot").className = "status-dot " + (state.status.ok ? "ok" : "problem");
    renderDev(state);
  }
  K.render = render;

  function renderLanguages(state) {
    var box = $("languages");
    box.textContent = "";
    state.languages.forEach(function (lang) {
      var current = lang.code === state.language;
      var button = el("button", "lang-button" + (current ? " current" : ""), lang.name);
      button.type = "button";
      button.lang = lang.code;
      button.setAttribute("aria-pressed", current ? "true" : "false");
      button.addEventListener("click", function () { K.post("/api/language", { language: lang.code }); });
      box.appendChild(button);
    });
  }

  /* A check mark for done, an exclamation mark for a problem: inline SVG, no emoji. */
  function lineIcon(ok) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "line-icon");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", ok ? "M5 12.5l4.5 4.5L19 7.5" : "M12 5v9M12 18.5v.5");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "#fff");
    path.setAttribute("stroke-width", "3.2");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
    svg.appendChild(path);
    return svg;
  }

  function renderActive(state) {
    var patron = state.patron;
    $("greeting").textContent = patron ? patron.greeting : L("active.returning");
    document.querySelectorAll("#tabs [data-mode]").forEach(function (tab) {
      var mode = tab.dataset.mode;
      tab.classList.toggle("current", mode === state.mode);
      tab.setAttribute("aria-selected", mode === state.mode ? "true" : "false");
      tab.hidden = !patron && mode !== "checkin";
    });
    $("mode-hint").textContent = L("active.hint." + state.mode);
    var list = $("lines");
    list.textContent = "";
    state.lines.forEach(function (line) {
      var item = el("li", "line " + line.status);
      item.appendChild(lineIcon(line.status === "ok"));
      var body = el("div", "line-body");
      body.appendChild(el("div", "line-title", line.title));
      if (line.due_text) { body.appendChild(el("div", "line-due", line.due_text)); }
      body.appendChild(el("div", "line-message", line.message));
      item.appendChild(body);
      list.appendChild(item);
    });
    $("lines-empty").hidden = state.lines.length > 0;
    $("btn-account").hidden = !patron;
    $("btn-receipt").hidden = state.receipt_policy === "never" || !state.has_printer;
  }

  function renderEnding(state) {
    var patron = state.patron;
    $("goodbye").textContent = patron ? L("ending.goodbye", { name: patron.name.split(" ")[0] }) : L("ending.goodbye_anon");
    $("receipt-message").textContent = state.receipt.message || L("ending.take_books");
    var reprint = $("btn-reprint");
    reprint.hidden = !state.receipt.can_reprint || !state.has_printer || state.receipt_policy === "never";
    reprint.textContent = state.receipt.status === "none" ? L("ending.print") : L("ending.print_again");
  }

  function renderNotice(state) {
    var notice = $("notice");
    notice.hidden = !state.notice;
    if (state.notice) {
      notice.textContent = state.notice.text;
      notice.className = "notice " + state.notice.level;
    }
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
    var add = function (title, codes) {
      if (!codes.length) { return; }
      box.appendChild(el("div", "dev-label", title));
      codes.forEach(function (code) {
        var button = el("button", "dev-sample", code);
        button.type = "button";
        button.addEventListener("click", function () { K.post("/dev/scan", { code: code }); });
        box.appendChild(button);
      });
    };
    add(L("dev.sample_patrons"), state.dev.sample_patrons);
    add(L("dev.sample_items"), state.dev.sample_items);
    $("dev-receipt").textContent = state.dev.last_receipt || L("dev.no_receipt");
  }

  function on(id, handler) { $(id).addEventListener("click", handler); }

  function wire() {
    on("btn-type", function () { K.keypad.open("card"); });
    on("btn-return", function () { K.post("/api/mode", { mode: "checkin" }); });
    on("btn-return-back", function () { K.post("/api/finish", { receipt: false }); });
    on("btn-type-book", function () { K.keypad.open("book"); });
    on("btn-account", K.openAccount);
    on("btn-receipt", function () { K.post("/api/finish", { receipt: true }); });
    on("btn-done", function () { K.post("/api/finish", { receipt: "auto" }); });
    on("btn-reprint", function () { K.post("/api/receipt/reprint"); });
    on("btn-next", function () { K.post("/api/finish", { receipt: false }); });
    on("account-close", K.closeAccount);
    on("warning-here", function () { K.post("/api/touch"); });
    on("keypad-cancel", K.keypad.cancel);
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
    if ($("dev-scan-form")) { wireDev(); }
  }

  function wireDev() {
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

  function listen() {
    if (window.EventSource) {
      new EventSource("/events").onmessage = K.refresh;  // EventSource reconnects by itself after errors
    }
    window.setInterval(K.refresh, 15000);  // a safety net if a stream is silently lost
  }

  wire();
  K.refresh();
  listen();
}());
