"""The trend detector over her diary: assessment, red-flag answers, acknowledgements and the
stored flag history (episodes, level changes, notifications to push).

The detector is deterministic and replays her whole history, so after every save `refresh`
rebuilds the stored history from the diary: what is stored is always what the diary supports
(an episode an edit no longer supports is kept, marked retracted, for her clinician to see).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.domain import trend
from app.domain.diary_day import BACKFILL_DAYS, local_today
from app.models import Acknowledgement, Entry, FlagChange, FlagEpisode, FlagNotification, Patient, RedFlagAnswer, utcnow
from app.services.errors import InvalidInput
from app.services.profile import current_stage

Gettext = Callable[[str], str]


def day_records(*, session: Session, patient: Patient) -> list[trend.DayRecord]:
    """Her diary as the detector reads it: the day's worst score per site and its 'yes' answers."""
    scores = session.exec(
        select(Entry.day, func.max(Entry.back_pain), func.max(Entry.hip_pain))
        .where(Entry.patient_id == patient.id)
        .group_by(Entry.day)
    ).all()
    yes = session.exec(
        select(RedFlagAnswer.day, RedFlagAnswer.code).where(
            RedFlagAnswer.patient_id == patient.id,
            RedFlagAnswer.answer == True,  # noqa: E712
        )
    ).all()
    flags: dict[date, set[str]] = {}
    for day, code in yes:
        flags.setdefault(day, set()).add(code)
    records = {day: trend.DayRecord(day, back, hip, frozenset(flags.get(day, ()))) for day, back, hip in scores}
    for day, codes in flags.items():
        records.setdefault(day, trend.DayRecord(day, red_flags=frozenset(codes)))
    return list(records.values())


def acknowledgement_days(*, session: Session, patient: Patient) -> list[date]:
    rows = session.exec(select(Acknowledgement.seen_on).where(Acknowledgement.patient_id == patient.id))
    return sorted(rows.all())


def _today(patient: Patient, now: datetime | None) -> date:
    return local_today(now or utcnow(), patient.timezone)


def assessment(
    *, session: Session, patient: Patient, now: datetime | None = None, gettext: Gettext | None = None
) -> trend.Assessment:
    """Her current assessment, worded for her stage and language."""
    return trend.assess(
        day_records(session=session, patient=patient),
        today=_today(patient, now),
        stage=current_stage(patient, now),
        acknowledged_on=acknowledgement_days(session=session, patient=patient),
        gettext=gettext,
    )


def refresh(
    *, session: Session, patient: Patient, now: datetime | None = None, gettext: Gettext | None = None
) -> trend.Assessment:
    """After every save: replay her diary, store the flag history and today's notifications,
    and return her assessment (from the same replay, worded for her stage and language).

    1. Replay every day up to today (the detector's `episodes`).
    2. Upsert each episode by its start day, and each level change with its rules and figures.
    3. Mark stored episodes the diary no longer supports as retracted (kept for the record).
    4. Queue the notifications due today (unique per patient, day, kind and level, so a
       replay never notifies twice); the reminder worker sends them.
    Rows whose content is unchanged are not rewritten.
    """
    today = _today(patient, now)
    history = trend.episodes(
        day_records(session=session, patient=patient),
        today=today,
        stage=current_stage(patient, now),
        acknowledged_on=acknowledgement_days(session=session, patient=patient),
        gettext=gettext,
    )
    stored = {e.started_on: e for e in session.exec(select(FlagEpisode).where(FlagEpisode.patient_id == patient.id))}
    changes = _stored_changes(session, patient)
    for episode in history:
        row = stored.pop(episode.start, None) or FlagEpisode(patient_id=patient.id, started_on=episode.start, level="")
        _store_episode(session, row, episode, changes.get(row.id, {}) if row.id is not None else {})
    for orphan in stored.values():
        if orphan.retracted_on is None:
            orphan.retracted_on, orphan.updated_at = today, utcnow()
            session.add(orphan)
    _queue_notifications(session, patient, trend.notifications(history, today=today), today)
    session.commit()
    return _open_assessment(history)


def _open_assessment(history: Sequence[trend.Episode]) -> trend.Assessment:
    """The assessment `assess` gives: the open episode's level and reasons, else none."""
    if history and history[-1].closed_on is None:
        return trend.Assessment(history[-1].level, history[-1].reasons)
    return trend.Assessment(trend.Level.NONE)


