// Idle warning for the dashboard (design.md 3.5; WCAG 2.2.1 Timing Adjustable).
//
// The page's <body> carries the server's timings: data-idle-timeout (the
// session ends after this many seconds without activity) and data-warn-after.
// After warn-after seconds without activity a modal dialog shows a countdown
// (mm:ss) to the logout; a polite live region announces the time left when
// the dialog opens, at each whole minute and at 30 and 10 seconds, not every
// second. Any key press, a click or "Stay signed in" closes it, returns focus
// and extends the session (POST /keep-alive with the CSRF token); activity on
// the page extends it too. At zero the Logout form is submitted, which ends
// the session here and at the sign-in service. Without JavaScript nothing of
// this runs and the server's idle limit still holds.
//
// Tabs share one idle clock: the session is the browser's, not the tab's. Each
// keep-alive is written to localStorage; a tab that sees a newer one (storage
// event, or at its next tick) counts from it and closes its own warning, so a
// forgotten tab never logs out someone working in another. The signed-out page
// (after a logout in any tab) writes a mark that sends the other tabs to it.
// The "Logging you out" page's form, which posts the logout to the sign-in
// service, is submitted at once (without JavaScript the user selects Continue).
//
// The words this script says are the page's, in the reader's language: the
// live region's data-say-* attributes (from the catalogue, pkg/text), with
// %d or %s where a number or a time goes. None are written here.
(function () {
  "use strict";

  var SEEN = "carekey-dashboard.last-seen";
  var OUT = "carekey-dashboard.signed-out";

  function load(key) {
    try {
      return Number(window.localStorage.getItem(key)) || 0;
    } catch (e) {
      return 0; // storage disabled: each tab keeps its own clock
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(key, String(value));
    } catch (e) {}
  }

  var endSession = document.getElementById("end-session-form");
  if (endSession) {
    save(OUT, Date.now()); // signed out here: finish at the sign-in service
    endSession.submit();
    return;
  }

  if (document.getElementById("signed-out")) {
    save(OUT, Date.now()); // tell the other tabs the session is over
    return;
  }

  var body = document.body;
  var idle = Number(body.getAttribute("data-idle-timeout")) * 1000;
  var warn = Number(body.getAttribute("data-warn-after")) * 1000;
  var dialog = document.getElementById("idle-dialog");
  var form = document.getElementById("logout-form");
  if (!idle || !warn || warn >= idle || !dialog || !form || typeof dialog.showModal !== "function") {
    return;
  }
  var countdown = document.getElementById("idle-countdown");
  var live = document.getElementById("idle-live");
  var stay = document.getElementById("idle-stay");
  var csrf = form.querySelector('input[name="csrf_token"]').value;

  // say returns the live region's words data-say-<name>, with value in
  // place of its %d or %s.
  function say(name, value) {
    var words = live.getAttribute("data-say-" + name) || "";
    return value === undefined ? words : words.replace(/%[ds]/, String(value));
  }

  // Log out a little before the server would, so the logout still finds the
  // session and can end the sign-in service's session too.
  var margin = Math.min(5000, idle / 10);
  var deadline = idle - margin;
  // Activity is reported to the server at most this often.
  var throttle = Math.min(60000, warn / 4);

  var lastSeen = Date.now(); // when the server last slid the session (about)
  var lastActivity = lastSeen;
  var outSeen = load(OUT);
  save(SEEN, lastSeen); // loading this page slid the session for every tab
  var returnFocus = null;
  var announced = "";
  var leaving = false;

  function keepAlive() {
    lastSeen = Date.now();
    save(SEEN, lastSeen);
    var data = new URLSearchParams();
    data.set("csrf_token", csrf);
    fetch("/keep-alive", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) {
          window.location.assign("/"); // the session is gone: show why
        }
      })
      .catch(function () {});
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    return pad(Math.floor(s / 60)) + ":" + pad(s % 60);
  }

  // step names the announcement due with ms left: each minute, then 30 s, 10 s.
  function step(ms) {
    var s = Math.ceil(ms / 1000);
    if (s > 60) {
      return say("minutes", Math.ceil(s / 60));
    }
    if (s > 30) {
      return say("minute");
    }
    if (s > 10) {
      return say("seconds", 30);
    }
    return say("seconds", 10);
  }

  function show(left) {
    countdown.textContent = clock(left);
    var next = step(left);
    if (next !== announced) {
      announced = next;
      live.textContent = say("left", next);
    }
  }

  function open(left) {
    returnFocus = document.activeElement;
    announced = "";
    show(left);
    dialog.showModal();
    stay.focus();
  }

  function close() {
    dialog.close();
    live.textContent = "";
    if (returnFocus && document.contains(returnFocus) && returnFocus.focus) {
      returnFocus.focus();
    }
    returnFocus = null;
  }

  function dismiss() {
    if (!dialog.open || leaving) {
      return;
    }
    keepAlive();
    lastActivity = lastSeen;
    close();
  }

  // fromOtherTabs adopts another tab's keep-alive or logout.
  function fromOtherTabs() {
    if (leaving) {
      return;
    }
    if (load(OUT) > outSeen) {
      leaving = true;
      window.location.assign("/");
      return;
    }
    var seen = load(SEEN);
    if (seen > lastSeen) {
      lastSeen = seen;
      lastActivity = Math.max(lastActivity, seen);
      if (dialog.open) {
        close(); // someone is active in another tab
      }
    }
  }

  function logout() {
    leaving = true;
    live.textContent = say("leaving");
    var reason = document.createElement("input"); // the page we come back to says why
    reason.type = "hidden";
    reason.name = "reason";
    reason.value = "idle";
    form.appendChild(reason);
    form.submit();
  }

  function activity() {
    if (dialog.open) {
      dismiss();
      return;
    }
    lastActivity = Date.now();
  }

  function tick() {
    fromOtherTabs();
    if (leaving) {
      return;
    }
    var now = Date.now();
    if (!dialog.open && lastActivity > lastSeen && now - lastSeen >= throttle) {
      keepAlive();
    }
    var left = lastSeen + deadline - now;
    if (left <= 0) {
      logout();
      return;
    }
    if (dialog.open) {
      show(left);
    } else if (now - lastSeen >= warn - margin) {
      open(left);
    }
  }

  ["keydown", "pointerdown", "input", "wheel", "touchstart"].forEach(function (type) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  });
  stay.addEventListener("click", dismiss);
  dialog.addEventListener("cancel", function (e) {
    e.preventDefault(); // Escape: stay signed in, as any other key
    dismiss();
  });
  window.addEventListener("storage", function (e) {
    if (e.key === SEEN || e.key === OUT) {
      fromOtherTabs();
    }
  });
  window.setInterval(tick, 250);
})();
