"""What the clinician summary shows (CLINICAL.md section 6), read for one share link.

Everything is read for the link's patient only. Words are the web layer's job: this module
returns figures, dates and rule codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.domain.diary_day import local_today
from app.domain.stage import Stage
from app.domain.summary_stats import SiteStats, site_stats
from app.models import Acknowledgement, FlagChange, FlagEpisode, Patient, RedFlagAnswer, ShareLink, utcnow
from app.services.entries import DaySummary, day_summaries
from app.services.profile import current_stage

PERIOD_DAYS = 180  # the chart and the figures cover at most the last six months
NOTES_SHOWN = 10  # the most recent notes; the page must stay readable in a minute
SITES = ("back", "hip")
RISK_FIELDS = (
    "risk_previous_plo",
    "risk_heparin",
    "risk_steroids",
    "risk_low_weight",
    "risk_coeliac",
    "risk_vitamin_d_deficiency",
    "risk_family_history",
    "risk_fragility_fracture",
    "risk_twins_or_ivf",
)


@dataclass(frozen=True)
class FlagReason:
    rule: str
    site: str | None
    level: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class FlagRecord:
    """One flag episode: when it opened, how high it went, why, and whether she acted on it."""

    number: int  # 1, 2, ... oldest first: the marker on the charts
    started_on: date
    closed_on: date | None
    level: str
    acknowledged_on: date | None
    changes: tuple[tuple[date, str], ...]
    reasons: tuple[FlagReason, ...]
    sites: frozenset[str]


@dataclass(frozen=True)
class Onset:
    """How the pain started and behaves: sudden-onset answers, back region, painkillers, function."""

    sudden_days: tuple[date, ...]
    back_regions: dict[str, int]
    painkiller_taken: int
    painkiller_helped: int
    painkiller_not_helped: int
    function: dict[str, int]


@dataclass
class Summary:
    patient: Patient
    link: ShareLink
    today: date
    stage: Stage
    start: date
    days: list[DaySummary]
    stats: dict[str, SiteStats]
    onset: Onset
    red_flags: list[RedFlagAnswer]
    flags: list[FlagRecord]
    risks: list[str]
    notes: list[tuple[date, str]] = field(default_factory=list)  # newest first, at most NOTES_SHOWN
    notes_not_shown: int = 0


def build_summary(*, session: Session, link: ShareLink, now: datetime | None = None) -> Summary:
    """The summary for a live link (the caller has checked it): six months at most.

    1. Her days (worst score per site) from her first entry, or six months back, to today.
    2. Her flag episodes (not those her diary no longer supports), numbered oldest first.
    3. Per site the figures of `summary_stats`, the usual level taken before the first flag.
    4. Onset character, red-flag answers and risk context; notes only if the link shares them.
    """
    patient = session.get(Patient, link.patient_id)
    assert patient is not None  # the link cascades with her account
    now = now or utcnow()
    today = local_today(now, patient.timezone)
    start = today - timedelta(days=PERIOD_DAYS - 1)
    days = day_summaries(session=session, patient=patient, start=start, end=today)
    if days:
        start = max(start, min(summary.day for summary in days))
    flags = _flags(session, patient, start)
    return Summary(
        patient=patient,
        link=link,
        today=today,
        stage=current_stage(patient, now),
        start=start,
        days=days,
        stats=_stats(days, flags, start, today),
        onset=_onset(session, patient, days, start),
        red_flags=_red_flags(session, patient, start),
        flags=flags,
        risks=[name for name in RISK_FIELDS if getattr(patient, name)],
        **_notes(days, link.include_notes),
    )


def _stats(days: list[DaySummary], flags: list[FlagRecord], start: date, end: date) -> dict[str, SiteStats]:
    result = {}
    for site in SITES:
        values = {d.day: getattr(d, site) for d in days if getattr(d, site) is not None}
        first_flag = next((f.started_on for f in flags if site in f.sites and f.started_on >= start), None)
        result[site] = site_stats(values, start=start, end=end, reference_end=first_flag)
    return result


def _flags(session: Session, patient: Patient, start: date) -> list[FlagRecord]:
    """Her flag episodes that overlap the period (retracted ones left out), oldest first."""
    episodes = session.exec(
        select(FlagEpisode)
        .where(FlagEpisode.patient_id == patient.id, col(FlagEpisode.retracted_on).is_(None))
        .where((col(FlagEpisode.closed_on).is_(None)) | (col(FlagEpisode.closed_on) >= start))
        .order_by(col(FlagEpisode.started_on))
    ).all()
    changes: dict[int, list[FlagChange]] = {episode.id: [] for episode in episodes}  # type: ignore[misc]
    if episodes:
        query = select(FlagChange).where(col(FlagChange.episode_id).in_(list(changes)))
        for change in session.exec(query.order_by(col(FlagChange.day), col(FlagChange.id))):
            changes[change.episode_id].append(change)
    acks = sorted(session.exec(select(Acknowledgement.seen_on).where(Acknowledgement.patient_id == patient.id)))
    return [_flag_record(n, ep, changes[ep.id], acks) for n, ep in enumerate(episodes, 1)]  # type: ignore[index]


def _flag_record(number: int, episode: FlagEpisode, changes: list[FlagChange], acks: list[date]) -> FlagRecord:
    reasons: dict[tuple[str, str | None], FlagReason] = {}
    for change in changes:
        for raw in _parse_reasons(change):
            reasons[(raw.rule, raw.site)] = raw  # the latest firing of each (rule, site) wins
    acknowledged = episode.acknowledged_on or next(
        (day for day in acks if day >= episode.started_on and (episode.closed_on is None or day < episode.closed_on)),
        None,
    )
    return FlagRecord(
        number=number,
        started_on=episode.started_on,
        closed_on=episode.closed_on,
        level=episode.level,
        acknowledged_on=acknowledged,
        changes=tuple((change.day, change.level) for change in changes),
        reasons=tuple(reasons.values()),
        sites=frozenset(reason.site for reason in reasons.values() if reason.site),
    )


def _parse_reasons(change: FlagChange) -> list[FlagReason]:
    """The stored reasons of a change; the day defaults to the change's day for the wording."""
    try:
        items = json.loads(change.reasons_json)
    except ValueError:
        return []
    reasons = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
            continue
        evidence = dict(item.get("evidence") or {})
        evidence.setdefault("day", change.day.isoformat())
        reasons.append(FlagReason(item["rule"], item.get("site"), str(item.get("level", change.level)), evidence))
    return reasons


