// The offline outbox: a pain entry saved without a connection is kept on the phone (IndexedDB)
// with its client-generated id and sent as `POST /api/v1/entries` when the connection returns
// (the `online` event, page load, Background Sync). The server deduplicates by id, so a replay
// is harmless; an entry leaves the outbox only when the server accepted it (201/200), already
// had it (409) or definitively rejected it (4xx: she is told why). 401/403 keep it and ask her
// to sign in again; network errors, 5xx and 429 keep it for the next try (after Retry-After
// while the page is open; an online save the server answers 503 joins the outbox the same way). Loaded by the pages and by
// the service worker (importScripts), so the storage part must not touch the DOM.
(function (global) {
  "use strict";
  var DB_NAME = "bhd-outbox";
  var STORE = "entries";
  var LOCK = "bhd-outbox";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = global.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, {keyPath: "id"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = action(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function add(item) { return withStore("readwrite", function (store) { return store.put(item); }); }
  function all() { return withStore("readonly", function (store) { return store.getAll(); }); }
  function remove(id) { return withStore("readwrite", function (store) { return store.delete(id); }); }

  function locked(task) {
    if (global.navigator && global.navigator.locks) { return global.navigator.locks.request(LOCK, task); }
    return task();
  }

  // One entry: "keep" (try later), "signin" (keep; she must sign in), "done", or {rejected: reason}.
  function sendOne(item, csrfToken) {
    return fetch("/api/v1/entries", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken || item.csrf || ""},
      body: JSON.stringify(item.body)
    }).then(function (response) {
      if (response.status === 200 || response.status === 201 || response.status === 409) { return "done"; }
      if (response.status === 401 || response.status === 403) { return "signin"; }
      if (response.status >= 500 || response.status === 429) { return "keep"; }
      return response.json().then(function (data) { return {rejected: describe(data)}; }, function () { return {rejected: ""}; });
    }, function () { return "keep"; });
  }

  function describe(data) {
    var detail = data && data.detail;
    if (Array.isArray(detail)) { return detail.map(function (d) { return d.msg; }).join(" "); }
    return detail && detail.msg ? detail.msg : "";
  }

  // Send every waiting entry once, in the order saved; stop at the first "keep" or "signin".
  // Returns {sent, rejected: [reasons], signin, waiting}.
  function replay(options) {
    var owner = options && options.owner;
    var csrfToken = options && options.csrf;
    return locked(function () {
      return all().then(function (items) {
        items = items.filter(function (item) { return !owner || !item.owner || item.owner === owner; });
        items.sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
        var summary = {sent: 0, rejected: [], signin: false, waiting: 0};
        var chain = Promise.resolve(true);
        items.forEach(function (item) {
          chain = chain.then(function (goOn) {
            if (!goOn) { summary.waiting += 1; return false; }
            return sendOne(item, csrfToken).then(function (result) {
              if (result === "keep" || result === "signin") {
                summary.signin = result === "signin";
                summary.waiting += 1;
                return false;
              }
              if (result !== "done") { summary.rejected.push(result.rejected); } else { summary.sent += 1; }
              return remove(item.id).then(function () { return true; });
            });
          });
        });
        return chain.then(function () { return summary; });
      });
    });
  }

  global.BhdOutbox = {add: add, all: all, remove: remove, replay: replay};
  if (typeof global.document === "undefined") { return; }  // in the service worker: storage only

  // --- On the page -----------------------------------------------------------------------
  var statusBox = document.getElementById("outbox-status");

  function text(name, values) {
    var template = (statusBox && statusBox.getAttribute("data-msg-" + name)) || "";
    Object.keys(values || {}).forEach(function (key) { template = template.replace("{" + key + "}", values[key]); });
    return template;
  }

  function owner() { return statusBox ? statusBox.getAttribute("data-owner") || "" : ""; }

  function pageCsrf() {
    if (!owner()) { return ""; }  // a page for signed-out visitors (the offline page): use the stored token
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function show(lines) {
    if (!statusBox) { return; }
    var shown = lines.filter(Boolean);
    statusBox.textContent = "";
    shown.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      statusBox.appendChild(p);
    });
    statusBox.hidden = shown.length === 0;
  }

  function waitingLine() {
    return all().then(function (items) {
      var mine = items.filter(function (item) { return !owner() || !item.owner || item.owner === owner(); });
      return mine.length ? text("waiting", {n: mine.length}) : "";
    });
  }

  function entryBody(form, submitter) {
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    var body = {id: data.get("entry_id"), recorded_at: new Date().toISOString()};
    if (data.get("day")) { body.day = data.get("day"); }
    ["back_pain", "hip_pain"].forEach(function (name) {
      if (data.get(name) !== null && data.get(name) !== "") { body[name] = parseInt(data.get(name), 10); }
    });
    ["hip_side", "back_region", "note"].forEach(function (name) { if (data.get(name)) { body[name] = data.get(name); } });
    body["function"] = {};
    ["woke_at_night", "could_not_lift_baby", "walking_limited"].forEach(function (name) {
      body["function"][name] = data.get(name) === "yes" ? true : null;
    });
    ["painkiller_taken", "painkiller_helped"].forEach(function (name) {
      var value = data.get(name);
      if (value === "yes" || value === "no") { body[name] = value === "yes"; }
    });
    body.red_flags = data.getAll("red_flags");
    return body;
  }

  function newEntryId(form) {
    var field = form.querySelector("input[name=entry_id]");
    if (field && global.crypto && global.crypto.randomUUID) { field.value = global.crypto.randomUUID(); }
  }

  function requestBackgroundSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) { return registration.sync.register("bhd-outbox"); }
    }).catch(function () { /* replay on the online event and on page load instead */ });
  }

  function queue(form, submitter) {
    var body = entryBody(form, submitter);
    if (body.back_pain === undefined && body.hip_pain === undefined) {
      show([text("noscore")]);
      return Promise.resolve();
    }
    var item = {id: body.id, body: body, csrf: pageCsrf(), owner: owner(), queued_at: body.recorded_at};
    return add(item).then(function () {
      form.reset();
      newEntryId(form);
      requestBackgroundSync();
      return waitingLine();
    }).then(function (line) { show([text("saved"), line]); });
  }

  // What a replay (here or in the service worker) came to, in words.
  function report(summary) {
    var lines = [];
    if (summary.sent) { lines.push(text("sent")); }
    summary.rejected.forEach(function (reason) { lines.push(text("rejected", {reason: reason})); });
    if (summary.signin) { lines.push(text("signin")); }
    return waitingLine().then(function (line) {
      lines.push(line);
      if (lines.filter(Boolean).length) { show(lines); }
    });
  }

  function flush() {
    if (navigator.onLine === false) { return waitingLine().then(function (line) { show([line]); }); }
    return replay({owner: owner(), csrf: pageCsrf()}).then(function (summary) {
      if (summary.waiting && !summary.signin) { retryLater(); }  // the server was busy: try again
      return report(summary);
    });
  }

  // One pending retry at a time, after `seconds` (a server's Retry-After) or RETRY_SECONDS.
  var RETRY_SECONDS = 30;
  var retryTimer = null;
  function retryLater(seconds) {
    if (retryTimer) { return; }
    var wait = seconds > 0 ? Math.min(seconds, 300) : RETRY_SECONDS;
    retryTimer = global.setTimeout(function () { retryTimer = null; flush(); }, wait * 1000);
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "bhd-outbox" && event.data.summary) { report(event.data.summary); }
    });
  }

  // Offline: keep the entry here instead of letting the form (or htmx) try the network.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox-form]")) { return; }
    form.bhdSubmitter = event.submitter || null;
    if (navigator.onLine !== false) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    queue(form, form.bhdSubmitter);
  }, true);

  // Online as far as the browser knew, but the request never reached the server.
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form[data-outbox-form]")) { queue(form, form.bhdSubmitter); }
  });

  // The server could not take it now (a busy or full database: 503, or 429): nothing was saved
  // there, so keep it here and try again after the server's Retry-After.
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail && event.detail.elt;
    var xhr = event.detail && event.detail.xhr;
    if (!form || !form.matches || !form.matches("form[data-outbox-form]") || !xhr) { return; }
    if (xhr.status < 500 && xhr.status !== 429) { return; }
    queue(form, form.bhdSubmitter).then(function () { retryLater(parseInt(xhr.getResponseHeader("Retry-After"), 10)); });
  });

  // Signing out with entries still waiting: ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.getAttribute || form.getAttribute("action") !== "/signout" || form.bhdConfirmed) { return; }
    event.preventDefault();
    all().then(function (items) {
      var mine = items.filter(function (item) { return !item.owner || item.owner === owner(); });
      if (mine.length === 0 || global.confirm(text("signout"))) {
        form.bhdConfirmed = true;
        form.submit();
      }
    });
  });

  global.addEventListener("online", flush);
  flush();
})(self);
