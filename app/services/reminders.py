"""Reminders: her choices, planning due reminders, and claiming them through the database.

The database is the queue (STYLE.md habit 5). Exactly once across any number of workers:
1. Planning inserts at most one `reminder` row per (patient, local day, kind): a unique index,
   inserted with ON CONFLICT DO NOTHING, so workers planning at once create one row.
2. Claiming is a conditional UPDATE (unsent, due, and unclaimed or its claim's lease expired)
   that stamps the worker's token; on PostgreSQL the candidate rows are picked FOR UPDATE
   SKIP LOCKED so workers take different rows instead of queueing. A row whose update matched
   nothing was taken by someone else.
3. Finishing sets `sent_at` only while the worker still holds the claim.
A worker that dies after sending but before finishing leaves a claim whose lease expires, so
that reminder may be sent again (at least once, never silently lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.domain.reminders import Due, ReminderPlan, due_reminder
from app.domain.stage import stage_on
from app.models import Entry, Patient, PushSubscription, Reminder, ReminderPreference, utcnow
from app.services.errors import InvalidInput

DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class ReminderSettings:
    reminder_time: time | None
    quiet_start: time | None
    quiet_end: time | None
    outside_windows: bool


@dataclass(frozen=True)
class Claimed:
    """A reminder this worker now holds."""

    id: int
    patient_id: int
    day: date
    kind: str
    attempts: int


def get_settings(*, session: Session, patient: Patient) -> ReminderSettings:
    pref = session.get(ReminderPreference, patient.id)
    return ReminderSettings(
        patient.reminder_time, patient.quiet_start, patient.quiet_end, bool(pref and pref.outside_windows)
    )


def update_settings(*, session: Session, patient: Patient, choice: ReminderSettings) -> None:
    """Her reminder time, quiet hours (both or neither) and the opt-in outside the windows."""
    if (choice.quiet_start is None) != (choice.quiet_end is None):
        raise InvalidInput("quiet_hours_incomplete")
    patient.reminder_time, patient.quiet_start, patient.quiet_end = (
        choice.reminder_time,
        choice.quiet_start,
        choice.quiet_end,
    )
    pref = session.get(ReminderPreference, patient.id) or ReminderPreference(patient_id=patient.id)  # type: ignore[arg-type]
    pref.outside_windows, pref.updated_at = choice.outside_windows, utcnow()
    session.add_all([patient, pref])
    session.commit()


def _plan_of(patient: Patient, outside_windows: bool | None) -> ReminderPlan:
    return ReminderPlan(
        patient.timezone, patient.reminder_time, patient.quiet_start, patient.quiet_end, bool(outside_windows)
    )


def due_for(patient: Patient, outside_windows: bool | None, last_logged: date | None, now: datetime) -> Due | None:
    """Her reminder due at `now` (her stage taken on her local day)."""
    plan = _plan_of(patient, outside_windows)
    today = now.astimezone(ZoneInfo(patient.timezone)).date()
    stage = stage_on(
        today,
        due_date=patient.due_date,
        delivery_date=patient.delivery_date,
        breastfeeding=patient.breastfeeding,
        weaning_date=patient.weaning_date,
    )
    return due_reminder(now=now, plan=plan, stage=stage, last_logged=last_logged)


def _subscribed_patients(session: Session):  # type: ignore[no-untyped-def]
    """(patient, outside_windows, last logged day) for every patient with a push subscription."""
    last_logged = select(Entry.patient_id, func.max(Entry.day).label("last_day")).group_by(Entry.patient_id).subquery()
    has_device = select(PushSubscription.id).where(PushSubscription.patient_id == Patient.id).exists()
    query = (
        select(Patient, ReminderPreference.outside_windows, last_logged.c.last_day)
        .outerjoin(ReminderPreference, col(ReminderPreference.patient_id) == Patient.id)
        .outerjoin(last_logged, last_logged.c.patient_id == Patient.id)
        .where(has_device)
    )
    return session.exec(query).all()


def plan_due(*, session: Session, now: datetime | None = None) -> int:
    """Insert the reminders due now (one per patient, local day and kind); returns how many rows are new."""
    now = now or utcnow()
    rows = []
    for patient, outside, last_day in _subscribed_patients(session):
        due = due_for(patient, outside, last_day, now)
        if due is not None:
            rows.append(
                {"patient_id": patient.id, "day": due.day, "kind": due.kind, "due_at": due.due_at, "attempts": 0}
            )
    if not rows:
        session.rollback()
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Reminder)
        .on_conflict_do_nothing(index_elements=["patient_id", "day", "kind"])
        .returning(Reminder.id)
    )
    inserted = len(session.execute(statement, rows).all())  # only the rows that were new
    session.commit()
    return inserted


def _claimable(now: datetime, lease: timedelta):  # type: ignore[no-untyped-def]
    return and_(
        col(Reminder.sent_at).is_(None),
        col(Reminder.due_at) <= now,
        or_(col(Reminder.claimed_at).is_(None), col(Reminder.claimed_at) < now - lease),
    )


def claim_reminders(
    *, session: Session, worker: str, limit: int = 100, now: datetime | None = None, lease: timedelta = DEFAULT_LEASE
) -> list[Claimed]:
    """Claim up to `limit` due reminders for `worker` (see the module docstring); commits."""
    now = now or utcnow()
    # Two statements in one transaction, not `UPDATE ... WHERE id IN (SELECT ... SKIP LOCKED)`:
    # PostgreSQL re-ran that subquery for every row it scanned, so a claim over 3,000 due
    # reminders took 2 s, and 13 s for a second worker meeting the first one's locks.
    ids = session.exec(
        select(Reminder.id)
        .where(_claimable(now, lease))
        .order_by(col(Reminder.due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: take different rows; SQLite: one writer anyway
    ).all()
    if not ids:
        session.rollback()
        return []
    statement = (
        update(Reminder)
        .where(col(Reminder.id).in_(ids), _claimable(now, lease))
        .values(claimed_at=now, claimed_by=worker, attempts=Reminder.attempts + 1)
        .returning(Reminder.id, Reminder.patient_id, Reminder.day, Reminder.kind, Reminder.attempts)
    )
    claimed = [Claimed(*row) for row in session.execute(statement).all()]
    session.commit()
    return claimed


def finish_reminders(*, session: Session, worker: str, outcomes: dict[int, str], now: datetime | None = None) -> int:
    """Mark reminders done with their outcome, only where `worker` still holds the claim; returns rows marked.

    One UPDATE per distinct outcome (a batch is mostly "sent"), so a batch costs a few statements.
    """
    now = now or utcnow()
    by_outcome: dict[str, list[int]] = {}
    for reminder_id, outcome in outcomes.items():
        by_outcome.setdefault(outcome, []).append(reminder_id)
    done = 0
    for outcome, ids in by_outcome.items():
        result = session.execute(
            update(Reminder)
            .where(col(Reminder.id).in_(ids), Reminder.claimed_by == worker, col(Reminder.sent_at).is_(None))
            .values(sent_at=now, outcome=outcome)
        )
        done += result.rowcount  # type: ignore[attr-defined]
    session.commit()
    return done


def retry_reminders(*, session: Session, worker: str, retry_at: dict[int, datetime]) -> None:
    """Release claims for a later try: the row becomes due again at the given time."""
    for reminder_id, when in retry_at.items():
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.claimed_by == worker, col(Reminder.sent_at).is_(None))
            .values(claimed_at=None, claimed_by=None, due_at=when)
        )
    session.commit()


def logged_days(*, session: Session, patient_ids: list[int], since: date) -> set[tuple[int, date]]:
    """(patient id, day) pairs with at least one entry since `since`: the last check before sending."""
    query = select(Entry.patient_id, Entry.day).where(col(Entry.patient_id).in_(patient_ids), Entry.day >= since)
    return {(patient_id, day) for patient_id, day in session.exec(query.distinct())}


def patients_by_id(*, session: Session, patient_ids: list[int]) -> dict[int, Patient]:
    return {p.id: p for p in session.exec(select(Patient).where(col(Patient.id).in_(patient_ids)))}  # type: ignore[misc]
