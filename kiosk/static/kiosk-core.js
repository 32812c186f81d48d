/* The kiosk page's shared core: translated words, small DOM helpers, the message box, sounds and the
   calls to the kiosk. Plain JavaScript, no libraries, no network beyond the kiosk itself. Every word
   shown comes from state.labels (the server's translation catalog for the current language). */
(function () {
  "use strict";

  var K = window.Kiosk = { state: null, labels: {}, render: function () {} };
  var fetching = false;
  var fetchAgain = false;
  var localTimer = null;
  var dismissed = null;  // the id of the server's notice the child closed (until the next one)
  var sounds = {};

  K.$ = function (id) { return document.getElementById(id); };

  K.L = function (key, values) {
    var text = Object.prototype.hasOwnProperty.call(K.labels, key) ? K.labels[key] : key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  };

  K.el = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  };

  /* A local SVG icon for a button (decorative: the button's words say what it does). */
  K.icon = function (name, white) {
    var img = K.el("img", "icon");
    img.src = "/static/icons/" + name + (white ? "-white" : "") + ".svg";
    img.alt = "";
    return img;
  };

  K.call = function (method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: {}, cache: "no-store" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    });
  };

  /* The message box lives in the flow of whatever is on top (the keypad, an open panel, else the
     screen), so it pushes things aside instead of covering them. */
  function noticeHome() {
    var open = document.querySelector(".overlay:not([hidden]) .notice-slot");
    return open || K.$("notice-home");
  }

  K.placeNotice = function () {
    var box = K.$("notice");
    var home = noticeHome();
    if (box.parentNode !== home) { home.appendChild(box); }
  };

  function showNotice(text, level, fromServer) {
    var box = K.$("notice");
    K.$("notice-text").textContent = text;
    box.className = "notice " + level;
    box.dataset.server = fromServer ? "1" : "";
    box.hidden = false;
    K.placeNotice();
  }

  K.hideNotice = function () { K.$("notice").hidden = true; };

  /* The server's notice (it takes it away itself after a few seconds). */
  K.followNotice = function (state) {
    window.clearTimeout(localTimer);
    if (state.notice && state.notice.id !== dismissed) {
      if (state.notice.level === "error" && K.$("notice").hidden) { K.play("refusal"); }
      showNotice(state.notice.text, state.notice.level, true);
    } else {
      K.hideNotice();
    }
  };

  /* A problem of the page itself (the kiosk did not answer): shown for a few seconds, like the server's. */
  K.showError = function (data) {
    showNotice(data && data.error ? data.error.message : (data && data.message) || K.L("error.kiosk_unreachable"),
               "error", false);
    window.clearTimeout(localTimer);
    localTimer = window.setTimeout(K.hideNotice, 10000);
  };

  K.dismissNotice = function () {
    var box = K.$("notice");
    box.hidden = true;
    if (box.dataset.server && K.state && K.state.notice) {
      dismissed = K.state.notice.id;
      K.call("POST", "/api/notice/dismiss", {}).catch(function () {});
    }
  };

  /* Short local sounds for "done" and "not possible" (staff can turn them off). */
  K.play = function (name) {
    if (!K.state || !K.state.sounds) { return; }
    var audio = sounds[name] || (sounds[name] = new Audio("/static/sounds/" + name + ".wav"));
    document.body.dataset.lastSound = name;
    document.body.dataset.soundCount = String(Number(document.body.dataset.soundCount || 0) + 1);
    try {
      audio.currentTime = 0;
      var played = audio.play();
      if (played && played.catch) { played.catch(function () {}); }  // no audio device: silence, not an error
    } catch (e) { /* no audio at all */ }
  };

  /* POST, then draw the state the kiosk answers with (or its error sentence). The same request while
     the first is on its way is a double tap: it is not sent twice. */
  var inFlight = {};
  /* Draw a state from the kiosk (an answer, a read or an SSE message), unless one drawn already is newer:
     an answer overtaken by a pushed state must not bring the old list back for a moment. */
  var drawn = -1;
  K.show = function (state) {
    if (typeof state.screen_version === "number") {
      if (state.screen_version < drawn) { return; }
      drawn = state.screen_version;
    }
    K.render(state);
  };
  K.forgetDrawn = function () { drawn = -1; };

  K.post = function (url, body) {
    var key = url + " " + JSON.stringify(body || {});
    if (inFlight[key]) { return inFlight[key]; }
    var done = function () { delete inFlight[key]; };
    inFlight[key] = K.call("POST", url, body || {}).then(function (res) {
      done();
      if (res.ok) { K.show(res.data); } else { K.showError(res.data); }
      return res;
    }).catch(function () { done(); K.showError(null); });
    return inFlight[key];
  };

  /* Re-read /api/state; calls that arrive while one is running are folded into one more read. */
  K.refresh = function () {
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    K.call("GET", "/api/state").then(function (res) {
      fetching = false;
      if (res.ok) { K.show(res.data); }
      if (fetchAgain) { fetchAgain = false; K.refresh(); }
    }).catch(function () {
      fetching = false;
      window.setTimeout(K.refresh, 2000);
    });
  };
}());
