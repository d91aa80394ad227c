"""Entry creation through the real stack versus the bare floor, in the same run.

Each server runs in its own process (uvicorn, one worker) on loopback; this process drives it
with CONCURRENCY clients posting REQUESTS new entries (after a warm-up), then prints requests per
second and p50/p99 latency for both, and the ratio. Usage:

    .venv/bin/python benchmarks/entry_throughput.py [--requests 3000] [--concurrency 8] [--history-days 730]

`--history-days N` gives the benchmark patient N days of earlier entries first, so each save
also pays for assessing a long diary (the detector replays her whole history after a save).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from bench_support import free_port, insert_daily_entries

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password 1"


def start_server(target: str, env: dict[str, str], port: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def body() -> dict[str, object]:
    return {"id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC).isoformat(), "back_pain": 5, "hip_pain": 2}


async def drive(base_url: str, requests: int, concurrency: int, cookies=None, headers=None) -> list[float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    remaining = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base_url, cookies=cookies, headers=headers, limits=limits) as client:

        async def worker() -> None:
            for _ in remaining:
                started = time.perf_counter()
                response = await client.post("/api/v1/entries", json=body())
                latencies.append(time.perf_counter() - started)
                if response.status_code != 201:
                    raise RuntimeError(f"unexpected status {response.status_code}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def measure(base_url: str, requests: int, concurrency: int, **client) -> dict[str, float]:  # type: ignore[no-untyped-def]
    asyncio.run(drive(base_url, min(300, requests), concurrency, **client))  # warm-up
    started = time.perf_counter()
    latencies = asyncio.run(drive(base_url, requests, concurrency, **client))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": requests / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


def seed_history(database: Path, days: int) -> None:
    """Give the (only) patient `days` days of daily entries before today, written directly."""
    import random
    import sqlite3

    with sqlite3.connect(database) as connection:
        patient_id = connection.execute("SELECT id FROM patient").fetchone()[0]
        insert_daily_entries(
            connection, patient_id, days, random.Random(42), datetime.now(UTC), back=(1, 5), hip=(0, 3)
        )


def real_stack(workdir: Path, requests: int, concurrency: int, history_days: int) -> dict[str, float]:
    env = {
        "DATABASE_URL": f"sqlite:///{workdir / 'real.sqlite3'}",
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "benchmark-secret-key-benchmark-secret-key",
        "BASE_URL": "http://127.0.0.1",
    }
    subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    process = start_server("app.main:app", env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        httpx.post(
            f"{base}/api/v1/accounts", json={"email": "bench@example.org", "password": PASSWORD, "consent": True}
        )
        if history_days:
            seed_history(workdir / "real.sqlite3", history_days)
        signed = httpx.post(f"{base}/api/v1/sessions", json={"email": "bench@example.org", "password": PASSWORD})
        cookies = dict(signed.cookies)
        headers = {"X-CSRF-Token": signed.json()["csrf_token"]}
        return measure(base, requests, concurrency, cookies=cookies, headers=headers)
    finally:
        process.terminate()
        process.wait()


def floor(workdir: Path, requests: int, concurrency: int) -> dict[str, float]:
    port = free_port()
    env = {"FLOOR_DB": str(workdir / "floor.sqlite3"), "PYTHONPATH": str(ROOT / "benchmarks")}
    process = start_floor(env, port)
    try:
        return measure(f"http://127.0.0.1:{port}", requests, concurrency)
    finally:
        process.terminate()
        process.wait()


def start_floor(env: dict[str, str], port: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "floor_app:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--app-dir",
        str(ROOT / "benchmarks"),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.post(f"http://127.0.0.1:{port}/", json={"warm": True}, timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("floor did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--history-days", type=int, default=0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bhd-bench-"))
    try:
        floor_figures = floor(workdir, args.requests, args.concurrency)
        real_figures = real_stack(workdir, args.requests, args.concurrency, args.history_days)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"requests: {args.requests} per server after warm-up, concurrency {args.concurrency}, "
        f"patient history: {args.history_days} days"
    )
    print(f"{'server':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, figures in (("floor", floor_figures), ("real stack", real_figures)):
        print(f"{name:<12}{figures['rps']:>10.0f}{figures['p50_ms']:>10.1f}{figures['p99_ms']:>10.1f}")
    print(f"real/floor throughput ratio: {real_figures['rps'] / floor_figures['rps']:.2f} (goal >= 0.50)")


if __name__ == "__main__":
    main()
