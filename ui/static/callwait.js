// While a "Call Me" call is in progress, asks the server every two seconds
// whether # was pressed, and continues by itself when it was. Without
// JavaScript the "Continue" button does the same.
(function () {
  "use strict";
  var status = document.getElementById("call-status");
  var form = document.getElementById("call-form");
  if (!status || !form || !window.fetch) { return; }
  var url = status.getAttribute("data-status-url");
  var tries = 0;
  function poll() {
    tries++;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state === "verified" || s.state === "failed") { form.submit(); return; }
        if (tries < 90) { setTimeout(poll, 2000); }
      })
      .catch(function () { if (tries < 90) { setTimeout(poll, 4000); } });
  }
  setTimeout(poll, 2000);
})();
