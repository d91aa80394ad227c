"""Twenty identical entry requests at once, through a real server: exactly one row."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import Session, func, select

from app.models import Entry
from tests.conftest import PASSWORD, entry_body, make_patient, reload
from tests.live_server import serve

CONCURRENT = 20


def test_twenty_concurrent_identical_creations_leave_exactly_one_row(app, db: Session):
    make_patient(db, "alice@example.org")
    body = entry_body(back_pain=6)
    with serve(app) as base_url, httpx.Client(base_url=base_url) as signer:
        signed = signer.post("/api/v1/sessions", json={"email": "alice@example.org", "password": PASSWORD})
        cookies, csrf = dict(signer.cookies), signed.json()["csrf_token"]

        def post(_: int) -> int:
            with httpx.Client(base_url=base_url, cookies=cookies, headers={"X-CSRF-Token": csrf}) as client:
                return client.post("/api/v1/entries", json=body, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            statuses = list(pool.map(post, range(CONCURRENT)))
    assert sorted(statuses) == [200] * (CONCURRENT - 1) + [201]
    reload(db)
    assert db.exec(select(func.count()).select_from(Entry)).one() == 1


def test_concurrent_different_bodies_for_one_id_give_one_winner_and_conflicts(app, db: Session):
    make_patient(db, "alice@example.org")
    base = entry_body()
    with serve(app) as base_url, httpx.Client(base_url=base_url) as signer:
        signed = signer.post("/api/v1/sessions", json={"email": "alice@example.org", "password": PASSWORD})
        cookies, csrf = dict(signer.cookies), signed.json()["csrf_token"]

        def post(score: int) -> int:
            with httpx.Client(base_url=base_url, cookies=cookies, headers={"X-CSRF-Token": csrf}) as client:
                return client.post("/api/v1/entries", json={**base, "back_pain": score}, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(post, range(10)))
    assert statuses.count(201) == 1 and statuses.count(409) == 9
    reload(db)
    assert db.exec(select(func.count()).select_from(Entry)).one() == 1
