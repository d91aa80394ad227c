"""The installable app in real headless Chromium (Playwright for Python, the system's Chromium).

Skipped with a clear reason when Chromium or Playwright is missing; REQUIRE_BROWSER=1 (CI) turns
that into a failure.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from app.models import Entry
from tests.browser import browser, watch_for_violations  # noqa: F401  (fixture)
from tests.conftest import PASSWORD, make_patient, reload
from tests.live_server import serve
from tests.test_faults import sqlite_path

pytestmark = pytest.mark.browser


@pytest.fixture
def site(push_app, db: Session) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The real app on a loopback port (a secure context for service workers) with Alice's account."""
    from datetime import UTC, datetime, timedelta

    make_patient(
        db, "alice@example.org", timezone="Europe/Berlin", due_date=datetime.now(UTC).date() + timedelta(weeks=8)
    )
    with serve(push_app) as base_url:
        yield base_url


@pytest.fixture
def page(browser, site: str):  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context(base_url=site)  # type: ignore[attr-defined]
    page = context.new_page()
    violations: list[str] = []
    watch_for_violations(page, violations)
    page.goto("/signin")
    page.fill("input[name=email]", "alice@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_url(f"{site}/")
    wait_for_service_worker(page)
    yield page
    context.close()
    assert not [line for line in violations if "Content Security Policy" in line], "the strict CSP was violated"


def wait_for_service_worker(page) -> None:  # type: ignore[no-untyped-def]
    """Until the service worker is active and controls the page (it claims clients on activate)."""
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("Boolean(navigator.serviceWorker.controller)")


def test_the_manifest_is_valid_and_the_service_worker_registers(page, site):
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{site}/"
    href = page.get_attribute("link[rel=manifest]", "href")
    manifest = page.evaluate("href => fetch(href).then(r => r.json())", href)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        size = page.evaluate(
            "src => new Promise(ok => { const i = new Image();"
            " i.onload = () => ok(i.naturalWidth + 'x' + i.naturalHeight); i.src = src; })",
            icon["src"],
        )
        assert size == icon["sizes"]
    cdp = page.context.new_cdp_session(page)
    errors = {e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]}
    assert errors <= {"in-incognito"}  # Playwright's contexts are incognito; nothing about the app itself
    caches = page.evaluate("caches.keys()")
    assert len(caches) == 1 and caches[0].startswith("bhd-shell-")


def test_the_shell_cache_never_holds_pages_with_health_data(page):
    page.goto("/history")
    urls = page.evaluate(
        "caches.keys().then(ks => caches.open(ks[0])).then(c => c.keys())"
        ".then(rs => rs.map(r => new URL(r.url).pathname))"
    )
    assert "/history" not in urls and "/" not in urls
    assert set(urls) >= {"/offline", "/manifest.webmanifest", "/static/outbox.js"}


def test_an_entry_saved_offline_is_sent_once_when_back_online(page, site, db):
    page.context.set_offline(True)
    page.check("input[name=back_pain][value='6']", force=True)
    page.check("input[name=hip_pain][value='2']", force=True)
    page.click("button.save")
    status = page.locator("#outbox-status")
    status.get_by_text("Saved on this phone").wait_for()
    assert "Entries waiting on this phone: 1" in status.inner_text()
    page.reload()  # still offline: the service worker answers with the offline page
    assert "You are offline" in page.content()
    page.locator("#outbox-status").get_by_text("Entries waiting on this phone: 1").wait_for()
    reload(db)
    assert db.exec(select(Entry)).all() == []
    page.context.set_offline(False)  # the `online` event replays the outbox
    page.locator("#outbox-status").get_by_text("have been sent").wait_for()
    page.goto("/")
    page.reload()  # a second page load finds nothing left to send
    reload(db)
    [entry] = db.exec(select(Entry)).all()
    assert (entry.back_pain, entry.hip_pain) == (6, 2)
    assert page.evaluate("self.BhdOutbox.all().then(items => items.length)") == 0


