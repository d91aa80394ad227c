"""Share links: create (password again), list with views, revoke; the /share pages and the API."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from app.models import Patient, ShareLink, ShareView, utcnow
from app.services import share
from tests.conftest import PASSWORD, new_client, reload
from tests.test_pages import csrf_from

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"


def patient(db: Session, email: str = "alice@example.org") -> Patient:
    found = db.exec(select(Patient).where(Patient.email == email)).one()
    return found


def create_link(client, **overrides: object):  # type: ignore[no-untyped-def]
    body = {"label": "Dr Weber, rheumatology", "password": PASSWORD, **overrides}
    return client.post("/api/v1/share-links", json=body)


def token_of(url: str) -> str:
    return url.rsplit("/s/", 1)[1]


# --- API -----------------------------------------------------------------------------------


def test_creating_a_link_returns_the_url_once_and_stores_only_a_hash(alice, db):
    response = create_link(alice)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "url", "expires_at"}
    token = token_of(body["url"])
    assert body["url"].startswith("http://testserver/s/") and len(token) == 43
    reload(db)
    stored = db.get(ShareLink, body["id"])
    assert stored.token_hash == share.token_hash(token) and token not in stored.token_hash
    assert timedelta(days=29, hours=23) < stored.expires_at - stored.created_at <= timedelta(days=30)
    assert token not in alice.get("/api/v1/share-links").text


def test_a_link_needs_her_password_again(alice, db):
    response = create_link(alice, password="not my password")
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "wrong_password"
    reload(db)
    assert db.exec(select(ShareLink)).all() == []


def test_expiry_defaults_to_30_days_and_is_at_most_90(alice):
    assert create_link(alice, expires_in_days=90).status_code == 201
    for days in (0, 91, "30", 30.0):
        response = create_link(alice, expires_in_days=days)
        assert response.status_code == 422, days
    assert create_link(alice, expires_in_days=91).json()["detail"][0]["code"] == "expiry_range"


def test_a_label_is_required_and_plain(alice):
    assert create_link(alice, label="   ").json()["detail"][0]["code"] == "label_required"
    assert create_link(alice, label="x" * 81).status_code == 422
    assert create_link(alice, label="Dr\x00Weber").json()["detail"][0]["code"] == "control_characters"


def test_the_list_shows_status_and_every_view_with_only_a_coarse_browser(alice, stranger):
    url = create_link(alice).json()["url"]
    stranger.get(url, headers={"User-Agent": FIREFOX_ANDROID})
    stranger.get(url, headers={"User-Agent": "curl/8.0"})
    [link] = alice.get("/api/v1/share-links").json()
    assert link["status"] == "active" and link["label"] == "Dr Weber, rheumatology"
    assert [(v["browser"], v["device"]) for v in link["views"]] == [("other", "desktop"), ("Firefox", "mobile")]
    assert set(link["views"][0]) == {"viewed_at", "browser", "device"}


def test_revoking_stops_the_link_at_once(alice, stranger):
    created = create_link(alice).json()
    assert stranger.get(created["url"]).status_code == 200
    assert alice.delete(f"/api/v1/share-links/{created['id']}").status_code == 204
    assert stranger.get(created["url"]).status_code == 404
    assert alice.get("/api/v1/share-links").json()[0]["status"] == "revoked"
    assert alice.delete(f"/api/v1/share-links/{created['id']}").status_code == 204  # idempotent


def test_bob_can_neither_see_nor_revoke_alices_links(alice, bob, stranger):
    created = create_link(alice).json()
    assert bob.get("/api/v1/share-links").json() == []
    response = bob.delete(f"/api/v1/share-links/{created['id']}")
    assert response.status_code == 404
    assert bob.delete("/api/v1/share-links/999999").json() == response.json()
    assert stranger.get(created["url"]).status_code == 200


def test_links_need_a_session_and_the_csrf_token(alice, stranger):
    assert stranger.get("/api/v1/share-links").status_code == 401
    assert stranger.post("/api/v1/share-links", json={"label": "x", "password": PASSWORD}).status_code in (401, 403)
    del alice.headers["X-CSRF-Token"]
    assert create_link(alice).status_code == 403


def test_client_family_keeps_only_browser_and_device():
    assert share.client_family(FIREFOX_ANDROID) == {"browser": "Firefox", "device": "mobile"}
    safari_ipad = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1"
    assert share.client_family(safari_ipad) == {"browser": "Safari", "device": "tablet"}
    edge = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0"
    assert share.client_family(edge) == {"browser": "Edge", "device": "desktop"}


def test_a_view_is_recorded_only_for_a_live_link(alice, db, stranger):
    me = patient(db)
    expired = share.create_link(
        session=db, patient=me, password=PASSWORD, label="old", expires_in_days=1, now=utcnow() - timedelta(days=2)
    )
    assert stranger.get(f"/s/{expired.token}").status_code == 404
    reload(db)
    assert db.exec(select(ShareView)).all() == []


# --- Pages (no JavaScript) ---------------------------------------------------------------


def test_she_creates_a_link_with_the_form_and_sees_it_once_with_a_qr_code(alice, stranger):
    page = alice.get("/share")
    assert page.status_code == 200 and "Create a link" in page.text
    form = {
        "csrf_token": csrf_from(page.text),
        "label": "Midwife",
        "expires_in_days": "7",
        "include_notes": "yes",
        "password": PASSWORD,
    }
    created = alice.post("/share", data=form)
    assert created.status_code == 200
    url = re.search(r'id="share-url"[^>]*value="([^"]+)"', created.text).group(1)
    assert "<svg" in created.text and 'class="qr"' in created.text
    assert " style=" not in created.text and "<style" not in created.text
    assert created.headers["cache-control"] == "no-store"
    assert stranger.get(url).status_code == 200
    listing = alice.get("/share").text
    assert "Midwife" in listing and token_of(url) not in listing and "notes included" in listing


def test_the_form_asks_again_when_the_password_is_wrong(alice, db):
    token = csrf_from(alice.get("/share").text)
    response = alice.post("/share", data={"csrf_token": token, "label": "GP", "password": "wrong password"})
    assert response.status_code == 401
    assert "Your current password is not right." in response.text
    assert 'value="GP"' in response.text
    reload(db)
    assert db.exec(select(ShareLink)).all() == []


def test_the_form_explains_a_missing_label(alice):
    token = csrf_from(alice.get("/share").text)
    response = alice.post("/share", data={"csrf_token": token, "label": "", "password": PASSWORD})
    assert response.status_code == 422
    assert "Give the link a name" in response.text


def test_she_revokes_a_link_from_the_page(alice, stranger):
    created = create_link(alice).json()
    page = alice.get("/share")
    response = alice.post(f"/share/{created['id']}/revoke", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/share?revoked=1"
    assert "stopped working at once" in alice.get("/share?revoked=1").text
    assert stranger.get(created["url"]).status_code == 404


def test_bob_cannot_revoke_alices_link_from_the_page(alice, bob, stranger):
    created = create_link(alice).json()
    token = csrf_from(bob.get("/share").text)
    assert bob.post(f"/share/{created['id']}/revoke", data={"csrf_token": token}).status_code == 404
    assert stranger.get(created["url"]).status_code == 200


def test_the_share_page_needs_sign_in(app):
    response = new_client(app).get("/share")
    assert response.status_code == 303 and response.headers["location"] == "/signin"


def test_the_german_share_page_is_translated(alice, db):
    me = patient(db)
    me.locale = "de"
    db.add(me)
    db.commit()
    assert "Link erstellen" in alice.get("/share").text
