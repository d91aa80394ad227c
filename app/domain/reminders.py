"""When to remind her (pure; `now` is always an argument).

- Daily at her chosen local time, in her IANA timezone. A local time that does not exist (the
  spring-forward gap) fires as many minutes after the gap as it fell into it; a time that occurs
  twice (the autumn overlap) fires at its first occurrence.
- Never in quiet hours: a reminder time inside them moves to their end. Quiet hours may cross
  midnight (22:00-07:00). A reminder time in the evening part of such a window therefore fires
  at the end of the night, i.e. every day at the window's end.
- Only in the reminder windows (third trimester from 28+0 until delivery; breastfeeding from
  delivery until weaning), unless she opted in to reminders at other times.
- Never on a day she has already logged.
- After MISSED_DAYS_FOR_NUDGE missed days the daily reminder becomes a gentle nudge; while the
  gap continues, the nudge repeats weekly instead of daily (reminding someone who has paused
  every day would not be gentle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain.stage import Stage

DEFAULT_REMINDER_TIME = time(20, 0)
MISSED_DAYS_FOR_NUDGE = 3
NUDGE_REPEAT_DAYS = 7
DAILY = "daily"
NUDGE = "nudge"


@dataclass(frozen=True)
class ReminderPlan:
    """Her reminder choices (what the profile and the reminders page store)."""

    timezone: str
    reminder_time: time | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    outside_windows: bool = False  # she opted in to reminders outside the windows


@dataclass(frozen=True)
class Due:
    """A reminder to send: for her local `day`, of `kind` (daily or nudge), not before `due_at` (UTC)."""

    day: date
    kind: str
    due_at: datetime


def in_quiet_hours(moment: time, start: time | None, end: time | None) -> bool:
    """Whether a wall-clock time lies in [start, end); a window with start > end crosses midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def effective_time(plan: ReminderPlan) -> time:
    """Her reminder time, moved to the end of quiet hours when it falls inside them."""
    chosen = plan.reminder_time or DEFAULT_REMINDER_TIME
    if in_quiet_hours(chosen, plan.quiet_start, plan.quiet_end):
        return plan.quiet_end or chosen
    return chosen


def local_instant(day: date, moment: time, timezone: str) -> datetime:
    """`day` at wall-clock `moment` in `timezone`, as an aware UTC datetime.

    fold=0 picks the first of two occurrences in an overlap; in a gap, zoneinfo applies the
    offset from before the transition, which lands after the gap by the same amount.
    """
    local = datetime.combine(day, moment, tzinfo=ZoneInfo(timezone)).replace(fold=0)
    return local.astimezone(UTC)


def in_window(stage: Stage, plan: ReminderPlan) -> bool:
    """Reminders apply: third trimester, breastfeeding, or she opted in."""
    return stage.third_trimester or stage.breastfeeding or plan.outside_windows


def reminder_kind(day: date, last_logged: date | None) -> str | None:
    """daily, nudge or None (a quiet day in a long gap), from the days missed before `day`."""
    if last_logged is None:
        return DAILY
    missed = (day - last_logged).days - 1
    if missed < MISSED_DAYS_FOR_NUDGE:
        return DAILY
    return NUDGE if (missed - MISSED_DAYS_FOR_NUDGE) % NUDGE_REPEAT_DAYS == 0 else None


def due_reminder(*, now: datetime, plan: ReminderPlan, stage: Stage, last_logged: date | None) -> Due | None:
    """The reminder due for her at `now`, or None.

    1. Her local day is `now` in her timezone; `stage` is her stage on that day.
    2. Outside the windows (and not opted in): None. Already logged that day: None.
    3. Before the day's effective reminder time (quiet hours applied, DST resolved): None.
    4. At `now` inside quiet hours (a late catch-up): None; it waits for the next day.
    5. Otherwise a daily reminder or, after missed days, a nudge (see reminder_kind).
    """
    zone = ZoneInfo(plan.timezone)
    here = now.astimezone(zone)
    day = here.date()
    if not in_window(stage, plan) or (last_logged is not None and last_logged >= day):
        return None
    due_at = local_instant(day, effective_time(plan), plan.timezone)
    if now < due_at or in_quiet_hours(here.time(), plan.quiet_start, plan.quiet_end):
        return None
    kind = reminder_kind(day, last_logged)
    return Due(day, kind, due_at) if kind else None


def retry_delay(attempts: int, *, base_seconds: float = 30, cap_seconds: float = 3600) -> timedelta:
    """Backoff before the next try after `attempts` transient failures: 30 s, 60 s, 120 s ... 1 h."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))
