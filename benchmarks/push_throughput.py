"""Push reminders through the worker versus a bare loop of pywebpush calls, in the same run.

The fake push service (tests/fake_push.py: it verifies every VAPID JWT and decrypts every body)
runs in its own process on loopback, so it does not compete with the measured code for the GIL.
Both legs send the same message to SUBSCRIPTIONS subscriptions with one HTTP keep-alive session:

- bare: `pywebpush.webpush(...)` in a plain loop (the floor: encryption, signing, HTTP);
- worker: `Worker.run_once()` over a fresh SQLite database (or --database-url) holding that many
  due patients: planning, claiming in batches, sending, recording outcomes.

Prints reminders per second for both and the ratio (goal: worker >= 0.70 of bare). Usage:

    .venv/bin/python benchmarks/push_throughput.py [--subscriptions 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve_fake(count: int, out: Path) -> None:
    """Child process: run the fake push service and write `count` subscriptions to `out`."""
    from tests.fake_push import FakePushService

    with FakePushService() as service:
        subscriptions = [service.subscription() for _ in range(count)]
        out.write_text(json.dumps({"origin": service.origin, "subscriptions": subscriptions}))
        sys.stdin.read()  # until the parent closes our stdin
        print(json.dumps({"received": len(service.received), "rejected": len(service.rejected)}), flush=True)


def start_fake(count: int, workdir: Path) -> tuple[subprocess.Popen, dict]:
    out = workdir / "fake.json"
    process = subprocess.Popen(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, __file__, "--serve-fake", str(count), str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    while not out.exists() or not out.stat().st_size:
        time.sleep(0.1)
    time.sleep(0.2)
    return process, json.loads(out.read_text())


def bare_loop(subscriptions: list[dict], key_pem: bytes, subject: str) -> float:
    """The floor: reminders per second of a plain pywebpush loop."""
    import requests
    from py_vapid import Vapid02
    from pywebpush import webpush

    vapid = Vapid02.from_pem(key_pem)
    http = requests.Session()
    payload = json.dumps(
        {"title": "Back & Hip Diary", "body": "Time for today's diary entry", "url": "/", "tag": "daily"}
    )
    started = time.perf_counter()
    for sub in subscriptions:
        webpush(
            sub,
            data=payload,
            vapid_private_key=vapid,
            vapid_claims={"sub": subject},
            timeout=10,
            ttl=4 * 3600,
            headers={"Urgency": "normal", "Topic": "daily"},
            requests_session=http,
        )
    return len(subscriptions) / (time.perf_counter() - started)


def seed(engine, subscriptions: list[dict], day: date) -> None:  # type: ignore[no-untyped-def]
    """One patient in week 32 (UTC) per subscription, bulk-inserted."""
    from sqlalchemy import insert, select
    from sqlmodel import Session

    from app.models import Patient, PushSubscription

    now = datetime.now(UTC)
    risks = {name: False for name in Patient.model_fields if name.startswith("risk_")}
    rows = [
        {
            "email": f"p{n}@example.org",
            "password_hash": "x",
            "created_at": now,
            "consent_version": "bench",
            "consent_at": now,
            "timezone": "UTC",
            "due_date": day + timedelta(weeks=8),
            "breastfeeding": False,
            **risks,
        }
        for n in range(len(subscriptions))
    ]
    with Session(engine) as session:
        session.execute(insert(Patient), rows)
        ids = session.execute(select(Patient.id).order_by(Patient.id)).scalars().all()
        subs = [
            {
                "patient_id": pid,
                "endpoint": s["endpoint"],
                "p256dh": s["keys"]["p256dh"],
                "auth": s["keys"]["auth"],
                "created_at": now,
                "last_seen_at": now,
            }
            for pid, s in zip(ids, subscriptions, strict=True)
        ]
        session.execute(insert(PushSubscription), subs)
        session.commit()


def worker_leg(settings, subscriptions: list[dict]) -> tuple[float, dict]:  # type: ignore[no-untyped-def]
    """Reminders per second of `Worker.run_once()` over a database of due patients."""
    from app.db import build_engine
    from app.migrate import upgrade
    from app.push.worker import Worker

    upgrade(settings)
    engine = build_engine(settings)
    evening = datetime.now(UTC).replace(hour=21, minute=0, second=0, microsecond=0)
    seed(engine, subscriptions, evening.date())
    worker = Worker(engine=engine, settings=settings, clock=lambda: evening)
    started = time.perf_counter()
    stats = worker.run_once()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return stats.outcomes.get("sent", 0) / elapsed, stats.outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--serve-fake", nargs=2, metavar=("COUNT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        serve_fake(int(args.serve_fake[0]), Path(args.serve_fake[1]))
        return

    from app.config import Environment, Settings
    from app.push.keys import generate_private_pem

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        key_file = workdir / "vapid.pem"
        key_file.write_bytes(generate_private_pem())
        fake, data = start_fake(2 * args.subscriptions, workdir)
        subs = data["subscriptions"]
        settings = Settings(
            app_env=Environment.TEST,
            database_url=args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
            secret_key="benchmark-secret-key-that-is-long-enough-0123",
            vapid_private_key_file=key_file,
            push_allowed_hosts=data["origin"],
            log_level="WARNING",
        )
        bare = bare_loop(subs[: args.subscriptions], key_file.read_bytes(), settings.vapid_subject)
        through_worker, outcomes = worker_leg(settings, subs[args.subscriptions :])
        fake.stdin.close()  # type: ignore[union-attr]
        counts = json.loads(fake.stdout.readline())  # type: ignore[union-attr]
        fake.wait(timeout=30)
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {args.subscriptions} subscriptions")
    print(f"fake push service: {counts['received']} received and decrypted, {counts['rejected']} rejected")
    print(f"worker outcomes: {outcomes}")
    print(f"bare pywebpush loop: {bare:8.1f} reminders/s")
    print(f"worker (run_once):   {through_worker:8.1f} reminders/s")
    print(f"ratio worker/bare:   {through_worker / bare:8.2f} (goal >= 0.70)")


if __name__ == "__main__":
    main()
