"""Where a save's time goes: the service calls of one API entry save, timed one by one.

    .venv/bin/python benchmarks/save_breakdown.py [--saves 300]

Runs in-process against a fresh SQLite file (same pragmas as the app), without HTTP, so the
figures exclude routing, the session/CSRF checks and JSON encoding.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.config import Environment, Settings
from app.db import build_engine, write_engine
from app.i18n import translations
from app.migrate import upgrade
from app.models import Patient
from app.schemas import EntryCreate
from app.services import entries, flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=300)
    saves = parser.parse_args().saves
    folder = tempfile.mkdtemp(prefix="bhd-breakdown-")
    settings = Settings(app_env=Environment.TEST, database_url=f"sqlite:///{folder}/b.sqlite3", secret_key="x" * 40)
    upgrade(settings)
    engine = build_engine(settings)
    with Session(write_engine(engine)) as db:
        patient = Patient(email="b@example.org", password_hash="-", consent_version="v", consent_at=datetime.now(UTC))
        db.add(patient)
        db.commit()
        patient_id = patient.id
    totals: dict[str, float] = {}

    def timed(name: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = call()
        totals[name] = totals.get(name, 0.0) + time.perf_counter() - started
        return result

    gettext = translations("en").gettext
    for _ in range(saves):
        with Session(write_engine(engine), expire_on_commit=False) as db:
            me = timed("load the patient (BEGIN IMMEDIATE)", lambda db=db: db.get(Patient, patient_id))
            body = {
                "id": str(uuid.uuid4()),
                "recorded_at": datetime.now(UTC).isoformat(),
                "back_pain": 5,
                "hip_pain": 2,
            }
            data = timed("validate the body", lambda body=body: EntryCreate.model_validate(body))
            timed(
                "insert, replay, store flags, commit",
                lambda db=db, me=me, data=data: entries.create_entry(
                    session=db, patient=me, data=data, gettext=gettext
                ),
            )
            timed(  # the same replay again, on the saved diary: what the replay alone costs
                "(of which replay + flags, about)",
                lambda db=db, me=me: flags.refresh(session=db, patient=me, gettext=gettext),
            )
    print(f"{saves} saves, mean per save:")
    for name, seconds in totals.items():
        print(f"  {name:<36}{seconds / saves * 1000:7.2f} ms")
    total = sum(seconds for name, seconds in totals.items() if not name.startswith("("))
    print(f"  {'total':<36}{total / saves * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
