"""Erasure: deleting the account removes everything about her at once, and on SQLite the bytes
are really gone from the database files (secure_delete, then a WAL checkpoint)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, func, select

from app.models import (
    Acknowledgement,
    AuthSession,
    Entry,
    FlagChange,
    FlagEpisode,
    Patient,
    RedFlagAnswer,
    ShareLink,
    ShareView,
    utcnow,
)
from tests.conftest import PASSWORD, entry_body, reload
from tests.test_pages import csrf_from


def fill_her_record(client, db: Session, marker: str) -> str:  # type: ignore[no-untyped-def]
    """Alice's entries, answers, flag, acknowledgement and a viewed link, each carrying `marker`
    where there is text. Returns the link's URL."""
    assert client.post("/api/v1/entries", json=entry_body(note=f"note {marker}", back_pain=9)).status_code == 201
    me = db.exec(select(Patient).where(Patient.email == "alice@example.org")).one()
    today = utcnow().date()
    db.add(RedFlagAnswer(patient_id=me.id, day=today, code="height_loss", answer=True))
    db.add(Acknowledgement(patient_id=me.id, seen_on=today))
    episode = FlagEpisode(patient_id=me.id, started_on=today - timedelta(days=1), level="urgent")
    db.add(episode)
    db.commit()
    reasons = [{"rule": "RF-H", "site": "back", "level": "urgent", "evidence": {"day": today.isoformat(), "m": marker}}]
    db.add(FlagChange(episode_id=episode.id, day=today, level="urgent", reasons_json=json.dumps(reasons)))
    db.commit()
    created = client.post("/api/v1/share-links", json={"label": f"Dr {marker}", "password": PASSWORD})
    assert created.status_code == 201
    return created.json()["url"]


def database_files(database_url: str) -> list[Path]:
    main = Path(make_url(database_url).database or "")
    return [path for path in (main, Path(f"{main}-wal"), Path(f"{main}-shm")) if path.exists()]


def test_deleting_the_account_leaves_no_byte_of_her_notes_on_disk(settings, engine, alice, db, stranger):
    if not settings.is_sqlite:
        pytest.skip("a file-level scan is SQLite-specific; this leg runs on PostgreSQL")
    marker = f"FORENSIC-{uuid.uuid4().hex}"
    url = fill_her_record(alice, db, marker)
    assert stranger.get(url).status_code == 200
    db.close()
    engine.dispose()
    before = b"".join(path.read_bytes() for path in database_files(settings.database_url))
    assert marker.encode() in before  # the scan would see it if it were there

    assert alice.request("DELETE", "/api/v1/account", json={"password": PASSWORD}).status_code == 204
    engine.dispose()
    with sqlite3.connect(make_url(settings.database_url).database) as connection:
        assert connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
    for path in database_files(settings.database_url):
        assert marker.encode() not in path.read_bytes(), path.name


def test_her_old_links_and_sessions_stop_working_at_once(alice, db, stranger):
    url = fill_her_record(alice, db, "gone")
    stranger.get(url)
    page = alice.get("/account")
    response = alice.post("/account/delete", data={"csrf_token": csrf_from(page.text), "password": PASSWORD})
    assert response.status_code == 303
    assert stranger.get(url).status_code == 404
    alice.cookies.clear()  # the page cleared the cookie; replaying the old one must not work either
    reload(db)
    assert db.exec(select(func.count()).select_from(AuthSession)).one() == 0


def test_every_table_about_her_is_empty_after_deletion(alice, db):
    fill_her_record(alice, db, "empty")
    assert alice.request("DELETE", "/api/v1/account", json={"password": PASSWORD}).status_code == 204
    reload(db)
    for table in (Patient, Entry, RedFlagAnswer, Acknowledgement, FlagEpisode, FlagChange, ShareLink, ShareView):
        assert db.exec(select(func.count()).select_from(table)).one() == 0, table.__tablename__


def test_every_table_with_her_data_cascades_from_the_patient():
    """A new table holding her data must hang off `patient` (directly or through a parent) with
    ON DELETE CASCADE, or deletion would leave it behind."""
    unrelated = {"patient", "login_throttle", "share_rate_limit", "alembic_version"}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in unrelated:
            continue
        keys = list(table.foreign_keys)
        assert keys, f"{table.name} has no link to a patient"
        assert all(key.ondelete == "CASCADE" for key in keys), table.name