def _stored_changes(session: Session, patient: Patient) -> dict[int, dict[tuple[date, str], FlagChange]]:
    """Her stored level changes by episode and (day, level), in one query (not one per episode)."""
    found: dict[int, dict[tuple[date, str], FlagChange]] = {}
    query = select(FlagChange).join(FlagEpisode).where(FlagEpisode.patient_id == patient.id)
    for change in session.exec(query):
        found.setdefault(change.episode_id, {})[(change.day, change.level)] = change
    return found


def _store_episode(
    session: Session, row: FlagEpisode, episode: trend.Episode, existing: dict[tuple[date, str], FlagChange]
) -> None:
    values = {
        "level": episode.level.value,
        "closed_on": episode.closed_on,
        "acknowledged_on": episode.acknowledged_on,
        "retracted_on": None,
        "baseline_back": episode.baseline.get("back"),
        "baseline_hip": episode.baseline.get("hip"),
    }
    if row.id is None or any(getattr(row, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
    for change in episode.changes:
        stored = existing.pop((change.day, change.level.value), None) or FlagChange(
            episode_id=row.id, day=change.day, level=change.level.value, reasons_json=""
        )
        text = reasons_json(change.reasons)
        if stored.reasons_json != text:
            stored.reasons_json = text
            session.add(stored)
    for stale in existing.values():
        session.delete(stale)


def reasons_json(reasons: Sequence[trend.Reason]) -> str:
    """The reasons without their English words: pages re-word them in her language."""
    return json.dumps(
        [{"rule": r.rule, "site": r.site, "level": r.level.value, "evidence": r.evidence} for r in reasons],
        sort_keys=True,
        default=str,
    )


def _queue_notifications(session: Session, patient: Patient, due: Sequence[trend.Notification], today: date) -> None:
    for note in due:
        if note.day != today:
            continue  # history is not re-notified; only what is due today
        exists = session.exec(
            select(FlagNotification.id).where(
                FlagNotification.patient_id == patient.id,
                FlagNotification.day == note.day,
                FlagNotification.kind == note.kind,
                FlagNotification.level == note.level.value,
            )
        ).first()
        if exists is None:
            session.add(
                FlagNotification(
                    patient_id=patient.id,
                    day=note.day,
                    kind=note.kind,
                    level=note.level.value,
                    episode_start=note.episode_start,
                )
            )


def record_answers(
    *,
    session: Session,
    patient: Patient,
    answers: dict[str, bool],
    day: date | None = None,
    now: datetime | None = None,
) -> None:
    """Store red-flag answers for a day (today by default); the latest answer of a day wins."""
    today = _today(patient, now)
    day = day or today
    if day > today or (today - day).days > BACKFILL_DAYS:
        raise InvalidInput("day_too_old" if day < today else "day_in_future")
    if any(code not in trend.RED_FLAG_CODES for code in answers):
        raise InvalidInput("red_flag_unknown")
    store_answers(session, patient.id, day, answers)
    session.commit()
    refresh(session=session, patient=patient, now=now)


def store_answers(session: Session, patient_id: int, day: date, answers: dict[str, bool]) -> None:
    """Upsert a day's answers (one per question and day; the latest wins). The caller commits."""
    for code, answer in answers.items():
        row = session.exec(
            select(RedFlagAnswer).where(
                RedFlagAnswer.patient_id == patient_id, RedFlagAnswer.day == day, RedFlagAnswer.code == code
            )
        ).first() or RedFlagAnswer(patient_id=patient_id, day=day, code=code, answer=answer)
        row.answer, row.answered_at = answer, utcnow()
        session.add(row)


def answers_on(*, session: Session, patient: Patient, day: date) -> dict[str, bool]:
    rows = session.exec(select(RedFlagAnswer).where(RedFlagAnswer.patient_id == patient.id, RedFlagAnswer.day == day))
    return {row.code: row.answer for row in rows}


def acknowledge(
    *, session: Session, patient: Patient, seen_on: date | None = None, now: datetime | None = None
) -> bool:
    """'I have contacted my care team' on a day (today by default). False if already recorded."""
    today = _today(patient, now)
    seen_on = seen_on or today
    if seen_on > today:
        raise InvalidInput("day_in_future")
    session.add(Acknowledgement(patient_id=patient.id, seen_on=seen_on))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    refresh(session=session, patient=patient, now=now)
    return True
