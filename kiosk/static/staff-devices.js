/* The staff device page: show each driver's own fields, and follow statuses, scans, found devices
   and the printer live (SSE -> /staff/devices.json, whose parts the server renders). */
(function () {
  "use strict";

  function showFields(form) {
    var select = form.querySelector(".driver-select");
    var driver = select ? select.value : "";
    form.querySelectorAll(".device-field").forEach(function (field) {
      field.hidden = field.dataset.drivers.split(" ").indexOf(driver) < 0;
    });
  }
  document.querySelectorAll("form.device-card").forEach(function (form) {
    showFields(form);
    form.querySelector(".driver-select").addEventListener("change", function () { showFields(form); });
  });

  function replace(id, html, unlessFocused) {
    var node = document.getElementById(id);
    if (!node) { return; }
    // Never pull a form out from under a finger: a part being used waits for the next change.
    if (unlessFocused && node.contains(document.activeElement)) { return; }
    node.innerHTML = html;
  }

  var fetching = false;
  var again = false;
  var checkPrinter = true;  // the first refresh also asks the printer about paper and cover
  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    var url = "/staff/devices.json" + (checkPrinter ? "?check_printer=1" : "");
    checkPrinter = false;
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (response.status === 401) { window.location.reload(); return null; }
      return response.json();
    }).then(function (data) {
      fetching = false;
      if (data) {
        Object.keys(data.devices).forEach(function (name) {
          var info = data.devices[name];
          var status = document.getElementById("status-" + name);
          var detail = document.getElementById("detail-" + name);
          if (status) { status.textContent = info.status_text; status.className = "device-status status-" + info.status; }
          if (detail) { detail.textContent = info.detail; }
        });
        replace("scans", data.parts.scans, false);
        replace("printer-part", data.parts.printer, false);
        replace("notes", data.parts.notes, false);
        replace("found-part", data.parts.found, true);
      }
      if (again) { again = false; refresh(); }
    }).catch(function () { fetching = false; });
  }

  // While this page is open it keeps device discovery going (the kiosk stops it when nobody looks),
  // and says so when it is left.
  window.setInterval(refresh, 10000);
  window.addEventListener("pagehide", function () {
    if (navigator.sendBeacon) { navigator.sendBeacon("/staff/devices/leave"); }
  });

  if (window.EventSource) {
    new EventSource("/events").onmessage = function (message) {
      var topic = "";
      try { topic = JSON.parse(message.data).topic; } catch (e) { topic = ""; }
      if (topic === "hello" || topic === "devices" || topic === "scans" || topic === "discovery") { refresh(); }
    };
  }
}());
