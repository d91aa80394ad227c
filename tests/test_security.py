"""Headers, CSRF, logs: the health-data rules that cut across every route."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import PASSWORD, entry_body, make_patient, new_client


def test_pages_send_a_strict_csp_and_no_store(alice):
    response = alice.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/signup", "/signin", "/about", "/consent"])
def test_pages_have_no_inline_script_or_style(stranger, path):
    html = stranger.get(path).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script>"
    assert "<style" not in html and " style=" not in html and "onclick" not in html
    assert "https://" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_api_unsafe_requests_need_the_csrf_token(alice):
    del alice.headers["X-CSRF-Token"]
    assert alice.post("/api/v1/entries", json=entry_body()).status_code == 403
    alice.headers["X-CSRF-Token"] = "forged"
    assert alice.post("/api/v1/entries", json=entry_body()).status_code == 403
    assert alice.get("/api/v1/entries").json() == []


def test_a_cross_site_origin_is_refused(alice):
    response = alice.post("/api/v1/entries", json=entry_body(), headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_forms_need_the_csrf_token(app, db):
    make_patient(db, "alice@example.org")
    browser = new_client(app)
    page = browser.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    no_token = browser.post("/signin", data={"email": "alice@example.org", "password": PASSWORD})
    assert no_token.status_code == 403
    browser.cookies.clear()
    stolen = browser.post("/signin", data={"email": "alice@example.org", "password": PASSWORD, "csrf_token": token})
    assert stolen.status_code == 403  # the token without its cookie is useless


def test_signed_in_forms_need_the_session_token(alice):
    response = alice.post("/entries", data={"back_pain": "5"}, headers={"X-CSRF-Token": ""})
    assert response.status_code == 403


def test_a_plain_form_post_to_the_json_api_is_refused(stranger):
    response = stranger.post("/api/v1/sessions", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 415


def test_logs_carry_no_health_data_emails_or_tokens(app, db, caplog):
    make_patient(db, "alice@example.org")
    client = new_client(app)
    with caplog.at_level(logging.INFO, logger="app"):
        signed = client.post("/api/v1/sessions", json={"email": "alice@example.org", "password": PASSWORD})
        client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
        body = entry_body(back_pain=9, note="secret-note-text")
        client.post("/api/v1/entries", json=body)
        client.get(f"/api/v1/entries/{body['id']}")
        client.post("/api/v1/entries", json={**body, "back_pain": 11})
    logged = "\n".join(record.getMessage() + str(getattr(record, "fields", "")) for record in caplog.records)
    assert "/api/v1/entries/{entry_id}" in logged  # the route template, not the id
    for secret in ("alice@example.org", "secret-note-text", body["id"], client.cookies.get("bhd_session"), PASSWORD):
        assert secret not in logged


def test_openapi_is_served_in_test_and_off_in_production(stranger, tmp_path):
    assert stranger.get("/api/openapi.json").status_code == 200
    from app.main import create_app
    from tests.conftest import make_settings

    key_file = tmp_path / "vapid.pem"  # production refuses to start without a VAPID key file
    key_file.write_text("not read by this test")
    production = make_settings(
        "sqlite:///:memory:", app_env="production", base_url="https://diary.example", vapid_private_key_file=key_file
    )
    assert new_client(create_app(production)).get("/api/openapi.json").status_code == 404


def test_production_refuses_to_start_without_a_real_secret():
    from tests.conftest import make_settings

    with pytest.raises(ValueError, match="SECRET_KEY"):
        make_settings("sqlite:///:memory:", app_env="production", secret_key="changeme", base_url="https://x.example")


def test_cookies_are_secure_when_served_over_https(settings, engine):
    from app.main import create_app
    from tests.conftest import make_settings

    secure = make_settings(settings.database_url, base_url="https://diary.example")
    app = create_app(secure, engine)
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="https://diary.example")
    response = client.get("/signin")
    assert "__Host-bhd_csrf" in response.headers["set-cookie"] and "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_a_null_origin_from_our_own_form_is_accepted_with_the_token(app, db):
    """Chromium sends `Origin: null` on form posts under `Referrer-Policy: no-referrer`."""
    make_patient(db, "alice@example.org")
    browser = new_client(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signin").text).group(1)
    form = {"email": "alice@example.org", "password": PASSWORD, "csrf_token": token}
    assert browser.post("/signin", data=form, headers={"Origin": "null"}).status_code == 303


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/"),  # a page
        ("GET", "/api/v1/entries"),  # JSON
        ("GET", "/api/v1/entries/not-a-uuid"),  # an API error
        ("GET", "/no-such-page"),  # a 404
        ("DELETE", "/history"),  # a 405
        ("GET", "/s/unknown-token"),  # the clinician link's 404
        ("GET", "/sw.js"),
        ("GET", "/manifest.webmanifest"),
        ("GET", "/static/app.css"),
    ],
)
def test_every_response_carries_the_security_headers(alice, method, path):
    response = alice.request(method, path)
    headers = response.headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert {"camera=()", "microphone=()", "geolocation=()"} <= set(headers["permissions-policy"].split(", "))
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    if path in ("/sw.js", "/manifest.webmanifest"):
        assert headers["cache-control"] == "no-cache"  # no health data; always revalidated
    elif not path.startswith("/static/"):
        assert "no-store" in headers["cache-control"]  # pages, API and errors may carry health data
