"""The reminder worker: plans due reminders, claims them through the database and sends them.

Run it as `python -m app worker` (any number of processes, on SQLite or PostgreSQL), `--once`
for cron and tests, or in-process with the web server (RUN_WORKER_IN_PROCESS). SIGTERM ends
the loop after the batch in hand. Exactly-once rests on the database (services/reminders.py).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from app.config import Settings
from app.db import read_session, write_session
from app.domain.reminders import retry_delay
from app.models import PushSubscription, utcnow
from app.push.keys import vapid_keys
from app.push.messages import push_message
from app.push.sender import Outcome, PushSender, SendResult, Target
from app.services import push as push_service
from app.services import reminders
from app.services.reminders import Claimed

log = logging.getLogger("app.worker")
MAX_ATTEMPTS = 8  # transient failures before a reminder is given up (about 2 hours of backoff)
DEFAULT_INTERVAL_SECONDS = 30.0


@dataclass
class TickStats:
    planned: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    notifications: int = 0

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


@dataclass
class _Delivery:
    """What sending one reminder to all her devices came to."""

    results: list[SendResult]
    gone: list[int]

    def outcome(self) -> Outcome | None:
        kinds = {r.outcome for r in self.results}
        for outcome in (Outcome.DELIVERED, Outcome.RETRY, Outcome.CONFIG_ERROR, Outcome.REFUSED, Outcome.GONE):
            if outcome in kinds:
                return outcome
        return None

    def retry_after(self) -> float | None:
        waits = [r.retry_after for r in self.results if r.retry_after is not None]
        return max(waits) if waits else None


def _target(row: PushSubscription) -> Target:
    return Target(endpoint=row.endpoint, p256dh=row.p256dh, auth=row.auth)


class Worker:
    """One worker: `run_once()` does everything due now; `run(stop)` repeats until `stop` is set."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        sender: PushSender | None = None,
        batch_size: int = 100,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine, self.settings, self.batch_size, self.clock = engine, settings, batch_size, clock
        self.sender = sender or PushSender(
            keys=vapid_keys(settings), subject=settings.vapid_subject, allowed_hosts=settings.push_allowed_entries
        )
        self.token = secrets.token_hex(8)

    def run(self, stop: threading.Event, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        """Tick until `stop` is set; an error in one tick is logged and the loop goes on."""
        log.info("reminder worker started", extra={"fields": {"worker": self.token}})
        while not stop.is_set():
            try:
                self.run_once(stop)
            except Exception:
                log.exception("reminder worker tick failed")
            stop.wait(interval)
        log.info("reminder worker stopped", extra={"fields": {"worker": self.token}})

    def run_once(self, stop: threading.Event | None = None) -> TickStats:
        """1. Plan what is due; 2. claim and send batches until none is left; 3. the detector's pushes."""
        stats = TickStats()
        with write_session(self.engine) as session:
            stats.planned = reminders.plan_due(session=session, now=self.clock())
        while not (stop and stop.is_set()):
            with write_session(self.engine) as session:
                batch = reminders.claim_reminders(
                    session=session, worker=self.token, limit=self.batch_size, now=self.clock()
                )
            if not batch:
                break
            self._deliver(batch, stats)
        stats.notifications = self._deliver_notifications()
        return stats

    def _deliver(self, batch: list[Claimed], stats: TickStats) -> None:
        """Send a claimed batch (no database lock held while sending), then record the outcomes."""
        patient_ids = sorted({c.patient_id for c in batch})
        with read_session(self.engine) as session:
            devices = push_service.subscriptions_of(session=session, patient_ids=patient_ids)
            patients = reminders.patients_by_id(session=session, patient_ids=patient_ids)
            logged = reminders.logged_days(session=session, patient_ids=patient_ids, since=min(c.day for c in batch))
        done: dict[int, str] = {}
        retry: dict[int, datetime] = {}
        gone: list[int] = []
        for claimed in batch:
            if (claimed.patient_id, claimed.day) in logged:
                done[claimed.id] = "skipped"  # she logged after it was planned
                continue
            locale = patients[claimed.patient_id].locale or self.settings.default_locale
            delivery = self._send_all(devices.get(claimed.patient_id, []), claimed.kind, locale)
            gone += delivery.gone
            self._record(claimed, delivery, done, retry)
        for outcome in [*done.values(), *["retry"] * len(retry)]:
            stats.count(outcome)
        with write_session(self.engine) as session:
            push_service.delete_subscriptions(session=session, subscription_ids=gone)
            reminders.finish_reminders(session=session, worker=self.token, outcomes=done, now=self.clock())
            reminders.retry_reminders(session=session, worker=self.token, retry_at=retry)

    def _send_all(self, devices: list[PushSubscription], kind: str, locale: str) -> _Delivery:
        message = push_message(kind, locale)
        results, gone = [], []
        for device in devices:
            result = self.sender.send(_target(device), message)
            results.append(result)
            if result.outcome is Outcome.GONE:
                gone.append(device.id)  # type: ignore[arg-type]
        return _Delivery(results, gone)

    def _record(self, claimed: Claimed, delivery: _Delivery, done: dict[int, str], retry: dict[int, datetime]) -> None:
        outcome = delivery.outcome()
        if outcome is None:
            done[claimed.id] = "no_device"
        elif outcome is Outcome.DELIVERED:
            done[claimed.id] = "sent"
        elif outcome is Outcome.RETRY and claimed.attempts < MAX_ATTEMPTS:
            retry[claimed.id] = self._retry_at(claimed.attempts, delivery.retry_after())
        else:
            done[claimed.id] = "failed" if outcome is Outcome.RETRY else str(outcome)

    def _retry_at(self, attempts: int, retry_after: float | None) -> datetime:
        wait = retry_delay(attempts)
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        return self.clock() + wait

    def _deliver_notifications(self) -> int:
        """The detector's pushes for each patient's local today; a check-in is skipped once she has logged."""
        with write_session(self.engine) as session:
            claimed = push_service.claim_notifications(session=session, now=self.clock())
        for note in claimed:
            self._deliver_notification(note)
        return len(claimed)

    def _deliver_notification(self, note: push_service.ClaimedNotification) -> None:
        with read_session(self.engine) as session:
            logged = reminders.logged_days(session=session, patient_ids=[note.patient_id], since=note.day)
            devices = push_service.subscriptions_of(session=session, patient_ids=[note.patient_id])
            patient = reminders.patients_by_id(session=session, patient_ids=[note.patient_id])[note.patient_id]
        delivery = _Delivery([], [])
        if not (note.kind == "check_in" and (note.patient_id, note.day) in logged):
            locale = patient.locale or self.settings.default_locale
            delivery = self._send_all(devices.get(note.patient_id, []), note.kind, locale)
        with write_session(self.engine) as session:
            push_service.delete_subscriptions(session=session, subscription_ids=delivery.gone)
            if delivery.outcome() is Outcome.RETRY:
                when = self._retry_at(1, delivery.retry_after())
                push_service.retry_notification(session=session, notification_id=note.id, retry_at=when)
            else:
                push_service.finish_notification(session=session, notification_id=note.id, now=self.clock())


def start_in_process(engine: Engine, settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """The same loop in a daemon thread of the web process (`make run`)."""
    stop = threading.Event()
    worker = Worker(engine=engine, settings=settings)
    thread = threading.Thread(target=worker.run, args=(stop,), name="reminder-worker", daemon=True)
    thread.start()
    return thread, stop
