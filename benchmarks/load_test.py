"""Open-loop load test: a fixed request rate of a realistic mix against the real server on loopback.

The server (`python -m app serve`, WORKERS uvicorn processes (default one), SQLite in WAL with synchronous=FULL in a
temporary directory) is seeded with PATIENTS patients, each with HISTORY_DAYS days of daily
entries and one clinician share link. Requests are then *scheduled* at RATE per second for
SECONDS seconds, whatever the answers do (open loop): a slow server makes requests queue, and
each latency is measured from the moment the request was due, so it includes that queueing.

The mix (weights): patients logging an entry (POST /api/v1/entries) 40, viewing their diary page
(GET /history) 20 and the API list (GET /api/v1/entries) 20, clinicians opening a summary
(GET /s/{token}) 20. Usage:

    .venv/bin/python benchmarks/load_test.py [--rate 50] [--seconds 30] [--patients 5] [--history-days 90] [--workers 1]

Prints the throughput achieved, p50/p95/p99 per request kind, errors by status, and the entry
rows written versus the entries acknowledged (201). Only loopback; it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from bench_support import free_port, insert_daily_entries

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load test password 1"
SECRET = "load-test-secret-key-load-test-secret-key"
TIMEOUT_SECONDS = 30.0  # a phone gives up after this; counted as an error ("ReadTimeout")
MIX = (("log entry", 40), ("GET /history", 20), ("GET /api/v1/entries", 20), ("GET /s/{token}", 20))


def server_env(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "APP_ENV": "test",
        "SECRET_KEY": SECRET,
        "BASE_URL": "http://127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "RUN_WORKER_IN_PROCESS": "false",
        "SHARE_VIEWS_PER_MINUTE": "10000",  # every clinician here comes from 127.0.0.1
    }


def seed(database: Path, patients: int, history_days: int, rng: random.Random) -> list[tuple[str, str]]:
    """Patients with history and one share link each, written with the app's own services.

    Returns (email, share token) per patient."""
    sys.path.insert(0, str(ROOT))
    from sqlmodel import Session

    from app.config import Settings
    from app.db import build_engine
    from app.models import Patient
    from app.services import share
    from app.services.auth import CONSENT_VERSION
    from app.services.passwords import hash_password

    settings = Settings(app_env="test", database_url=f"sqlite:///{database}", secret_key=SECRET)  # type: ignore[arg-type]
    engine = build_engine(settings)
    password_hash = hash_password(PASSWORD)
    seeded: list[tuple[str, str]] = []
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        for number in range(patients):
            email = f"load{number}@example.org"
            patient = Patient(
                email=email,
                password_hash=password_hash,
                consent_version=CONSENT_VERSION,
                consent_at=now,
                timezone="Europe/Berlin",
                due_date=(now + timedelta(weeks=rng.randint(2, 20))).date(),
            )
            session.add(patient)
            session.commit()
            link = share.create_link(session=session, patient=patient, password=PASSWORD, label="Midwife")
            seeded.append((email, link.token))
    engine.dispose()
    with sqlite3.connect(database) as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM patient ORDER BY id")]
        for patient_id in ids:
            insert_daily_entries(
                connection, patient_id, history_days, rng, now, back=(1, 6), hip=(0, 4), jitter_hours=6
            )
    return seeded


def start_server(database: Path, port: int, log: Path, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "app", "serve", "--port", str(port), "--no-migrate", "--workers", str(workers)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=server_env(database), stdout=out, stderr=out)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    acknowledged: set[str] = field(default_factory=set)
    sent_entries: int = 0
    late_starts: int = 0  # requests the client itself sent more than 10 ms after they were due
    finished_at: float = 0.0


async def run_load(
    base: str, seeded: list[tuple[str, str]], rate: float, seconds: float, rng: random.Random
) -> tuple[Results, float]:
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    timeout = httpx.Timeout(TIMEOUT_SECONDS)
    patients: list[httpx.AsyncClient] = []
    for email, _ in seeded:
        client = httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout)
        signed = await client.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
        signed.raise_for_status()
        client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
        patients.append(client)
    clinician = httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout)
    tokens = [token for _, token in seeded]
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    results = Results()

    async def one(kind: str, due: float, who: int) -> None:
        if time.perf_counter() - due > 0.010:
            results.late_starts += 1
        client = patients[who]
        try:
            if kind == "log entry":
                body = {
                    "id": str(uuid.uuid4()),
                    "recorded_at": datetime.now(UTC).isoformat(),
                    "back_pain": rng.randint(0, 10),
                    "hip_pain": rng.randint(0, 10),
                }
                results.sent_entries += 1
                response = await client.post("/api/v1/entries", json=body)
                if response.status_code == 201:
                    results.acknowledged.add(str(body["id"]))
            elif kind == "GET /history":
                response = await client.get("/history")
            elif kind == "GET /api/v1/entries":
                response = await client.get("/api/v1/entries")
            else:
                response = await clinician.get(f"/s/{tokens[who]}")
            status = str(response.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        results.latencies[kind].append(time.perf_counter() - due)
        results.statuses[kind][status] += 1
        results.finished_at = max(results.finished_at, time.perf_counter())

    total = int(rate * seconds)
    tasks = []
    started = time.perf_counter()
    for number in range(total):
        due = started + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind = rng.choices(kinds, weights)[0]
        tasks.append(asyncio.create_task(one(kind, due, rng.randrange(len(patients)))))
    await asyncio.gather(*tasks)
    for client in [*patients, clinician]:
        await client.aclose()
    return results, started


def percentile(ordered: list[float], fraction: float) -> float:
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second, scheduled (open loop)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--patients", type=int, default=5)
    parser.add_argument("--history-days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=1, help="server processes (python -m app serve --workers)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bhd-load-"))
    database = workdir / "load.sqlite3"
    process = None
    try:
        subprocess.run(
            [sys.executable, "-m", "app", "migrate"],
            cwd=ROOT,
            env=server_env(database),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seeded = seed(database, args.patients, args.history_days, rng)
        with sqlite3.connect(database) as connection:
            rows_before = connection.execute("SELECT COUNT(*) FROM entry").fetchone()[0]
        port = free_port()
        process = start_server(database, port, workdir / "server.log", args.workers)
        results, started = asyncio.run(run_load(f"http://127.0.0.1:{port}", seeded, args.rate, args.seconds, rng))
        stop(process)  # it may still be working through requests the client gave up on
        process = None
        with sqlite3.connect(database) as connection:
            ids = {uuid.UUID(hex=row[0]).hex for row in connection.execute("SELECT id FROM entry")}
            rows_after = len(ids)
            integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(workdir, ignore_errors=True)

    elapsed = results.finished_at - started
    completed = sum(len(v) for v in results.latencies.values())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"offered: {args.rate:g} req/s for {args.seconds:g} s ({int(args.rate * args.seconds)} requests, open loop); "
        f"{args.patients} patients with {args.history_days} days of history, one share link each; "
        f"{args.workers} server process(es)"
    )
    print(f"achieved: {completed} requests in {elapsed:.1f} s = {completed / elapsed:.1f} req/s")
    print(f"requests the client itself started >10 ms late: {results.late_starts}")
    print(f"{'kind':<22}{'count':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}  statuses")
    for kind, _ in MIX:
        ordered = sorted(results.latencies[kind])
        if not ordered:
            continue
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(results.statuses[kind].items()))
        print(
            f"{kind:<22}{len(ordered):>7}{percentile(ordered, 0.50) * 1000:>10.1f}"
            f"{percentile(ordered, 0.95) * 1000:>10.1f}{percentile(ordered, 0.99) * 1000:>10.1f}  {statuses}"
        )
    errors = Counter()
    for kind, counter in results.statuses.items():
        for status, count in counter.items():
            if not status.startswith("2"):
                errors[f"{kind} {status}"] += count
    print(f"errors: {dict(errors) or 'none'}")
    written = rows_after - rows_before
    acknowledged = {uuid.UUID(i).hex for i in results.acknowledged}
    print(
        f"entries: {results.sent_entries} sent, {len(acknowledged)} acknowledged (201), {written} rows written; "
        f"acknowledged but missing: {len(acknowledged - ids)}; integrity_check: {integrity}"
    )


if __name__ == "__main__":
    main()
