/* "Find a book": an on-screen keyboard (no physical keyboard on a kiosk), GET /api/search, and the
   books found with their shelf and whether a copy is in. The panel closes (and forgets the question)
   when the session it was opened in ends, the kiosk goes out of order, or nobody touches it for the
   idle timeout. */
(function () {
  "use strict";

  var K = window.Kiosk;
  var search = K.search = {};
  var ROWS = ["1234567890", "qwertyuiop", "asdfghjkl\u00f1", "zxcvbnm'-."];
  var openedFor = null;
  var asked = 0;  // the number of the latest question: older answers arriving late are dropped
  var quietTimer = null;
  var built = false;

  function who(state) { return state && state.state === "active" && state.patron ? state.patron.name : ""; }

  function keyButton(label, key, className, icon) {
    var button = K.el("button", "search-key" + (className ? " " + className : ""));
    button.type = "button";
    button.dataset.key = key;
    if (icon) { button.appendChild(K.icon(icon)); }
    button.appendChild(K.el("span", null, label));
    button.addEventListener("click", function () { press(key); });
    return button;
  }

  function build() {
    var box = K.$("search-keys");
    box.textContent = "";
    ROWS.forEach(function (row) {
      var line = K.el("div", "search-row");
      row.split("").forEach(function (ch) { line.appendChild(keyButton(ch, ch)); });
      box.appendChild(line);
    });
    var last = K.el("div", "search-row");
    last.appendChild(keyButton(K.L("search.key.clear"), "clear", "wide", "close"));
    last.appendChild(keyButton(K.L("search.key.space"), " ", "space", "space"));
    last.appendChild(keyButton(K.L("search.key.delete"), "back", "wide", "delete"));
    box.appendChild(last);
    built = true;
  }

  function press(key) {
    var input = K.$("search-input");
    if (key === "back") { input.value = input.value.slice(0, -1); }
    else if (key === "clear") { input.value = ""; }
    else if (input.value.length < 200) { input.value += key; }
    stillHere();
  }

  function stillHere() {
    window.clearTimeout(quietTimer);
    var seconds = (K.state && K.state.idle_timeout) || 45;
    quietTimer = window.setTimeout(search.close, seconds * 1000);
  }

  search.open = function () {
    if (!built) { build(); }
    openedFor = who(K.state);
    K.$("search-input").value = "";
    K.$("search-results").textContent = "";
    K.$("search-count").textContent = "";
    K.$("search").hidden = false;
    K.followOverlays();
    stillHere();
  };

  search.close = function () {
    window.clearTimeout(quietTimer);
    asked += 1;
    K.$("search").hidden = true;
    K.$("search-input").value = "";
    K.$("search-results").textContent = "";
    K.$("search-count").textContent = "";
    K.followOverlays();
  };

  search.follow = function (state) {
    if (K.$("search").hidden) { return; }
    if (state.out_of_order || !state.can_search || who(state) !== openedFor) { search.close(); return; }
    // The keyboard's words follow the language buttons.
    build();
  };

  function drawHit(hit) {
    var item = K.el("li", "search-hit " + hit.status);
    item.appendChild(K.el("div", "line-title", hit.title));
    if (hit.author) { item.appendChild(K.el("div", "search-author", hit.author)); }
    if (hit.where_text) { item.appendChild(K.el("div", "search-where", hit.where_text)); }
    if (hit.call_text) { item.appendChild(K.el("div", "search-call", hit.call_text)); }
    item.appendChild(K.el("div", "search-status", hit.status_text));
    return item;
  }

  function ask(event) {
    if (event) { event.preventDefault(); }
    stillHere();
    var number = ++asked;
    var query = K.$("search-input").value;
    K.$("search-count").textContent = K.L("search.looking");
    K.call("GET", "/api/search?q=" + encodeURIComponent(query)).then(function (res) {
      if (number !== asked) { return; }
      var data = res.data || {};
      var list = K.$("search-results");
      list.textContent = "";
      (data.hits || []).forEach(function (hit) { list.appendChild(drawHit(hit)); });
      list.scrollTop = 0;
      K.$("search-count").textContent = data.message || data.count_text || "";
    }).catch(function () {
      if (number === asked) { K.$("search-count").textContent = K.L("search.down"); }
    });
  }

  K.$("search-form").addEventListener("submit", ask);
  K.$("search-close").addEventListener("click", search.close);
  K.$("search-input").addEventListener("input", stillHere);
}());
