"""No form or `next`-style parameter sends her off-site, before or after sign-in; the session
cookie set by the sign-in form is HttpOnly and SameSite; another patient's link id is 404."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, make_patient, new_client
from tests.test_pages import csrf_from

OFF_SITE = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    " //evil.example",
    "http:evil.example",
]


def _stays_on_site(response) -> None:  # type: ignore[no-untyped-def]
    location = response.headers.get("location")
    if location is None:
        return
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_redirects_off_site(stranger, alice, target):
    for client in (stranger, alice):
        token = csrf_from(client.get("/about").text)
        response = client.post("/language", data={"lang": "de", "next": target, "csrf_token": token})
        assert response.status_code == 303
        _stays_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_and_sign_up_ignore_next_parameters(app, db, target):
    make_patient(db, "alice@example.org")
    browser = new_client(app)
    token = csrf_from(browser.get(f"/signin?next={target}").text)
    form = {"email": "alice@example.org", "password": PASSWORD, "csrf_token": token, "next": target}
    signed_in = browser.post(f"/signin?next={target}", data=form)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    followed = browser.get(signed_in.headers["location"] + f"?next={target}")
    _stays_on_site(followed)
    newcomer = new_client(app)
    token = csrf_from(newcomer.get(f"/signup?next={target}").text)
    form = {"email": "new@example.org", "password": PASSWORD, "consent": "yes", "csrf_token": token, "next": target}
    signed_up = newcomer.post(f"/signup?next={target}", data=form)
    assert signed_up.status_code == 303
    _stays_on_site(signed_up)


@pytest.mark.parametrize("path", ["/history", "/profile", "/account", "/share", "/reminders", "/red-flags"])
def test_pages_that_need_sign_in_redirect_only_to_our_sign_in_page(stranger, path):
    response = stranger.get(f"{path}?next=https://evil.example")
    assert response.status_code == 303 and response.headers["location"] == "/signin"


def test_the_sign_in_form_sets_an_httponly_samesite_session_cookie_and_rotates_it(app, db):
    make_patient(db, "alice@example.org")
    browser = new_client(app)
    token = csrf_from(browser.get("/signin").text)
    form = {"email": "alice@example.org", "password": PASSWORD, "csrf_token": token}
    first = browser.post("/signin", data=form)
    cookie = first.headers["set-cookie"]
    assert "bhd_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
    old = browser.cookies.get("bhd_session")
    again = browser.post("/signin", data={**form, "csrf_token": csrf_from(new_client(app).get("/signin").text)})
    assert again.status_code in (303, 403)  # either refused (token) or a fresh session id
    if again.status_code == 303:
        assert browser.cookies.get("bhd_session") != old


def test_another_patients_share_link_is_404_and_a_stranger_is_401_first(alice, bob, stranger):
    created = alice.post("/api/v1/share-links", json={"label": "GP", "password": PASSWORD})
    link_id = created.json()["id"]
    assert stranger.delete(f"/api/v1/share-links/{link_id}").status_code in (401, 403)
    assert stranger.delete(f"/api/v1/share-links/{link_id}", headers={"X-CSRF-Token": "x"}).status_code == 403
    assert bob.delete(f"/api/v1/share-links/{link_id}").status_code == 404
    assert all(link["id"] != link_id for link in bob.get("/api/v1/share-links").json())


def test_the_clinician_page_carries_the_strict_csp(alice, stranger):
    url = alice.post("/api/v1/share-links", json={"label": "GP", "password": PASSWORD}).json()["url"]
    for response in (stranger.get(urlsplit(url).path), stranger.get("/s/" + "A" * 43)):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "set-cookie" not in response.headers
