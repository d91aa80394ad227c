// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Sign-up: take the time zone from the browser (editable later in the profile).
  document.querySelectorAll("[data-browser-timezone]").forEach(function (input) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) { input.value = zone; }
    } catch (error) { /* keep the server's default */ }
  });
  // The installable app: the service worker caches the app shell and keeps offline entries.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () { /* pages work without it */ });
  }
  // After htmx swaps the main region, move focus there so screen readers announce the result.
  document.addEventListener("htmx:afterSwap", function (event) {
    var main = document.getElementById("main");
    if (main && event.detail && event.detail.target && event.detail.target.id === "main") {
      var status = main.querySelector("[role=status], [role=alert]");
      (status || main).setAttribute("tabindex", "-1");
      (status || main).focus();
    }
  });
})();
