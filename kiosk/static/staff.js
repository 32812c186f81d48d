/* Staff pages: the PIN keypad, a live refresh of the counts, and the auto-lock. */
(function () {
  "use strict";
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
