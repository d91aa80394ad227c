"""Accounts and sessions through the API: sign-up, sign-in, sign-out, rotation, timeouts, throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.models import AuthSession, Entry, LoginThrottle, Patient, RedFlagAnswer
from app.services.auth import CONSENT_VERSION, token_hash
from tests.conftest import PASSWORD, entry_body, make_patient, new_client, reload, sign_in
from tests.test_pages import csrf_from


def signup(client, email="carol@example.org", password=PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/accounts", json={"email": email, "password": password, "consent": True, **extra})


def test_sign_up_records_consent_and_hashes_the_password(stranger, db: Session):
    response = signup(stranger, email="Carol@Example.org", timezone="Europe/Berlin")
    assert response.status_code == 201
    patient = db.exec(select(Patient)).one()
    assert patient.email == "carol@example.org"
    assert patient.consent_version == CONSENT_VERSION and patient.consent_at is not None
    assert patient.password_hash.startswith("$argon2id$")
    assert PASSWORD not in patient.password_hash


def test_sign_up_without_consent_is_refused(stranger, db: Session):
    response = stranger.post(
        "/api/v1/accounts", json={"email": "c@example.org", "password": PASSWORD, "consent": False}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "consent_required"
    assert db.exec(select(Patient)).first() is None


def test_a_taken_email_is_409(stranger):
    signup(stranger)
    assert signup(stranger, email="CAROL@example.org").status_code == 409


def test_a_short_password_is_refused(stranger):
    response = signup(stranger, password="short")
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "password_too_short"
    assert "short" not in response.json()["detail"][0]["msg"].replace("too short", "")


@pytest.mark.parametrize(
    "password",
    ["password123!", "qwertzuiop1", "1234567890", "iloveyou12345", "P@ssw0rd2020", "carol@example.org1"],
)
def test_a_common_leaked_or_email_based_password_is_refused(stranger, db: Session, password):
    response = signup(stranger, password=password)
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["detail"]] == ["password_too_easy"]
    assert password not in response.text
    assert db.exec(select(Patient)).all() == []


def test_a_new_password_must_not_be_easy_to_guess_either(alice):
    body = {"current_password": PASSWORD, "new_password": "password1234"}
    response = alice.put("/api/v1/account/password", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "password_too_easy"
    assert alice.get("/api/v1/profile").status_code == 200  # nothing changed: her session lives on


def test_the_sign_up_form_explains_an_easy_password_in_german(stranger, db: Session):
    page = stranger.get("/signup", headers={"Accept-Language": "de"})
    form = {"email": "dana@example.org", "password": "passwort1234", "consent": "yes"}
    form["csrf_token"] = csrf_from(page.text)
    response = stranger.post("/signup", data=form, headers={"Accept-Language": "de"})
    assert response.status_code == 422
    assert "Dieses Passwort ist zu leicht zu erraten" in response.text
    assert 'aria-invalid="true" aria-describedby="password-error"' in response.text
    assert db.exec(select(Patient)).all() == []


def test_sign_in_sets_an_httponly_samesite_cookie(stranger, db: Session):
    signup(stranger)
    response = stranger.post("/api/v1/sessions", json={"email": "carol@example.org", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert response.json()["csrf_token"]
    token = stranger.cookies.get("bhd_session")
    stored = db.exec(select(AuthSession)).one()
    assert stored.token_hash == token_hash(token) and stored.token_hash != token


def test_wrong_password_and_unknown_email_look_the_same(stranger):
    signup(stranger)
    wrong = stranger.post("/api/v1/sessions", json={"email": "carol@example.org", "password": "wrong password!"})
    unknown = stranger.post("/api/v1/sessions", json={"email": "nobody@example.org", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_sign_in_rotates_the_session_id(alice, db: Session):
    old = alice.cookies.get("bhd_session")
    sign_in(alice, "alice@example.org")
    new = alice.cookies.get("bhd_session")
    assert new != old
    reload(db)
    assert db.get(AuthSession, token_hash(old)) is None
    assert db.get(AuthSession, token_hash(new)) is not None


def test_sign_out_destroys_the_session_on_the_server(alice, db: Session):
    token = alice.cookies.get("bhd_session")
    assert alice.delete("/api/v1/sessions/current").status_code == 204
    reload(db)
    assert db.get(AuthSession, token_hash(token)) is None
    replay = new_client(alice.app)
    replay.cookies.set("bhd_session", token)
    assert replay.get("/api/v1/profile").status_code == 401


@pytest.mark.parametrize("field", ["last_seen_at", "created_at"])
def test_idle_and_absolute_timeouts_end_a_session(alice, db: Session, field):
    row = db.exec(select(AuthSession)).one()
    setattr(row, field, getattr(row, field) - timedelta(days=91))
    db.add(row)
    db.commit()
    assert alice.get("/api/v1/profile").status_code == 401


def test_throttling_stops_guessing_but_not_the_owner_elsewhere(app, db: Session):
    make_patient(db, "dana@example.org")
    attacker = new_client(app)
    for _ in range(5):
        attacker.post("/api/v1/sessions", json={"email": "dana@example.org", "password": "guess guess guess"})
    blocked = attacker.post("/api/v1/sessions", json={"email": "dana@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    # The owner, on her own device (another client address), still gets in.
    from fastapi.testclient import TestClient

    owner = TestClient(app, client=("203.0.113.7", 50000), follow_redirects=False)
    assert owner.post("/api/v1/sessions", json={"email": "dana@example.org", "password": PASSWORD}).status_code == 200


def test_the_throttle_stores_no_email(app, db: Session):
    client = new_client(app)
    client.post("/api/v1/sessions", json={"email": "erin@example.org", "password": "whatever whatever"})
    rows = db.exec(select(LoginThrottle)).all()
    assert rows and all("erin" not in row.key for row in rows)


def test_password_change_needs_the_current_password_and_signs_out_other_sessions(app, alice, db: Session):
    other = new_client(app)
    sign_in(other, "alice@example.org")
    wrong = alice.put(
        "/api/v1/account/password", json={"current_password": "nope nope nope", "new_password": "a new password 1"}
    )
    assert wrong.status_code == 401
    changed = alice.put(
        "/api/v1/account/password", json={"current_password": PASSWORD, "new_password": "a new password 1"}
    )
    assert changed.status_code == 200
    alice.headers["X-CSRF-Token"] = changed.json()["csrf_token"]
    assert alice.get("/api/v1/profile").status_code == 200
    assert other.get("/api/v1/profile").status_code == 401
    assert sign_in(new_client(app), "alice@example.org", "a new password 1")


def test_deleting_the_account_erases_everything(alice, bob, db: Session):
    alice.post("/api/v1/entries", json=entry_body(red_flags=["new_limp"]))
    bob.post("/api/v1/entries", json=entry_body())
    alice_id = db.exec(select(Patient).where(Patient.email == "alice@example.org")).one().id
    assert alice.request("DELETE", "/api/v1/account", json={"password": "wrong password"}).status_code == 401
    assert alice.request("DELETE", "/api/v1/account", json={"password": PASSWORD}).status_code == 204
    reload(db)
    assert [p.email for p in db.exec(select(Patient)).all()] == ["bob@example.org"]
    assert len(db.exec(select(Entry)).all()) == 1
    assert all(s.patient_id != alice_id for s in db.exec(select(AuthSession)).all())
    assert db.exec(select(RedFlagAnswer)).all() == []
    assert alice.get("/api/v1/profile").status_code == 401


def test_profile_round_trips_and_refuses_a_future_birth(alice):
    profile = alice.get("/api/v1/profile").json()
    profile.update({"breastfeeding": True, "risk_heparin": True, "first_pregnancy": True, "locale": "de"})
    assert alice.put("/api/v1/profile", json=profile).status_code == 200
    assert alice.get("/api/v1/profile").json()["risk_heparin"] is True
    future = {**profile, "delivery_date": "2999-01-01"}
    response = alice.put("/api/v1/profile", json=future)
    assert response.status_code == 422 and response.json()["detail"]["code"] == "delivery_in_future"
    assert alice.get("/api/v1/profile").json()["delivery_date"] is None


def test_an_unknown_timezone_is_refused(alice):
    profile = {**alice.get("/api/v1/profile").json(), "timezone": "Mars/Olympus"}
    response = alice.put("/api/v1/profile", json=profile)
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "timezone_unknown"


def test_an_unsafe_request_on_a_session_due_for_a_touch_still_succeeds(alice, db: Session):
    row = db.exec(select(AuthSession)).one()
    row.last_seen_at -= timedelta(minutes=30)
    stale = row.last_seen_at
    db.add(row)
    db.commit()
    assert alice.post("/api/v1/entries", json=entry_body()).status_code == 201
    reload(db)
    assert db.exec(select(AuthSession)).one().last_seen_at > stale + timedelta(minutes=29)
