"""Engines and sessions.

SQLite is configured for durability (WAL, synchronous=FULL, foreign keys, secure_delete,
busy_timeout). The pysqlite driver's own transaction handling is switched off so that we emit
BEGIN ourselves: write sessions begin IMMEDIATE, because a deferred transaction that later writes
ignores busy_timeout and fails at once with "database is locked".
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.config import Settings, get_settings

WRITE_OPTION = "bhd_write"
THREADPOOL_THREADS = 40  # AnyIO's default worker threads, which run FastAPI's sync code
POSTGRES_POOL_SIZE = 10
POSTGRES_CONNECTIONS_PER_PROCESS = 2 * THREADPOOL_THREADS


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


class _WriterQueue:
    """One writer at a time within this process, queued in Python.

    SQLite's own busy handler polls with growing sleeps (up to 100 ms), so threads of one
    process contending for the write lock waste most of their time asleep. Queuing them on a
    lock first hands the database over the moment a commit finishes. Other processes still
    meet `busy_timeout`, and a writer that waits longer than that here gets the same
    "database is locked" error (answered 503).
    """

    def __init__(self, timeout_seconds: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout_seconds

    def acquire(self, record: Any) -> None:
        if record.info.get("holds_writer_lock"):
            return  # this connection already holds it (a second transaction before check-in)
        if not self._lock.acquire(timeout=self._timeout):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        record.info["holds_writer_lock"] = True

    def release(self, record: Any) -> None:
        if record.info.pop("holds_writer_lock", False):
            self._lock.release()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    writers = _WriterQueue(busy_timeout_ms / 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see module doc)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        if not immediate:
            connection.exec_driver_sql("BEGIN")
            return
        record = connection.connection._connection_record
        writers.acquire(record)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            writers.release(record)
            raise

    # The lock is handed over when the connection returns to the pool, right after COMMIT.
    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        writers.release(record)

    @event.listens_for(engine.pool, "reset")
    def _on_reset(_dbapi_connection, record, _state=None) -> None:  # type: ignore[no-untyped-def]
        writers.release(record)


def build_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = _sqlite_file(settings.database_url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # A file's pool has no cap: a request keeps its connection until FastAPI has validated
        # the response on another thread-pool hop; with a capped pool, threads waiting for a
        # connection starve those requests of a thread and everything stalls for the pool
        # timeout (30 s). (":memory:" uses a pool without overflow.)
        pool_args: dict[str, Any] = {"max_overflow": -1} if path is not None else {}
        engine = create_engine(
            settings.database_url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
            **pool_args,
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    # Enough connections for every worker thread to hold two (a request's session and a session
    # touch): a thread then never waits for a connection held by a request that waits for a
    # thread. Size PostgreSQL's max_connections for processes x POSTGRES_CONNECTIONS_PER_PROCESS.
    overflow = POSTGRES_CONNECTIONS_PER_PROCESS - POSTGRES_POOL_SIZE
    return create_engine(settings.database_url, pool_pre_ping=True, pool_size=POSTGRES_POOL_SIZE, max_overflow=overflow)


@lru_cache
def get_engine() -> Engine:
    return build_engine(get_settings())


def write_engine(engine: Engine) -> Engine:
    """The same pool, but every transaction begins IMMEDIATE on SQLite (a no-op elsewhere)."""
    return engine.execution_options(**{WRITE_OPTION: True})


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose transaction takes the write lock up front; commits on success."""
    with Session(write_engine(engine or get_engine()), expire_on_commit=False) as session:
        yield session
        session.commit()
