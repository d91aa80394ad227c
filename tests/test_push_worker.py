"""The reminder worker: plans, claims and sends through the database; exactly once with many workers."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time as clock
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlmodel import Session, func, select

from app.db import build_engine
from app.models import FlagNotification, Patient, PushSubscription, Reminder
from app.push.sender import Outcome, PushMessage, SendResult, Target
from app.push.worker import MAX_ATTEMPTS, Worker
from app.services.auth import CONSENT_VERSION
from tests.conftest import make_entry, make_patient, reload

DAY = date(2026, 6, 10)
BERLIN = ZoneInfo("Europe/Berlin")
EVENING = datetime(2026, 6, 10, 21, 0, tzinfo=BERLIN).astimezone(UTC)  # after her 20:00 reminder


def pregnant(db: Session, email: str, **fields: object) -> Patient:
    """A patient in week 32 on DAY, in Berlin."""
    values = {"timezone": "Europe/Berlin", "due_date": DAY + timedelta(weeks=8), **fields}
    return make_patient(db, email, **values)


def subscribe(db: Session, patient: Patient, subscription: dict) -> PushSubscription:
    row = PushSubscription(
        patient_id=patient.id,  # type: ignore[arg-type]
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
    )
    db.add(row)
    db.commit()
    return row


def worker(engine, settings, now: datetime = EVENING, **kw: object) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(engine=engine, settings=settings, clock=lambda: now, **kw)  # type: ignore[arg-type]


def reminders_in(db: Session) -> list[Reminder]:
    reload(db)
    return list(db.exec(select(Reminder)))


def test_a_due_reminder_reaches_her_phone_once_without_health_data(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org", locale="de")
    sub = fake_push.subscription()
    subscribe(db, alice, sub)
    make_entry(db, alice, day=DAY - timedelta(days=1), back_pain=9, note="secret-note")
    stats = worker(engine, push_settings).run_once()
    assert stats.outcomes == {"sent": 1}
    [message] = fake_push.messages_for(sub["endpoint"])
    assert message.payload == {
        "title": "Rücken- & Hüft-Tagebuch",  # in her language
        "body": "Zeit für den heutigen Tagebucheintrag",
        "url": "/",
        "tag": "daily",
    }
    assert worker(engine, push_settings).run_once().outcomes == {}  # the next round: nothing new
    assert worker(engine, push_settings, EVENING + timedelta(hours=2)).run_once().outcomes == {}
    [row] = reminders_in(db)
    assert (row.day, row.kind, row.outcome) == (DAY, "daily", "sent") and row.sent_at is not None


def test_no_reminder_before_her_time_or_once_she_has_logged(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org")
    subscribe(db, alice, fake_push.subscription())
    assert worker(engine, push_settings, EVENING - timedelta(hours=2)).run_once().planned == 0
    make_entry(db, alice, day=DAY)
    assert worker(engine, push_settings).run_once().planned == 0
    assert fake_push.requests == 0


def test_a_reminder_planned_before_she_logged_is_skipped(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org")
    subscribe(db, alice, fake_push.subscription())
    db.add(Reminder(patient_id=alice.id, day=DAY, kind="daily", due_at=EVENING))  # type: ignore[arg-type]
    db.commit()
    make_entry(db, alice, day=DAY)
    assert worker(engine, push_settings).run_once().outcomes == {"skipped": 1}
    assert fake_push.requests == 0


def test_outside_the_windows_only_when_she_opted_in(engine, push_settings, fake_push, db):
    early = make_patient(db, "early@example.org", timezone="Europe/Berlin", due_date=DAY + timedelta(weeks=20))
    subscribe(db, early, fake_push.subscription())
    assert worker(engine, push_settings).run_once().planned == 0
    from app.models import ReminderPreference

    db.add(ReminderPreference(patient_id=early.id, outside_windows=True))  # type: ignore[arg-type]
    db.commit()
    assert worker(engine, push_settings).run_once().outcomes == {"sent": 1}


def test_a_gone_subscription_is_deleted_and_the_other_phone_still_gets_it(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org")
    old, new = fake_push.subscription(), fake_push.subscription()
    subscribe(db, alice, old)
    subscribe(db, alice, new)
    fake_push.answer(410, endpoint=old["endpoint"])
    assert worker(engine, push_settings).run_once().outcomes == {"sent": 1}
    reload(db)
    assert [s.endpoint for s in db.exec(select(PushSubscription))] == [new["endpoint"]]


def test_429_waits_for_retry_after_then_sends(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org")
    sub = fake_push.subscription()
    subscribe(db, alice, sub)
    fake_push.answer(429, endpoint=sub["endpoint"], headers={"Retry-After": "600"})
    assert worker(engine, push_settings).run_once().outcomes == {"retry": 1}
    [row] = reminders_in(db)
    assert row.sent_at is None and row.due_at == EVENING + timedelta(seconds=600)
    assert worker(engine, push_settings, EVENING + timedelta(seconds=599)).run_once().outcomes == {}
    assert worker(engine, push_settings, EVENING + timedelta(seconds=600)).run_once().outcomes == {"sent": 1}
    assert len(fake_push.messages_for(sub["endpoint"])) == 1


def test_server_errors_retry_with_backoff_and_give_up_in_the_end(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org")
    sub = fake_push.subscription()
    subscribe(db, alice, sub)
    fake_push.answer(500, endpoint=sub["endpoint"], times=MAX_ATTEMPTS)
    now = EVENING
    for attempt in range(1, MAX_ATTEMPTS + 1):
        stats = worker(engine, push_settings, now).run_once()
        [row] = reminders_in(db)
        if attempt < MAX_ATTEMPTS:
            assert stats.outcomes == {"retry": 1} and row.due_at > now
            now = row.due_at
    assert (row.outcome, row.attempts) == ("failed", MAX_ATTEMPTS) and row.sent_at is not None


def test_a_configuration_error_is_logged_and_deletes_nothing(engine, push_settings, fake_push, db, caplog):
    alice = pregnant(db, "alice@example.org")
    sub = fake_push.subscription()
    subscribe(db, alice, sub)
    fake_push.answer(403, endpoint=sub["endpoint"])
    assert worker(engine, push_settings).run_once().outcomes == {"config_error": 1}
    assert "VAPID" in caplog.text and sub["endpoint"] not in caplog.text
    reload(db)
    assert db.exec(select(func.count()).select_from(PushSubscription)).one() == 1


def notification(db: Session, patient: Patient, kind: str, day: date = DAY, level: str = "urgent") -> FlagNotification:
    row = FlagNotification(patient_id=patient.id, day=day, kind=kind, level=level, episode_start=day)  # type: ignore[arg-type]
    db.add(row)
    db.commit()
    return row


def test_the_detectors_notifications_are_sent_for_her_today_only(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org")
    sub = fake_push.subscription()
    subscribe(db, alice, sub)
    make_entry(db, alice, day=DAY)  # she logged today: no daily reminder, but the flag push goes out
    new = notification(db, alice, "new")
    stale = notification(db, alice, "new", day=DAY - timedelta(days=1), level="see_clinician")
    assert worker(engine, push_settings).run_once().notifications == 1
    [message] = fake_push.messages_for(sub["endpoint"])
    assert message.payload["title"] == "Please open your diary" and message.payload["url"] == "/"
    assert message.headers["urgency"] == "high"
    reload(db)
    assert db.get(FlagNotification, new.id).sent_at is not None
    assert db.get(FlagNotification, stale.id).sent_at is None
    assert worker(engine, push_settings).run_once().notifications == 0


def test_a_check_in_is_skipped_when_she_has_already_logged(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org")
    subscribe(db, alice, fake_push.subscription())
    make_entry(db, alice, day=DAY)
    check_in = notification(db, alice, "check_in", level="watch")
    worker(engine, push_settings).run_once()
    assert fake_push.requests == 0
    reload(db)
    assert db.get(FlagNotification, check_in.id).sent_at is not None


def test_a_notification_that_failed_for_now_is_retried(engine, push_settings, fake_push, db):
    alice = pregnant(db, "alice@example.org")
    sub = fake_push.subscription()
    subscribe(db, alice, sub)
    make_entry(db, alice, day=DAY)
    fake_push.answer(503, endpoint=sub["endpoint"])
    emergency = notification(db, alice, "emergency", level="emergency")
    worker(engine, push_settings).run_once()
    reload(db)
    assert db.get(FlagNotification, emergency.id).sent_at is None
    worker(engine, push_settings, EVENING + timedelta(minutes=1)).run_once()
    reload(db)
    assert db.get(FlagNotification, emergency.id).sent_at is not None
    assert len(fake_push.messages_for(sub["endpoint"])) == 1


# --- Many workers at once ------------------------------------------------------------------


class CountingSender:
    """Stands in for the push seam when only "how many times was each sent" matters (thread-safe).

    With `workers` > 1, each worker's first send waits until every worker has claimed a batch and
    reached its first send, so "both took a share" does not depend on thread scheduling."""

    def __init__(self, workers: int = 1) -> None:
        self.sent: list[str] = []
        self._lock = threading.Lock()
        self._all_started = threading.Barrier(workers, timeout=120)
        self._started = threading.local()

    def send(self, target: Target, message: PushMessage) -> SendResult:
        if not getattr(self._started, "done", False):
            self._started.done = True
            self._all_started.wait()
        clock.sleep(0.0005)  # a little network time, so the workers interleave
        with self._lock:
            self.sent.append(target.endpoint)
        return SendResult(Outcome.DELIVERED, 201)


def many_patients(db: Session, count: int, endpoint_of) -> None:  # type: ignore[no-untyped-def]
    """`count` patients in week 32, each with one subscription (bulk inserts: argon2 would take minutes)."""
    now = datetime.now(UTC)
    patients = [
        {
            "email": f"p{n}@example.org",
            "password_hash": "x",
            "created_at": now,
            "consent_version": CONSENT_VERSION,
            "consent_at": now,
            "timezone": "Europe/Berlin",
            "due_date": DAY + timedelta(weeks=8),
            "breastfeeding": False,
            **{field: False for field in Patient.model_fields if field.startswith("risk_")},
        }
        for n in range(count)
    ]
    db.execute(insert(Patient), patients)
    ids = db.exec(select(Patient.id).order_by(Patient.id)).all()
    subs = []
    for patient_id in ids:
        sub = endpoint_of()
        subs.append(
            {
                "patient_id": patient_id,
                "endpoint": sub["endpoint"],
                "p256dh": sub["keys"]["p256dh"],
                "auth": sub["keys"]["auth"],
                "created_at": now,
                "last_seen_at": now,
            }
        )
    db.execute(insert(PushSubscription), subs)
    db.commit()


def run_workers_at_once(settings, count: int, make_worker) -> None:  # type: ignore[no-untyped-def]
    """`count` workers, each with its own engine (its own connections), started together."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        engine = build_engine(settings)
        try:
            start.wait()
            make_worker(engine).run_once()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []


