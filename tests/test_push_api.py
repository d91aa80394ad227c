"""The push API, the reminders page and the installable app's files (/sw.js, manifest, offline page)."""

from __future__ import annotations

import json
from datetime import time

import pytest
from sqlmodel import Session, select

from app.models import Patient, PushSubscription, ReminderPreference
from app.push.keys import vapid_keys
from tests.conftest import make_patient, new_client, reload, sign_in
from tests.test_pages import csrf_from, page_sign_in


@pytest.fixture
def carla(push_app, db: Session):  # type: ignore[no-untyped-def]
    """A signed-in patient on the app that knows the fake push service."""
    make_patient(db, "carla@example.org", timezone="Europe/Berlin")
    client = new_client(push_app)
    sign_in(client, "carla@example.org")
    return client


def test_the_public_key_is_the_servers_vapid_key(carla, push_settings):
    assert carla.get("/api/v1/push/public-key").json() == {"public_key": vapid_keys(push_settings).public_key}


def test_she_subscribes_once_and_re_sending_refreshes(carla, fake_push, db):
    sub = fake_push.subscription()
    assert carla.post("/api/v1/push/subscriptions", json=sub).status_code == 201
    assert carla.post("/api/v1/push/subscriptions", json={**sub, "expirationTime": None}).status_code == 200
    reload(db)
    [row] = db.exec(select(PushSubscription)).all()
    assert row.endpoint == sub["endpoint"] and row.p256dh == sub["keys"]["p256dh"]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://evil.example/push/abc",
        "http://fcm.googleapis.com/fcm/send/abc",  # https only
        "https://fcm.googleapis.com:8443/fcm/send/abc",  # no odd ports
        "https://user:pw@fcm.googleapis.com/fcm/send/abc",
        "https://fcm.googleapis.com.evil.example/x",
        "http://127.0.0.1:1/push/abc",  # loopback, but not the configured fake
        "file:///etc/passwd",
        "not a url",
    ],
)
def test_only_configured_push_hosts_are_accepted(carla, fake_push, endpoint, db):
    sub = {**fake_push.subscription(), "endpoint": endpoint}
    response = carla.post("/api/v1/push/subscriptions", json=sub)
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "push_endpoint_not_allowed"
    reload(db)
    assert db.exec(select(PushSubscription)).all() == []


def test_a_known_push_host_is_accepted(carla, fake_push):
    sub = {**fake_push.subscription(), "endpoint": "https://fcm.googleapis.com/fcm/send/abc123"}
    assert carla.post("/api/v1/push/subscriptions", json=sub).status_code == 201


