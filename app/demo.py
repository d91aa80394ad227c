"""A demo patient with a realistic ten-week history, so a newcomer sees a living diary.

She was pregnant for the first six weeks of the history (from 34 weeks), gave birth four
weeks ago and is breastfeeding. Ordinary pregnancy back pain around 3-5 with day-to-day noise,
a few missed days, some mild hip pain, easing after birth, then a sharp rise in the last days.
"""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.db import write_session
from app.domain.diary_day import local_today
from app.models import Entry, Patient, utcnow
from app.services import flags
from app.services.auth import CONSENT_VERSION
from app.services.passwords import hash_password

TIMEZONE = "Europe/Berlin"
HISTORY_DAYS = 70
BIRTH_DAYS_AGO = 28


def _back_score(days_ago: int, rng: random.Random) -> int:
    level = 4.0 if days_ago > BIRTH_DAYS_AGO else 3.0
    if days_ago <= 3:
        level = 7.5  # the recent rise the detector is there to notice
    return max(0, min(10, round(level + rng.gauss(0, 0.9))))


def _entries(patient_id: int, today, rng: random.Random) -> list[Entry]:  # type: ignore[no-untyped-def]
    zone = ZoneInfo(TIMEZONE)
    rows = []
    for days_ago in range(HISTORY_DAYS, -1, -1):
        if days_ago and rng.random() < 0.15:
            continue  # a missed day
        day = today - timedelta(days=days_ago)
        recorded = min(datetime.combine(day, time(20, rng.randrange(60)), zone).astimezone(UTC), utcnow())
        hip = max(0, min(10, round(2 + rng.gauss(0, 1.0)))) if days_ago > BIRTH_DAYS_AGO else None
        rows.append(
            Entry(
                id=uuid.uuid4(),
                patient_id=patient_id,
                recorded_at=recorded,
                day=day,
                back_pain=_back_score(days_ago, rng),
                hip_pain=hip,
                create_fingerprint=secrets.token_hex(32),
                back_region="lower" if days_ago > 3 else "upper_mid",
                woke_at_night=True if days_ago <= 3 else None,
            )
        )
    return rows


def create_demo_patient(*, email: str = "demo@example.invalid", seed: int = 7) -> tuple[str, str]:
    """Create (or re-create) the demo patient; returns her email and a fresh password."""
    password = secrets.token_urlsafe(12)
    today = local_today(utcnow(), TIMEZONE)
    with write_session() as session:
        old = session.exec(select(Patient).where(Patient.email == email)).first()
        if old is not None:
            session.delete(old)
            session.flush()
        patient = Patient(
            email=email,
            password_hash=hash_password(password),
            consent_version=CONSENT_VERSION,
            consent_at=utcnow(),
            due_date=today - timedelta(days=BIRTH_DAYS_AGO - 5),
            delivery_date=today - timedelta(days=BIRTH_DAYS_AGO),
            breastfeeding=True,
            timezone=TIMEZONE,
            first_pregnancy=True,
        )
        session.add(patient)
        session.flush()
        session.add_all(_entries(patient.id, today, random.Random(seed)))
        session.commit()
        flags.refresh(session=session, patient=patient)  # her flag history, as if logged day by day
    return email, password
