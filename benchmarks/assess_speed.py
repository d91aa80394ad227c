"""How long `assess` takes on two years of daily entries (goal: under 5 ms on 730 days).

Run from the repository root:  .venv/bin/python benchmarks/assess_speed.py [--runs 300]

Four diaries of 730 days with both sites logged every day (fixed seeds):
- "median": usual back pain around 3 and hip around 1 (near the median benign woman of the
  evaluation cohort), with day-to-day noise and a short flare about every two weeks;
- "typical": the same with usual back pain around 4.5 and hip around 2 (more flags);
- "flaring": the same plus a three-point, nine-day rise every 90 days (8 episodes);
- "stress": pain wandering between 3 and 9 so that some rule is open most of the time and the
  Theil-Sen/Mann-Kendall trend tests run on most days (a worst case, not a realistic diary).
Each is assessed `--runs` times after a warm-up; the median and the 99th percentile are printed,
as wall-clock time and as this process's CPU time (less disturbed by other work on the machine).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.trend import DayRecord, assess, episodes

TODAY = date(2026, 6, 30)
DAYS = 730


def clamp(x: float) -> int:
    return max(0, min(10, round(x)))


def typical(seed: int, bump: float = 0.0, back: float = 4.5, hip: float = 2.0) -> list[DayRecord]:
    """Daily entries: AR(1) noise around a usual level, short flares, optional 90-day bumps."""
    rng = random.Random(seed)
    noise_back = noise_hip = 0.0
    records = []
    for n in range(DAYS):
        noise_back = 0.45 * noise_back + rng.gauss(0, 0.9)
        noise_hip = 0.45 * noise_hip + rng.gauss(0, 0.7)
        flare = rng.uniform(1.5, 3.0) if rng.random() < 0.4 / 7 else 0.0
        rise = bump if n % 90 >= 81 else 0.0
        day = TODAY - timedelta(days=DAYS - 1 - n)
        records.append(DayRecord(day, clamp(back + noise_back + flare + rise), clamp(hip + noise_hip)))
    return records


def stress(seed: int) -> list[DayRecord]:
    rng = random.Random(seed)
    records = []
    for n in range(DAYS):
        level = 6 + 3 * ((n // 20) % 2) * (n % 20) / 20 - 1.5 * (n % 7 == 0)
        day = TODAY - timedelta(days=DAYS - 1 - n)
        records.append(DayRecord(day, clamp(level + rng.gauss(0, 1)), clamp(level - 1 + rng.gauss(0, 1))))
    return records


def timings(records: list[DayRecord], runs: int, clock: Callable[[], float]) -> tuple[float, float]:
    """(median, p99) of `assess` in milliseconds over `runs` runs after 5 warm-up runs."""
    for _ in range(5):
        assess(records, today=TODAY)
    samples = []
    for _ in range(runs):
        start = clock()
        assess(records, today=TODAY)
        samples.append((clock() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.99 * len(samples)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    print(f"assess() on {DAYS} days of daily entries (back and hip), {args.runs} runs each")
    print(f"{'diary':<10} {'median ms':>10} {'p99 ms':>8} {'CPU median':>11} {'CPU p99':>8} {'episodes':>9}  level")
    for name, records in (
        ("median", typical(1, back=3.0, hip=1.0)),
        ("typical", typical(1)),
        ("flaring", typical(1, bump=3.0)),
        ("stress", stress(2)),
    ):
        med, p99 = timings(records, args.runs, time.perf_counter)
        cpu_med, cpu_p99 = timings(records, args.runs, time.process_time)
        count = len(episodes(records, today=TODAY))
        level = assess(records, today=TODAY).level
        print(f"{name:<10} {med:>10.2f} {p99:>8.2f} {cpu_med:>11.2f} {cpu_p99:>8.2f} {count:>9}  {level}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.2f}; goal: under 5 ms")


if __name__ == "__main__":
    main()
