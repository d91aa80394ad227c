// Push reminders: the switch on the reminders page (the permission prompt only follows her tap)
// and, on every app start, re-sending this browser's subscription (browsers renew them silently).
(function () {
  "use strict";
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  var controls = document.getElementById("push-controls");
  var signedIn = Boolean(document.getElementById("outbox-status"));

  function csrf() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.status === 204 ? null : response.json();
    });
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function say(name) {
    var state = document.getElementById("push-state");
    if (state && controls) { state.textContent = controls.getAttribute("data-msg-" + name) || ""; }
  }

  function showButtons(subscribed) {
    if (!controls) { return; }
    controls.querySelector("[data-push-enable]").hidden = subscribed;
    controls.querySelector("[data-push-disable]").hidden = !subscribed;
  }

  function currentSubscription() {
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (sub) { return {registration: registration, sub: sub}; });
    });
  }

  function subscribe() {
    return api("GET", "/api/v1/push/public-key").then(function (data) {
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: keyBytes(data.public_key)});
      });
    }).then(function (sub) { return api("POST", "/api/v1/push/subscriptions", sub.toJSON()); });
  }

  function enable() {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return; }
      return subscribe().then(function () { showButtons(true); say("on"); });
    }).catch(function () { say("failed"); });
  }

  function disable() {
    currentSubscription().then(function (found) {
      if (!found.sub) { return; }
      var endpoint = found.sub.endpoint;
      return found.sub.unsubscribe().then(function () {
        return api("DELETE", "/api/v1/push/subscriptions", {endpoint: endpoint}).catch(function () { return null; });
      });
    }).then(function () { showButtons(false); say("off"); });
  }

  // Every app start: tell the server about this browser's (possibly renewed) subscription.
  function refresh() {
    if (!supported || !signedIn || Notification.permission !== "granted") { return; }
    currentSubscription().then(function (found) {
      if (found.sub) { return api("POST", "/api/v1/push/subscriptions", found.sub.toJSON()); }
    }).catch(function () { /* offline or signed out: next start */ });
  }

  if (controls) {
    if (!supported) {
      say("unsupported");
    } else {
      controls.querySelector("[data-push-enable]").addEventListener("click", enable);
      controls.querySelector("[data-push-disable]").addEventListener("click", disable);
      currentSubscription().then(function (found) {
        var on = Boolean(found.sub) && Notification.permission === "granted";
        showButtons(on);
        say(on ? "on" : (Notification.permission === "denied" ? "denied" : "off"));
      });
    }
  }
  refresh();
})();
