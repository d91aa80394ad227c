"""Pain entries: idempotent creation, edits, deletion, and her days (worst score per site)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain.diary_day import default_day, entry_day_problem
from app.domain.trend import Assessment
from app.models import Entry, Patient, utcnow
from app.schemas import EntryCreate, EntryPublic, EntryUpdate, FunctionAnswers
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.flags import Gettext, refresh, store_answers

FUNCTION_FIELDS = ("woke_at_night", "could_not_lift_baby", "walking_limited")


@dataclass(frozen=True)
class Created:
    entry: Entry
    created: bool  # False: the same request had already been saved (an idempotent replay)
    assessment: Assessment | None = None  # her assessment after this save (None for a replay)


@dataclass(frozen=True)
class DaySummary:
    day: date
    back: int | None  # the day's worst back score
    hip: int | None
    entries: tuple[Entry, ...]


def _check_day(day: date, recorded_at: datetime, patient: Patient, now: datetime) -> None:
    problem = entry_day_problem(day=day, recorded_at=recorded_at, now=now, timezone=patient.timezone)
    if problem:
        raise InvalidInput(problem)


def _new_entry(data: EntryCreate, patient: Patient, day: date, fingerprint: str) -> Entry:
    return Entry(
        id=data.id,
        patient_id=patient.id,
        recorded_at=data.recorded_at,
        day=day,
        back_pain=data.back_pain,
        hip_pain=data.hip_pain,
        hip_side=data.hip_side,
        back_region=data.back_region,
        **data.function.model_dump(),
        painkiller_taken=data.painkiller_taken,
        painkiller_helped=data.painkiller_helped,
        note=data.note or None,
        red_flags=",".join(data.red_flags),
        create_fingerprint=fingerprint,
    )


def _own_entry(session: Session, patient: Patient, entry_id: uuid.UUID) -> Entry | None:
    """Her entry with this id; the query itself is scoped, so another patient's row is never read."""
    return session.exec(select(Entry).where(Entry.id == entry_id, Entry.patient_id == patient.id)).first()


def _same_request(existing: Entry | None, fingerprint: str) -> Created:
    """The answer for an id that is already taken: the same request again, or a conflict
    (`existing` is None when the id is someone else's: we learn only that it is taken)."""
    if existing is None or existing.create_fingerprint != fingerprint:
        raise Conflict("entry_id_conflict")
    return Created(existing, created=False)


def create_entry(
    *,
    session: Session,
    patient: Patient,
    data: EntryCreate,
    now: datetime | None = None,
    server_timed: bool = False,
    gettext: Gettext | None = None,
) -> Created:
    """Save an entry once, whatever the number of times the same request arrives.

    1. An id already saved with the same request is returned as it is (created=False).
    2. An id already saved with a different request (or by someone else) is a Conflict.
    `server_timed`: the server stamped `recorded_at` (forms), so it is not part of "the same request".
    3. Otherwise the day is checked, the entry and its red-flag answers are inserted together;
       losing an insert race to the same id falls back to step 1/2.
    4. The entry, its answers and the flag history it leads to (`flags.refresh`) are committed
       in one transaction: an error answer means nothing of it was saved.
    """
    now = now or utcnow()
    fingerprint = data.fingerprint(include_time=not server_timed)
    existing = _own_entry(session, patient, data.id)
    if existing is not None:
        return _same_request(existing, fingerprint)
    day = data.day or default_day(data.recorded_at, now, patient.timezone)
    _check_day(day, data.recorded_at, patient, now)
    entry = _new_entry(data, patient, day, fingerprint)
    session.add(entry)
    store_answers(session, patient.id, day, dict.fromkeys(data.red_flags, True))  # 'yes' to each
    try:
        session.flush()
    except IntegrityError:  # the id is taken: by this same request racing, or by someone else
        session.rollback()
        return _same_request(_own_entry(session, patient, data.id), fingerprint)
    return Created(entry, created=True, assessment=refresh(session=session, patient=patient, gettext=gettext))


def get_entry(*, session: Session, patient: Patient, entry_id: uuid.UUID) -> Entry:
    """Her entry, or NotFound (also for another patient's entry: no hint that it exists)."""
    entry = _own_entry(session, patient, entry_id)
    if entry is None:
        raise NotFound()
    return entry


def update_entry(
    *, session: Session, patient: Patient, entry_id: uuid.UUID, changes: EntryUpdate, now: datetime | None = None
) -> Entry:
    entry = get_entry(session=session, patient=patient, entry_id=entry_id)
    sent = changes.model_dump(exclude_unset=True)
    function = sent.pop("function", None)
    for name, value in {**sent, **(function or {})}.items():
        setattr(entry, name, value)
    if entry.back_pain is None and entry.hip_pain is None:
        raise InvalidInput("no_score")
    if entry.painkiller_helped is not None and not entry.painkiller_taken:
        raise InvalidInput("painkiller_helped_without_taken")
    if "day" in sent:
        _check_day(entry.day, entry.recorded_at, patient, now or utcnow())
    entry.updated_at = utcnow()
    session.add(entry)
    refresh(session=session, patient=patient)  # the change and its flag history commit together
    return entry


def delete_entry(*, session: Session, patient: Patient, entry_id: uuid.UUID) -> None:
    entry = get_entry(session=session, patient=patient, entry_id=entry_id)
    session.delete(entry)
    refresh(session=session, patient=patient)  # the deletion and its flag history commit together


def list_entries(
    *, session: Session, patient: Patient, start: date | None = None, end: date | None = None
) -> list[Entry]:
    """Her entries between two days (inclusive), newest first."""
    query = select(Entry).where(Entry.patient_id == patient.id)
    if start:
        query = query.where(Entry.day >= start)
    if end:
        query = query.where(Entry.day <= end)
    return list(session.exec(query.order_by(col(Entry.day).desc(), col(Entry.recorded_at).desc())))


def day_summaries(*, session: Session, patient: Patient, start: date, end: date) -> list[DaySummary]:
    """One row per logged day, newest first, with the day's worst score per site."""
    by_day: dict[date, list[Entry]] = {}
    for entry in list_entries(session=session, patient=patient, start=start, end=end):
        by_day.setdefault(entry.day, []).append(entry)
    return [DaySummary(day, _worst(es, "back_pain"), _worst(es, "hip_pain"), tuple(es)) for day, es in by_day.items()]


def _worst(entries: list[Entry], field: str) -> int | None:
    values = [getattr(e, field) for e in entries if getattr(e, field) is not None]
    return max(values) if values else None


def to_public(entry: Entry) -> EntryPublic:
    return EntryPublic(
        id=entry.id,
        recorded_at=entry.recorded_at,
        day=entry.day,
        back_pain=entry.back_pain,
        hip_pain=entry.hip_pain,
        hip_side=entry.hip_side,
        back_region=entry.back_region,
        function=FunctionAnswers(**{name: getattr(entry, name) for name in FUNCTION_FIELDS}),
        painkiller_taken=entry.painkiller_taken,
        painkiller_helped=entry.painkiller_helped,
        red_flags=[code for code in entry.red_flags.split(",") if code],
        note=entry.note,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
    )
