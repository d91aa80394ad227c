"""How long the clinician summary takes with two years of daily data.

Builds a fresh, migrated SQLite database with one patient who logged back and hip pain every
day for DAYS days (two entries on one day in five, a note on one in three, red-flag answers,
flag episodes with their changes and acknowledgements) and a share link, then times
`GET /s/{token}` through the whole app (ASGI test client, no network) and prints the median
and 95th percentile. Usage:

    .venv/bin/python benchmarks/summary_speed.py [--days 730] [--requests 50]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Environment, Settings
from app.main import create_app
from app.migrate import upgrade
from app.models import Acknowledgement, Entry, FlagChange, FlagEpisode, Patient, RedFlagAnswer
from app.services import share
from app.services.auth import CONSENT_VERSION
from app.services.passwords import hash_password

PASSWORD = "benchmark password 1"


def settings_for(path: Path) -> Settings:
    return Settings(
        app_env=Environment.TEST,
        database_url=f"sqlite:///{path}",
        secret_key="benchmark-secret-key-that-is-long-enough-0123",
        log_level="WARNING",
        share_views_per_minute=10_000,
    )


def seed(session: Session, days: int, rng: random.Random) -> str:
    """One patient with `days` of history; returns a share token."""
    today = datetime.now(UTC).date()
    patient = Patient(
        email="bench@example.org",
        password_hash=hash_password(PASSWORD),
        consent_version=CONSENT_VERSION,
        consent_at=datetime.now(UTC),
        delivery_date=today - timedelta(days=120),
        breastfeeding=True,
        risk_heparin=True,
    )
    session.add(patient)
    session.commit()
    for n in range(days):
        day = today - timedelta(days=n)
        for _ in range(2 if n % 5 == 0 else 1):
            session.add(entry(patient, day, rng))
        if n % 30 == 0:
            session.add(RedFlagAnswer(patient_id=patient.id, day=day, code="sudden_onset", answer=n % 60 == 0))
    session.commit()
    add_flags(session, patient, today, days)
    return share.create_link(
        session=session, patient=patient, password=PASSWORD, label="bench", include_notes=True
    ).token


def entry(patient: Patient, day, rng: random.Random) -> Entry:  # type: ignore[no-untyped-def]
    return Entry(
        id=uuid.uuid4(),
        patient_id=patient.id,
        recorded_at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=20),
        day=day,
        back_pain=min(10, max(0, round(rng.gauss(4, 1.5)))),
        hip_pain=min(10, max(0, round(rng.gauss(2, 1.2)))),
        back_region=rng.choice([None, "lower", "upper_mid"]),
        painkiller_taken=rng.random() < 0.2,
        note="slept badly after lifting the baby" if rng.random() < 0.33 else None,
        create_fingerprint=uuid.uuid4().hex,
    )


def add_flags(session: Session, patient: Patient, today, days: int) -> None:  # type: ignore[no-untyped-def]
    for start in range(20, days, 60):
        opened = today - timedelta(days=start)
        episode = FlagEpisode(patient_id=patient.id, started_on=opened, level="see_clinician")
        episode.closed_on = opened + timedelta(days=10)
        session.add(episode)
        session.commit()
        evidence = {"day": opened.isoformat(), "value": 8, "usual": 3}
        reasons = [{"rule": "N2", "site": "back", "level": "see_clinician", "evidence": evidence}]
        session.add(
            FlagChange(episode_id=episode.id, day=opened, level="see_clinician", reasons_json=json.dumps(reasons))
        )
        session.add(Acknowledgement(patient_id=patient.id, seen_on=opened + timedelta(days=1)))
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(Path(folder) / "bench.sqlite3")
        upgrade(settings)
        app = create_app(settings)
        with Session(app.state.engine) as session:
            token = seed(session, args.days, random.Random(4))
        client = TestClient(app)
        assert client.get(f"/s/{token}").status_code == 200  # warm-up: templates, catalogues
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(f"/s/{token}")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
        print(
            f"summary_speed: {args.days} days of daily data, {args.requests} requests, "
            f"SQLite, Python {platform.python_version()}"
        )
        print(
            f"  median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, page {len(response.content) // 1024} KiB"
        )


if __name__ == "__main__":
    main()
