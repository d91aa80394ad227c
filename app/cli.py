"""The command line: `python -m app serve|migrate|demo|backup|worker|vapid-keys` (also installed as `backhip`)."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from app.config import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.migrate import upgrade

    if not args.no_migrate:
        upgrade()
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        access_log=False,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from app.migrate import downgrade, upgrade

    if args.revision.startswith("-") or args.revision == "base":
        downgrade(revision=args.revision)
    else:
        upgrade(revision=args.revision)
    print(f"database at revision {args.revision}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from app.demo import create_demo_patient

    email, password = create_demo_patient(email=args.email)
    print(f"Demo patient ready. Sign in at {get_settings().base_url}/signin")
    print(f"  email:    {email}")
    print(f"  password: {password}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    """A consistent online copy of the SQLite database (SQLite's backup API; safe while serving)."""
    settings = get_settings()
    if not settings.is_sqlite:
        print("backup works on SQLite; for PostgreSQL use pg_dump (see README)")
        return 2
    source = sqlite3.connect(make_url(settings.database_url).database or "")
    target_path = Path(args.path)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(target_path)
    with target:
        source.backup(target)
    source.close()
    target.close()
    target_path.chmod(0o600)
    print(f"backup written to {target_path}")
    return 0


def _worker(args: argparse.Namespace) -> int:
    """The reminder worker: `--once` does what is due and exits; otherwise it loops until SIGTERM/SIGINT."""
    import logging
    import signal
    import threading

    from app.db import get_engine
    from app.push.worker import Worker

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    worker = Worker(engine=get_engine(), settings=settings)
    if args.once:
        stats = worker.run_once()
        print(f"planned {stats.planned}, outcomes {stats.outcomes}, notifications {stats.notifications}")
        return 0
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())  # finish the batch in hand, then exit
    worker.run(stop, interval=args.interval)
    return 0


def _vapid_keys(args: argparse.Namespace) -> int:
    """Print a new VAPID private key (PEM) and its public key; with PATH, write the key there (mode 600)."""
    from app.push.keys import generate_private_pem, public_key_of

    pem = generate_private_pem()
    if args.path:
        path = Path(args.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pem)
        path.chmod(0o600)
        print(f"private key written to {path}; set VAPID_PRIVATE_KEY_FILE={path}")
    else:
        print(pem.decode(), end="")
    print(f"public key: {public_key_of(pem)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Back & Hip Diary")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="proxies trusted for X-Forwarded-For")
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    serve.set_defaults(handler=_serve)
    migrate = commands.add_parser("migrate", help="apply migrations (or go back to a revision)")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(handler=_migrate)
    demo = commands.add_parser("demo", help="create a demo patient with ten weeks of history")
    demo.add_argument("--email", default="demo@example.invalid")
    demo.set_defaults(handler=_demo)
    backup = commands.add_parser("backup", help="copy the SQLite database to PATH while it runs")
    backup.add_argument("path")
    backup.set_defaults(handler=_backup)
    worker = commands.add_parser("worker", help="send due push reminders (loops until SIGTERM)")
    worker.add_argument("--once", action="store_true", help="send what is due now, then exit")
    worker.add_argument("--interval", type=float, default=30.0, help="seconds between rounds")
    worker.set_defaults(handler=_worker)
    vapid = commands.add_parser("vapid-keys", help="generate a VAPID key pair for push reminders")
    vapid.add_argument("path", nargs="?", help="write the private key (PEM) to this file")
    vapid.set_defaults(handler=_vapid_keys)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
