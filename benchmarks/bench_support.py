"""What the HTTP benchmarks share: a free loopback port and daily entries written straight into
a migrated SQLite file (the app's own code would replay the detector on every one)."""

from __future__ import annotations

import random
import socket
import sqlite3
import uuid
from datetime import datetime, timedelta

INSERT_ENTRY = (
    "INSERT INTO entry (id, patient_id, recorded_at, day, back_pain, hip_pain, red_flags, create_fingerprint,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def insert_daily_entries(
    connection: sqlite3.Connection,
    patient_id: int,
    days: int,
    rng: random.Random,
    now: datetime,
    *,
    back: tuple[int, int],
    hip: tuple[int, int],
    jitter_hours: int = 0,
) -> None:
    """One entry a day for the `days` days before `now`, scores drawn from `back` and `hip`
    (inclusive ranges), each recorded up to `jitter_hours` earlier in its day."""
    rows = []
    for days_ago in range(days, 0, -1):
        hours = rng.randint(0, jitter_hours) if jitter_hours else 0
        moment = now - timedelta(days=days_ago, hours=hours)
        stamp = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        scores = (rng.randint(*back), rng.randint(*hip))
        rows.append(
            (
                uuid.uuid4().hex,
                patient_id,
                stamp,
                moment.date().isoformat(),
                *scores,
                "",
                uuid.uuid4().hex,
                stamp,
                stamp,
            )
        )
    connection.executemany(INSERT_ENTRY, rows)