def test_two_workers_at_once_send_each_of_thousands_of_reminders_exactly_once(engine, push_settings, db):
    total = 3000
    n = iter(range(total))
    key = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}
    many_patients(db, total, lambda: {"endpoint": f"https://fcm.googleapis.com/fcm/send/{next(n)}", "keys": key})
    sender = CountingSender(workers=2)
    run_workers_at_once(push_settings, 2, lambda e: worker(e, push_settings, sender=sender, batch_size=50))
    assert len(sender.sent) == total and len(set(sender.sent)) == total
    reload(db)
    assert db.exec(select(func.count()).select_from(Reminder).where(Reminder.outcome == "sent")).one() == total
    claimed_by = db.exec(select(Reminder.claimed_by).distinct()).all()
    assert len(claimed_by) == 2, "both workers should have taken a share"


def test_two_workers_through_the_fake_push_service_deliver_each_once(engine, push_settings, fake_push, db):
    total = 200
    many_patients(db, total, fake_push.subscription)
    run_workers_at_once(push_settings, 2, lambda e: worker(e, push_settings, batch_size=10))
    assert fake_push.rejected == []
    tokens = [m.token for m in fake_push.received]
    assert len(tokens) == total and len(set(tokens)) == total


# --- Running it ---------------------------------------------------------------------------