@pytest.mark.parametrize("keys", [{"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}, {"p256dh": "!!", "auth": "x"}])
def test_unusable_keys_are_refused(carla, fake_push, keys):
    sub = {**fake_push.subscription(), "keys": keys}
    assert carla.post("/api/v1/push/subscriptions", json=sub).json()["detail"]["code"] == "push_keys_invalid"


def test_she_turns_reminders_off_for_a_browser(carla, fake_push, db):
    sub = fake_push.subscription()
    carla.post("/api/v1/push/subscriptions", json=sub)
    assert carla.request("DELETE", "/api/v1/push/subscriptions", json={"endpoint": sub["endpoint"]}).status_code == 204
    assert carla.request("DELETE", "/api/v1/push/subscriptions", json={"endpoint": sub["endpoint"]}).status_code == 404
    reload(db)
    assert db.exec(select(PushSubscription)).all() == []


def test_subscribing_needs_a_session_and_the_csrf_token(push_app, fake_push, db):
    stranger = new_client(push_app)
    assert stranger.post("/api/v1/push/subscriptions", json=fake_push.subscription()).status_code == 401
    make_patient(db, "dora@example.org")
    client = new_client(push_app)
    sign_in(client, "dora@example.org")
    del client.headers["X-CSRF-Token"]
    assert client.post("/api/v1/push/subscriptions", json=fake_push.subscription()).status_code == 403


def test_bob_cannot_unsubscribe_alices_browser(push_app, carla, fake_push, db):
    sub = fake_push.subscription()
    carla.post("/api/v1/push/subscriptions", json=sub)
    make_patient(db, "bob@example.org")
    bob = new_client(push_app)
    sign_in(bob, "bob@example.org")
    assert bob.request("DELETE", "/api/v1/push/subscriptions", json={"endpoint": sub["endpoint"]}).status_code == 404


def test_reminder_settings_through_the_api(carla, db):
    body = {"reminder_time": "19:30:00", "quiet_start": "22:00:00", "quiet_end": "07:00:00", "outside_windows": True}
    assert carla.put("/api/v1/reminders", json=body).status_code == 200
    assert carla.get("/api/v1/reminders").json() == body
    half = {**body, "quiet_end": None}
    assert carla.put("/api/v1/reminders", json=half).json()["detail"]["code"] == "quiet_hours_incomplete"


def test_the_reminders_page_saves_without_javascript(push_app, db):
    make_patient(db, "eva@example.org", locale="de")
    browser = new_client(push_app)
    page_sign_in(browser, "eva@example.org")
    page = browser.get("/reminders")
    assert page.status_code == 200 and "Erinnerungen" in page.text
    form = {"csrf_token": csrf_from(page.text), "reminder_time": "21:15", "quiet_start": "22:00", "quiet_end": "06:30"}
    response = browser.post("/reminders", data={**form, "outside_windows": "yes"})
    assert response.status_code == 303 and response.headers["location"] == "/reminders?saved=1"
    reload(db)
    eva = db.exec(select(Patient).where(Patient.email == "eva@example.org")).one()
    assert (eva.reminder_time, eva.quiet_start, eva.quiet_end) == (time(21, 15), time(22, 0), time(6, 30))
    assert db.get(ReminderPreference, eva.id).outside_windows is True
    bad = browser.post("/reminders", data={**form, "reminder_time": "25:99"})
    assert bad.status_code == 422 and "Geben Sie eine Uhrzeit" in bad.text


def test_the_service_worker_is_served_fresh_with_root_scope(stranger):
    response = stranger.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["service-worker-allowed"] == "/"
    assert "__VERSION__" not in response.text and "__SHELL__" not in response.text
    shell = json.loads(response.text.split("var SHELL = ")[1].split(";\n")[0])
    assert "/offline" in shell and all(url.startswith(("/static/", "/offline", "/manifest")) for url in shell)
    for url in shell:
        assert stranger.get(url).status_code == 200, url


def test_the_manifest_makes_the_diary_installable(stranger):
    response = stranger.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/" and manifest["scope"] == "/"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        png = stranger.get(icon["src"])
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        width = int.from_bytes(png.content[16:20], "big")
        assert f"{width}x{width}" == icon["sizes"]


def test_pages_link_the_manifest_and_the_touch_icon(alice):
    page = alice.get("/").text
    assert 'rel="manifest" href="/manifest.webmanifest"' in page and 'rel="apple-touch-icon"' in page
    assert 'name="theme-color"' in page and "data-outbox-form" in page


def test_the_offline_page_carries_nothing_about_her(alice, db):
    page = alice.get("/offline").text
    assert "You are offline" in page
    assert "alice" not in page and "Pregnant" not in page and "/history" not in page


def test_deleting_her_account_erases_her_subscriptions_and_reminders(carla, fake_push, db):
    carla.post("/api/v1/push/subscriptions", json=fake_push.subscription())
    carla.put("/api/v1/reminders", json={"reminder_time": "19:30:00", "outside_windows": True})
    from tests.conftest import PASSWORD

    assert carla.request("DELETE", "/api/v1/account", json={"password": PASSWORD}).status_code == 204
    reload(db)
    assert db.exec(select(PushSubscription)).all() == [] and db.exec(select(ReminderPreference)).all() == []
