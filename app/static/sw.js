// The service worker (served at /sw.js, scope /). Caches only the app shell and static files,
// never pages or API answers: those carry health data.
/* global self, caches, clients, indexedDB */
"use strict";

var VERSION = "__VERSION__";
var PREFIX = "bhd-shell-";
var CACHE = PREFIX + VERSION;
var SHELL = __SHELL__;
var OFFLINE_URL = "/offline";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); })
  );
});

// Versioned caches: every older shell is deleted when this version takes over.
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // Pages always come from the network; without one, the cached offline page.
    event.respondWith(fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(OFFLINE_URL); });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) { return hit || fetch(request); });
    }));
  }
});

// A push carries no health data: a title, a body and the page to open.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  var title = data.title || "Back & Hip Diary";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || "diary",
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: {url: safeUrl(data.url)}
  }));
});

function safeUrl(value) {
  try {
    var url = new URL(value || "/", self.location.origin);
    return url.origin === self.location.origin ? url.pathname + url.search : "/";
  } catch (error) { return "/"; }
}

// A click opens the diary: an open window of ours is reused, else a new one.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = safeUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (var i = 0; i < windows.length; i += 1) {
      var client = windows[i];
      if (new URL(client.url).origin === self.location.origin) {
        var focused = client.focus ? client.focus().catch(function () { return client; }) : Promise.resolve(client);
        return focused.then(function () { return client.navigate(target); });
      }
    }
    return clients.openWindow(target);
  }));
});

// Background Sync (where it exists): send the offline outbox even with no page open.
importScripts("/static/outbox.js?v=" + VERSION);

self.addEventListener("sync", function (event) {
  if (event.tag === "bhd-outbox") {
    event.waitUntil(self.BhdOutbox.replay().then(function (summary) {
      // Tell open pages, so she sees that her entries went out.
      return clients.matchAll({type: "window"}).then(function (windows) {
        windows.forEach(function (client) { client.postMessage({type: "bhd-outbox", summary: summary}); });
      });
    }));
  }
});
