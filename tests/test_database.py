"""The database layer: SQLite pragmas, IMMEDIATE write transactions, 503 when locked or full,
migrations that match the models and round-trip."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from app.db import build_engine, write_engine
from app.main import create_app
from app.migrate import downgrade, upgrade
from app.models import Entry
from tests.conftest import entry_body, make_patient, make_settings, new_client, reload, sign_in


def needs_sqlite(settings) -> None:  # type: ignore[no-untyped-def]
    if not settings.is_sqlite:
        pytest.skip("SQLite-specific; this leg runs on PostgreSQL")


def test_sqlite_connections_are_durable_and_strict(settings, engine):
    needs_sqlite(settings)
    with engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "secure_delete")
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "secure_delete": 1,
    }


def test_write_sessions_begin_immediate(settings, engine):
    needs_sqlite(settings)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with write_engine(engine).begin() as connection:
        connection.execute(text("SELECT 1"))
    with engine.begin() as connection:
        connection.execute(text("SELECT 1"))
    assert "BEGIN IMMEDIATE" in statements and "BEGIN" in statements


def _hold_write_lock(path: str) -> sqlite3.Connection:
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def test_a_locked_database_answers_503_with_retry_after_and_writes_nothing(tmp_path, sqlite_template, db):
    import shutil

    path = tmp_path / "locked.sqlite3"
    shutil.copyfile(sqlite_template, path)
    settings = make_settings(f"sqlite:///{path}", sqlite_busy_timeout_ms=200)
    app = create_app(settings)
    with app.state.engine.connect():
        pass
    from sqlmodel import Session

    with Session(app.state.engine) as session:
        make_patient(session, "alice@example.org")
    client = new_client(app)
    sign_in(client, "alice@example.org")
    blocker = _hold_write_lock(str(path))
    try:
        response = client.post("/api/v1/entries", json=entry_body())
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["detail"]["code"] == "database_busy"
    assert client.get("/api/v1/entries").json() == []


def test_a_full_database_answers_503_and_keeps_no_half_row(settings, app, engine, db, alice):
    needs_sqlite(settings)

    @event.listens_for(engine, "connect")
    def _tiny(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()  # reconnect with the limit in place
    big_note = "x" * 2000
    responses = [alice.post("/api/v1/entries", json=entry_body(note=big_note)).status_code for _ in range(40)]
    assert 503 in responses
    assert set(responses) <= {201, 503}
    reload(db)
    saved = db.exec(select(Entry)).all()
    assert len(saved) == responses.count(201)
    assert all(e.note == big_note for e in saved)


def test_an_entry_and_its_flag_history_are_saved_together_or_not_at_all(settings, engine, db, alice):
    """A real database fault while the flag history is written (a trigger refusing the episode
    row) must take the entry with it: an error answer means nothing was saved, and the phone's
    retry of the same request then saves it exactly once."""
    needs_sqlite(settings)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse_episodes BEFORE INSERT ON flag_episode BEGIN SELECT RAISE(ABORT, 'fault'); END"
        )
    body = entry_body(back_pain=9, red_flags=["saddle_numbness"])  # an emergency: an episode opens
    with pytest.raises(IntegrityError):  # the test client re-raises what the app answered 500 for
        alice.post("/api/v1/entries", json=body)
    reload(db)
    assert db.exec(select(Entry)).all() == []
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER refuse_episodes")
    retried = alice.post("/api/v1/entries", json=body)
    assert retried.status_code == 201 and retried.json()["assessment"]["level"] == "emergency"
    reload(db)
    assert [str(e.id) for e in db.exec(select(Entry)).all()] == [body["id"]]


def test_healthz_answers_when_the_database_does(stranger):
    assert stranger.get("/healthz").json() == {"status": "ok"}


def test_the_models_and_the_migrations_agree(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_migrations_round_trip(tmp_path, postgres_url):
    if postgres_url:
        settings = make_settings(postgres_url)
        downgrade(settings)
        with build_engine(settings).connect() as connection:
            left = connection.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname='public'")).scalar()
        assert left == 1  # only alembic_version
        upgrade(settings)
        return
    settings = make_settings(f"sqlite:///{tmp_path / 'round.sqlite3'}")
    upgrade(settings)
    downgrade(settings)
    engine = build_engine(settings)
    with engine.connect() as connection:
        tables = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").scalars().all()
    assert tables == ["alembic_version"]
    upgrade(settings)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    engine.dispose()


def test_the_app_never_creates_tables_itself():
    import pathlib

    source = "\n".join(p.read_text() for p in pathlib.Path("app").rglob("*.py"))
    assert "create_all" not in source


def test_an_unreachable_database_answers_503_not_500(tmp_path):
    app = create_app(make_settings("postgresql+psycopg://nobody:nothing@127.0.0.1:9/none?connect_timeout=1"))
    client = new_client(app)
    client.cookies.set("bhd_session", "some-session")
    for path in ("/healthz", "/api/v1/entries", "/history"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "5"