def test_an_entry_the_busy_server_refused_is_kept_on_the_phone_and_lands_later(page, push_app, db):
    """Online, but the database is locked (another process holds SQLite's write lock): the save
    answers 503 with Retry-After and writes nothing; the phone keeps the entry and, once the lock
    is gone, sends it by itself after Retry-After: one row, nothing lost, nothing doubled."""
    path = sqlite_path(push_app.state.settings.database_url)
    if path is None:
        pytest.skip("SQLite only: holding the database's write lock from outside")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        page.check("input[name=back_pain][value='7']", force=True)
        page.click("button.save")
        status = page.locator("#outbox-status")
        status.get_by_text("Saved on this phone").wait_for(timeout=20_000)  # after the 5 s busy timeout
        reload(db)
        assert db.exec(select(Entry)).all() == []
    finally:
        blocker.rollback()
        blocker.close()
    status.get_by_text("have been sent").wait_for(timeout=20_000)  # Retry-After: 5 s
    reload(db)
    [entry] = db.exec(select(Entry)).all()
    assert entry.back_pain == 7
    assert page.evaluate("self.BhdOutbox.all().then(items => items.length)") == 0


def test_an_entry_kept_while_signed_out_waits_for_her_to_sign_in(page, site, db):
    page.context.set_offline(True)
    page.check("input[name=back_pain][value='3']", force=True)
    page.click("button.save")
    page.locator("#outbox-status").get_by_text("Saved on this phone").wait_for()
    page.context.clear_cookies()  # her session is gone meanwhile (expired, or signed out elsewhere)
    page.context.set_offline(False)  # the `online` event tries to send: 401
    page.locator("#outbox-status").get_by_text("Please sign in again").wait_for()
    assert page.evaluate("self.BhdOutbox.all().then(items => items.length)") == 1  # kept, not lost
    reload(db)
    assert db.exec(select(Entry)).all() == []


def registration_id(page, cdp, site: str) -> str:  # type: ignore[no-untyped-def]
    """The service worker registration's id, from the DevTools protocol's registration events."""
    found: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        ids = [r["registrationId"] for r in found if r["scopeURL"] == f"{site}/" and not r.get("isDeleted")]
        if ids:
            return ids[0]
        page.wait_for_timeout(100)  # lets Playwright deliver the events
    raise AssertionError("no service worker registration reported over CDP")


def test_a_push_shows_a_notification_whose_click_opens_the_diary(page, site):
    """The push goes through the DevTools protocol (`ServiceWorker.deliverPushMessage`).

    Headless Chromium shows no clickable system notification, so the click is a
    `notificationclick` event dispatched inside the service worker on the real notification:
    the same handler runs, and the page it controls must land on the diary.
    """
    page.context.grant_permissions(["notifications"], origin=site)
    cdp = page.context.new_cdp_session(page)
    payload = {"title": "Please open your diary", "body": "There is something new for you in your diary.", "url": "/"}
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": site, "registrationId": registration_id(page, cdp, site), "data": json.dumps(payload)},
    )
    shown = None
    for _ in range(50):
        shown = page.evaluate(
            "navigator.serviceWorker.ready.then(r => r.getNotifications())"
            ".then(ns => ns.map(n => ({title: n.title, body: n.body, url: n.data.url})))"
        )
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown == [{"title": payload["title"], "body": payload["body"], "url": "/"}]
    page.goto("/history")
    worker = page.context.service_workers[0]
    worker.evaluate(
        "self.registration.getNotifications().then(ns => "
        "self.dispatchEvent(new NotificationEvent('notificationclick', {notification: ns[0]})))"
    )
    page.wait_for_url(f"{site}/")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.length)") == 0


def test_signing_out_with_entries_waiting_asks_first(page):
    page.context.route("**/api/v1/entries", lambda route: route.abort())  # the entry cannot leave the phone
    page.evaluate(
        "self.BhdOutbox.add({id: 'x', body: {}, csrf: '', owner: document.getElementById('outbox-status')"
        ".dataset.owner, queued_at: new Date().toISOString()})"
    )
    page.goto("/account")
    page.locator("#outbox-status").get_by_text("Entries waiting on this phone: 1").wait_for()
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("form[action='/signout'] button[type=submit]")
    page.wait_for_timeout(300)
    assert questions and "still waiting on this phone" in questions[0]
    assert page.url.endswith("/account")  # she chose to stay
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action='/signout'] button[type=submit]")
    page.wait_for_url("**/signin")