def _onset(session: Session, patient: Patient, days: list[DaySummary], start: date) -> Onset:
    entries = [entry for summary in days for entry in summary.entries]
    sudden = session.exec(
        select(RedFlagAnswer.day)
        .where(RedFlagAnswer.patient_id == patient.id, RedFlagAnswer.code == "sudden_onset")
        .where(col(RedFlagAnswer.answer).is_(True), RedFlagAnswer.day >= start)
        .order_by(col(RedFlagAnswer.day))
    ).all()
    regions = {"upper_mid": 0, "lower": 0}
    for entry in entries:
        if entry.back_region in regions:
            regions[entry.back_region] += 1
    return Onset(
        sudden_days=tuple(sudden),
        back_regions=regions,
        painkiller_taken=sum(1 for e in entries if e.painkiller_taken),
        painkiller_helped=sum(1 for e in entries if e.painkiller_helped is True),
        painkiller_not_helped=sum(1 for e in entries if e.painkiller_taken and e.painkiller_helped is False),
        function={
            name: sum(1 for e in entries if getattr(e, name))
            for name in ("woke_at_night", "could_not_lift_baby", "walking_limited")
        },
    )


def _red_flags(session: Session, patient: Patient, start: date) -> list[RedFlagAnswer]:
    """Her red-flag answers in the period, newest first ("yes" and "no": both inform)."""
    return list(
        session.exec(
            select(RedFlagAnswer)
            .where(RedFlagAnswer.patient_id == patient.id, RedFlagAnswer.day >= start)
            .order_by(col(RedFlagAnswer.day).desc(), col(RedFlagAnswer.code))
        )
    )


def _notes(days: list[DaySummary], shared: bool) -> dict[str, Any]:
    """Her most recent notes, newest first, if the link shares them, and how many are left out."""
    if not shared:
        return {"notes": [], "notes_not_shown": 0}
    notes = [(summary.day, entry.note) for summary in days for entry in summary.entries if entry.note]
    return {"notes": notes[:NOTES_SHOWN], "notes_not_shown": max(0, len(notes) - NOTES_SHOWN)}