def test_the_loop_stops_when_asked(engine, push_settings):
    stop = threading.Event()
    loop = threading.Thread(target=worker(engine, push_settings).run, args=(stop, 0.05))
    loop.start()
    clock.sleep(0.2)
    stop.set()
    loop.join(timeout=5)
    assert not loop.is_alive()


def test_the_worker_command_stops_cleanly_on_sigterm(push_settings, engine):
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": push_settings.database_url,
        "SECRET_KEY": push_settings.secret_key,
        "VAPID_PRIVATE_KEY_FILE": str(push_settings.vapid_private_key_file),
        "LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "worker", "--interval", "0.2"], env=env, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        seen = ""
        while "reminder worker started" not in seen:
            seen = lines.get(timeout=20)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=5)
    assert "reminder worker stopped" in "".join(lines.queue)


def test_vapid_keys_command_writes_a_usable_key(tmp_path, capsys):
    from app.cli import main
    from app.push.keys import public_key_of

    path = tmp_path / "keys" / "vapid.pem"
    assert main(["vapid-keys", str(path)]) == 0
    assert public_key_of(path.read_bytes()) in capsys.readouterr().out
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("entry", ["http://127.0.0.1:8123", "https://fcm.googleapis.com"])
def test_production_accepts_only_https_push_hosts_and_needs_a_key(tmp_path, entry):
    from tests.conftest import make_settings

    key = tmp_path / "vapid.pem"
    key.write_text("x")
    production = {"app_env": "production", "base_url": "https://diary.example", "vapid_private_key_file": key}
    with pytest.raises(ValueError, match="PUSH_ALLOWED_HOSTS"):
        make_settings("sqlite:///:memory:", **production, push_allowed_hosts=f"fcm.googleapis.com,{entry}")
    with pytest.raises(ValueError, match="VAPID_PRIVATE_KEY_FILE"):
        make_settings("sqlite:///:memory:", **{**production, "vapid_private_key_file": None})


def test_the_web_process_runs_the_worker_only_when_configured_and_never_in_tests(push_settings, engine):
    import threading as threads

    from fastapi.testclient import TestClient

    from app.main import create_app

    def running() -> bool:
        return any(t.name == "reminder-worker" for t in threads.enumerate())

    with TestClient(create_app(push_settings, engine)):
        assert not running()  # APP_ENV=test
    development = push_settings.model_copy(update={"app_env": "development"})
    with TestClient(create_app(development, engine)):
        assert running()
    assert not running()  # stopped with the app
    quiet = development.model_copy(update={"run_worker_in_process": False})
    with TestClient(create_app(quiet, engine)):
        assert not running()
