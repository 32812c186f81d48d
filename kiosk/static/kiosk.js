/* The kiosk screen: re-renders from /api/state whenever /events says something changed.
   Plain JavaScript, no libraries, no network beyond the kiosk itself. Every word shown comes
   from state.labels (the server's translation catalog for the current language). */
(function () {
  "use strict";

  var state = null;
  var labels = {};
  var keypad = { mode: null, value: "" };
  var fetching = false;
  var fetchAgain = false;
  var lastTouch = 0;
  var warningTimer = null;

  function $(id) { return document.getElementById(id); }

  function L(key, values) {
    var text = Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function call(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function post(url, body) {
    return call("POST", url, body || {}).then(function (res) {
      if (res.ok) { render(res.data); } else { showError(res.data); }
      return res;
    }).catch(function () { showError(null); });
  }

  function refresh() {
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    call("GET", "/api/state").then(function (res) {
      fetching = false;
      if (res.ok) { render(res.data); }
      if (fetchAgain) { fetchAgain = false; refresh(); }
    }).catch(function () {
      fetching = false;
      window.setTimeout(refresh, 2000);
    });
  }

  function showError(data) {
    var notice = $("notice");
    notice.textContent = data && data.error ? data.error.message : L("error.kiosk_unreachable");
    notice.className = "notice error";
    notice.hidden = false;
  }

  /* ----- rendering -------------------------------------------------------------------- */
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
    ["idle", "return", "active", "ending"].forEach(function (view) {
      $("view-" + view).hidden = view !== name;
    });
    document.body.dataset.state = name;
  }

  function render(next) {
    state = next;
    labels = next.labels || labels;
    document.documentElement.lang = next.language;
    translateStatic();
    renderLanguages();
    var view = next.state;
    if (view === "idle" || view === "pin_entry") { view = next.mode === "checkin" ? "return" : "idle"; }
    showView(view);
    if (view === "active") { renderActive(); }
    if (view === "ending") { renderEnding(); }
    renderKeypadFromState();
    renderNotice();
    $("busy").hidden = !next.busy;
    renderWarning();
    renderStatus();
    renderDev();
  }

  function renderLanguages() {
    var box = $("languages");
    box.textContent = "";
    state.languages.forEach(function (lang) {
      var button = el("button", "lang-button" + (lang.code === state.language ? " current" : ""), lang.name);
      button.type = "button";
      button.lang = lang.code;
      button.setAttribute("aria-pressed", lang.code === state.language ? "true" : "false");
      button.addEventListener("click", function () { post("/api/language", { language: lang.code }); });
      box.appendChild(button);
    });
  }

  function renderActive() {
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
      item.appendChild(el("span", "line-icon", line.status === "ok" ? "\u2713" : "!"));
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

  function renderEnding() {
    var patron = state.patron;
    var first = patron ? patron.name.split(" ")[0] : "";
    $("goodbye").textContent = patron ? L("ending.goodbye", { name: first }) : L("ending.goodbye_anon");
    $("receipt-message").textContent = state.receipt.message || L("ending.take_books");
    var reprint = $("btn-reprint");
    reprint.hidden = !state.receipt.can_reprint || !state.has_printer || state.receipt_policy === "never";
    reprint.textContent = state.receipt.status === "none" ? L("ending.print") : L("ending.print_again");
  }

  function renderNotice() {
    var notice = $("notice");
    if (state.notice) {
      notice.textContent = state.notice.text;
      notice.className = "notice " + state.notice.level;
      notice.hidden = false;
    } else {
      notice.hidden = true;
    }
  }

  function renderWarning() {
    var box = $("warning");
    window.clearInterval(warningTimer);
    box.hidden = !state.warning;
    if (!state.warning) { return; }
    var left = state.seconds_left;
    var show = function () { $("warning-seconds").textContent = L("warning.seconds", { seconds: Math.max(0, left) }); };
    show();
    warningTimer = window.setInterval(function () { left -= 1; show(); }, 1000);
  }

  function renderStatus() {
    $("status-text").textContent = state.status.text;
    $("status-dot").className = "status-dot " + (state.status.ok ? "ok" : "problem");
  }

  function renderDev() {
    var panel = $("dev-panel");
    if (!panel || !state.dev) { return; }
    var box = $("dev-samples");
    box.textContent = "";
    var add = function (title, codes) {
      if (!codes.length) { return; }
      box.appendChild(el("div", "dev-label", title));
      codes.forEach(function (code) {
        var button = el("button", "dev-sample", code);
        button.type = "button";
        button.addEventListener("click", function () { post("/dev/scan", { code: code }); });
        box.appendChild(button);
      });
    };
    add(L("dev.sample_patrons"), state.dev.sample_patrons);
    add(L("dev.sample_items"), state.dev.sample_items);
    $("dev-receipt").textContent = state.dev.last_receipt || L("dev.no_receipt");
  }

  /* ----- keypad ------------------------------------------------------------------------ */
  function openKeypad(mode) {
    keypad.mode = mode;
    keypad.value = "";
    $("keypad").hidden = false;
    drawKeypad();
  }

  function closeKeypad() {
    keypad.mode = null;
    keypad.value = "";
    $("keypad").hidden = true;
  }

  function drawKeypad() {
    $("keypad-title").textContent = L("keypad.title." + keypad.mode);
    $("keypad-display").textContent = keypad.mode === "pin" ? keypad.value.replace(/./g, "\u25CF") : keypad.value;
  }

  function renderKeypadFromState() {
    if (state.pin_entry && keypad.mode !== "pin") { openKeypad("pin"); }
    if (!state.pin_entry && keypad.mode === "pin") { closeKeypad(); }
    if (keypad.mode === "card" && state.state === "active") { closeKeypad(); }
    if (keypad.mode) { drawKeypad(); }
  }

  function pressKey(key) {
    if (key === "back") {
      keypad.value = keypad.value.slice(0, -1);
    } else if (key === "ok") {
      submitKeypad();
      return;
    } else if (keypad.value.length < (keypad.mode === "pin" ? 8 : 20)) {
      keypad.value += key;
    }
    drawKeypad();
  }

  function submitKeypad() {
    var value = keypad.value;
    var mode = keypad.mode;
    if (!value) { return; }
    if (mode === "card") {
      keypad.value = "";
      post("/api/identify", { id: value }).then(function () {
        if (state && state.state === "active") { closeKeypad(); } else { drawKeypad(); }
      });
    } else if (mode === "pin") {
      keypad.value = "";
      drawKeypad();
      post("/api/identify", { pin: value });
    } else {
      closeKeypad();
      post("/api/scan", { code: value });
    }
  }

  /* ----- account ----------------------------------------------------------------------- */
  function openAccount() {
    call("GET", "/api/account").then(function (res) {
      if (!res.ok) { showError(res.data); return; }
      var body = $("account-body");
      body.textContent = "";
      var data = res.data;
      var section = function (title, rows, draw) {
        if (!rows.length) { return; }
        body.appendChild(el("h3", null, title));
        var list = el("ul", "account-list");
        rows.forEach(function (row) { list.appendChild(draw(row)); });
        body.appendChild(list);
      };
      section(L("account.loans"), data.loans, function (loan) {
        var item = el("li", loan.overdue ? "overdue" : "");
        item.appendChild(el("div", "line-title", loan.title));
        item.appendChild(el("div", "line-due", loan.due_text));
        if (loan.message) { item.appendChild(el("div", "line-message", loan.message)); }
        return item;
      });
      section(L("account.holds"), data.holds, function (hold) {
        var item = el("li");
        item.appendChild(el("div", "line-title", hold.title));
        item.appendChild(el("div", "line-message", hold.message));
        return item;
      });
      section(L("account.fines"), data.fines, function (fine) {
        var item = el("li");
        item.appendChild(el("div", "line-title", fine.amount + " \u2014 " + (fine.title || fine.reason)));
        return item;
      });
      if (data.fines_total) { body.appendChild(el("p", "account-total", L("account.total", { amount: data.fines_total }))); }
      if (data.empty) { body.appendChild(el("p", "empty", L("account.empty"))); }
      $("account").hidden = false;
    }).catch(function () { showError(null); });
  }

  /* ----- wiring ------------------------------------------------------------------------ */
  function wire() {
    $("btn-type").addEventListener("click", function () { openKeypad("card"); });
    $("btn-return").addEventListener("click", function () { post("/api/mode", { mode: "checkin" }); });
    $("btn-return-back").addEventListener("click", function () { post("/api/finish", { receipt: false }); });
    $("btn-type-book").addEventListener("click", function () { openKeypad("book"); });
    $("btn-account").addEventListener("click", openAccount);
    $("btn-receipt").addEventListener("click", function () { post("/api/finish", { receipt: true }); });
    $("btn-done").addEventListener("click", function () { post("/api/finish", { receipt: "auto" }); });
    $("btn-reprint").addEventListener("click", function () { post("/api/receipt/reprint"); });
    $("btn-next").addEventListener("click", function () { post("/api/finish", { receipt: false }); });
    $("account-close").addEventListener("click", function () { $("account").hidden = true; });
    $("warning-here").addEventListener("click", function () { post("/api/touch"); });
    $("keypad-cancel").addEventListener("click", function () {
      var wasPin = keypad.mode === "pin";
      closeKeypad();
      if (wasPin) { post("/api/finish", { receipt: false }); }
    });
    document.querySelectorAll("#keys [data-key]").forEach(function (key) {
      key.addEventListener("click", function () { pressKey(key.dataset.key); });
    });
    document.querySelectorAll("#tabs [data-mode]").forEach(function (tab) {
      tab.addEventListener("click", function () { post("/api/mode", { mode: tab.dataset.mode }); });
    });
    // A touch anywhere during a session is activity: it keeps the session from timing out.
    document.addEventListener("pointerdown", function () {
      var now = Date.now();
      if (state && (state.state === "active" || state.state === "pin_entry") && now - lastTouch > 5000) {
        lastTouch = now;
        call("POST", "/api/touch", {}).catch(function () {});
      }
    }, true);
    var devScan = $("dev-scan-form");
    if (devScan) {
      devScan.addEventListener("submit", function (event) {
        event.preventDefault();
        post("/dev/scan", { code: $("dev-code").value });
        $("dev-code").value = "";
      });
      $("dev-tap-form").addEventListener("submit", function (event) {
        event.preventDefault();
        post("/dev/tap", { uid: $("dev-uid").value });
        $("dev-uid").value = "";
      });
      $("dev-paper-out").addEventListener("click", function () { post("/dev/printer", { paper: "out" }); });
      $("dev-paper-ok").addEventListener("click", function () { post("/dev/printer", { paper: "ok" }); });
    }
  }

  function listen() {
    if (window.EventSource) {
      var source = new EventSource("/events");
      source.onmessage = refresh;  // EventSource reconnects by itself after errors
    }
    window.setInterval(refresh, 15000);  // a safety net if a stream is silently lost
  }

  wire();
  refresh();
  listen();
}());
