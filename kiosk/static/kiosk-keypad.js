/* The on-screen keypad (card number, PIN, a book's number) and the "My account" overlay. */
(function () {
  "use strict";

  var K = window.Kiosk;
  var keypad = K.keypad = { mode: null, value: "" };

  keypad.open = function (mode) {
    keypad.mode = mode;
    keypad.value = "";
    K.$("keypad").hidden = false;
    K.followOverlays();
    keypad.draw();
  };

  keypad.close = function () {
    keypad.mode = null;
    keypad.value = "";
    K.$("keypad").hidden = true;
    K.followOverlays();
  };

  keypad.draw = function () {
    K.$("keypad-title").textContent = K.L("keypad.title." + keypad.mode);
    K.$("keypad-display").textContent = keypad.mode === "pin" ? keypad.value.replace(/./g, "\u25CF") : keypad.value;
  };

  /* The server decides when a PIN is needed; the keypad follows the state. */
  keypad.follow = function (state) {
    if (state.pin_entry && keypad.mode !== "pin") { keypad.open("pin"); }
    if (!state.pin_entry && keypad.mode === "pin") { keypad.close(); }
    if (keypad.mode === "card" && state.state === "active") { keypad.close(); }
    if (keypad.mode) { keypad.draw(); }
  };

  keypad.press = function (key) {
    if (key === "back") {
      keypad.value = keypad.value.slice(0, -1);
    } else if (key === "ok") {
      keypad.submit();
      return;
    } else if (keypad.value.length < (keypad.mode === "pin" ? 8 : 20)) {
      keypad.value += key;
    }
    keypad.draw();
  };

  keypad.submit = function () {
    var value = keypad.value;
    if (!value) { return; }
    if (keypad.mode === "card") {
      keypad.value = "";
      K.post("/api/identify", { id: value }).then(function () {
        if (K.state && K.state.state === "active") { keypad.close(); } else { keypad.draw(); }
      });
    } else if (keypad.mode === "pin") {
      keypad.value = "";
      keypad.draw();
      K.post("/api/identify", { pin: value });
    } else {
      keypad.close();
      K.post("/api/scan", { code: value });
    }
  };

  keypad.cancel = function () {
    var wasPin = keypad.mode === "pin";
    keypad.close();
    if (wasPin) { K.post("/api/finish", { receipt: false }); }  // leave PIN entry on the server too
  };

  function accountSection(body, title, rows, draw) {
    if (!rows.length) { return; }
    body.appendChild(K.el("h3", null, title));
    var list = K.el("ul", "account-list");
    rows.forEach(function (row) { list.appendChild(draw(row)); });
    body.appendChild(list);
  }

  /* The account belongs to the student who opened it: it closes (and is wiped) when their session
     ends -- idle timeout, Done, staff -- or another student signs in, so it never stays on screen. */
  var accountOf = null;

  K.closeAccount = function () {
    accountOf = null;
    K.$("account").hidden = true;
    K.$("account-body").textContent = "";
    K.followOverlays();
  };

  K.followAccount = function (state) {
    var patron = state.state === "active" && state.patron ? state.patron.name : null;
    if (accountOf !== null && patron !== accountOf) { K.closeAccount(); }
  };

  K.openAccount = function () {
    var openedFor = K.state && K.state.patron ? K.state.patron.name : null;
    K.call("GET", "/api/account").then(function (res) {
      if (!res.ok) { K.showError(res.data); return; }
      var now = K.state && K.state.state === "active" && K.state.patron ? K.state.patron.name : null;
      if (openedFor === null || now !== openedFor) { return; }  // the session changed while it loaded
      var body = K.$("account-body");
      var data = res.data;
      body.textContent = "";
      accountSection(body, K.L("account.loans"), data.loans, function (loan) {
        var item = K.el("li", loan.overdue ? "overdue" : "");
        item.appendChild(K.el("div", "line-title", loan.title));
        item.appendChild(K.el("div", "line-due", (loan.overdue ? K.L("account.overdue_label") + " \u2014 " : "") + loan.due_text));
        if (loan.message) { item.appendChild(K.el("div", "line-message", loan.message)); }
        return item;
      });
      accountSection(body, K.L("account.holds"), data.holds, function (hold) {
        var item = K.el("li");
        item.appendChild(K.el("div", "line-title", hold.title));
        item.appendChild(K.el("div", "line-message", hold.message));
        return item;
      });
      accountSection(body, K.L("account.fines"), data.fines, function (fine) {
        return K.el("li", "line-title", fine.amount + " \u2014 " + (fine.title || fine.reason));
      });
      if (data.fines_total) { body.appendChild(K.el("p", "account-total", K.L("account.total", { amount: data.fines_total }))); }
      if (data.empty) { body.appendChild(K.el("p", "empty", K.L("account.empty"))); }
      accountOf = openedFor;
      K.$("account").hidden = false;
      K.followOverlays();
    }).catch(function () { K.showError(null); });
  };
}());
