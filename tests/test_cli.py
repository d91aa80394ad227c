"""The command line: migrate, demo and backup against a real SQLite file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "APP_ENV": "test",
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "cli-test-secret-key-cli-test-secret-key",
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_demo_and_backup(tmp_path):
    assert run_cli(tmp_path, "migrate").returncode == 0
    demo = run_cli(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "demo@example.invalid" in demo.stdout and "password:" in demo.stdout
    backup = tmp_path / "backups" / "copy.sqlite3"
    assert run_cli(tmp_path, "backup", str(backup)).returncode == 0
    with sqlite3.connect(backup) as connection:
        days = connection.execute("SELECT COUNT(DISTINCT day) FROM entry").fetchone()[0]
        span = connection.execute("SELECT julianday(MAX(day)) - julianday(MIN(day)) FROM entry").fetchone()[0]
    assert days >= 50 and span >= 69  # ten weeks of history with a few missed days
    assert oct(backup.stat().st_mode)[-3:] == "600"


def test_running_demo_twice_replaces_the_demo_patient(tmp_path):
    run_cli(tmp_path, "migrate")
    assert run_cli(tmp_path, "demo").returncode == 0
    assert run_cli(tmp_path, "demo").returncode == 0
    with sqlite3.connect(tmp_path / "cli.sqlite3") as connection:
        assert connection.execute("SELECT COUNT(*) FROM patient").fetchone()[0] == 1


def test_the_demo_patient_has_her_flag_history(tmp_path):
    run_cli(tmp_path, "migrate")
    assert run_cli(tmp_path, "demo").returncode == 0
    with sqlite3.connect(tmp_path / "cli.sqlite3") as connection:
        levels = [row[0] for row in connection.execute("SELECT level FROM flag_episode")]
    assert levels  # her recent sharp rise raised a flag
