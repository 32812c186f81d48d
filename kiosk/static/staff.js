/* Staff pages: the PIN keypad, a live refresh of the counts, and the auto-lock. */
(function () {
  "use strict";
  var left = document.getElementById("locked-left");
  if (left) {
    // The pad is locked: count the time down, then open it again.
    var seconds = Number(document.body.dataset.lockedSeconds || 0);
    var draw = function () {
      var m = Math.floor(seconds / 60);
      var s = seconds % 60;
      left.textContent = (m ? m + " " + left.dataset.minute + " " : "") + s + " " + left.dataset.second;
    };
    draw();
    window.setInterval(function () {
      seconds -= 1;
      if (seconds <= 0) { window.location.replace("/staff"); return; }
      draw();
    }, 1000);
  }
  var pin = document.getElementById("pin");
  if (pin) {
    document.querySelectorAll("#keys [data-key]").forEach(function (key) {
      key.addEventListener("click", function () {
        if (key.dataset.key === "back") { pin.value = pin.value.slice(0, -1); }
        else if (pin.value.length < 8) { pin.value += key.dataset.key; }
      });
    });
    return;
  }
  var lockAfter = Number(document.body.dataset.lockAfter || 120) * 1000;
  var lockTimer = null;
  function armLock() {
    window.clearTimeout(lockTimer);
    // Reloading after the quiet spell shows the PIN page: the server has locked staff mode by then.
    lockTimer = window.setTimeout(function () { window.location.reload(); }, lockAfter + 1000);
  }
  function refresh() {
    fetch("/staff/status.json", { credentials: "same-origin" }).then(function (response) {
      if (response.status === 401) { window.location.reload(); return null; }
      return response.json();
    }).then(function (data) {
      if (!data || !document.getElementById("count-pending")) { return; }
      ["pending", "parked_open", "delivered"].forEach(function (state) {
        document.getElementById("count-" + state).textContent = data.journal[state];
      });
      if (data.last_receipt) { document.getElementById("last-receipt").textContent = data.last_receipt; }
    }).catch(function () {});
  }
  document.addEventListener("pointerdown", armLock, true);
  armLock();
  // The device page has its own live refresh (staff-devices.js); this one is the first page's.
  if (window.EventSource && document.getElementById("count-pending")) { new EventSource("/events").onmessage = refresh; }
}());
