/* The kiosk page's shared core: translated words, small DOM helpers and the calls to the kiosk.
   Plain JavaScript, no libraries, no network beyond the kiosk itself. Every word shown comes
   from state.labels (the server's translation catalog for the current language). */
(function () {
  "use strict";

  var K = window.Kiosk = { state: null, labels: {}, render: function () {} };
  var fetching = false;
  var fetchAgain = false;

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

  K.call = function (method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  };

  K.showError = function (data) {
    var notice = K.$("notice");
    notice.textContent = data && data.error ? data.error.message : K.L("error.kiosk_unreachable");
    notice.className = "notice error";
    notice.hidden = false;
  };

  /* POST, then draw the state the kiosk answers with (or its error sentence). */
  K.post = function (url, body) {
    return K.call("POST", url, body || {}).then(function (res) {
      if (res.ok) { K.render(res.data); } else { K.showError(res.data); }
      return res;
    }).catch(function () { K.showError(null); });
  };

  /* Re-read /api/state; calls that arrive while one is running are folded into one more read. */
  K.refresh = function () {
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    K.call("GET", "/api/state").then(function (res) {
      fetching = false;
      if (res.ok) { K.render(res.data); }
      if (fetchAgain) { fetchAgain = false; K.refresh(); }
    }).catch(function () {
      fetching = false;
      window.setTimeout(K.refresh, 2000);
    });
  };
}());
