"""Which diary day an entry counts for (pure; `now` is always an argument).

- Her day is her local calendar date in her IANA timezone.
- Between midnight and 4 a.m. she may mean the day that just ended: the app asks.
- She may backfill up to BACKFILL_DAYS days before today, never the future.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BACKFILL_DAYS = 7
NIGHT_ENDS_HOUR = 4
CLOCK_SKEW = timedelta(minutes=5)


def local_now(now: datetime, timezone: str) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(timezone))


def local_today(now: datetime, timezone: str) -> date:
    return local_now(now, timezone).date()


def day_that_just_ended(now: datetime, timezone: str) -> date | None:
    """Yesterday's date when it is between midnight and 4 a.m. for her, else None."""
    here = local_now(now, timezone)
    return here.date() - timedelta(days=1) if here.hour < NIGHT_ENDS_HOUR else None


def backfill_days(now: datetime, timezone: str) -> list[date]:
    """The days she may log for, newest first: today and the BACKFILL_DAYS before it."""
    today = local_today(now, timezone)
    return [today - timedelta(days=n) for n in range(BACKFILL_DAYS + 1)]


def default_day(recorded_at: datetime, now: datetime, timezone: str) -> date:
    """The day an entry counts for when she did not choose one: her local date when recorded
    (never after today, so a phone clock a little ahead cannot push it into tomorrow)."""
    return min(local_today(recorded_at, timezone), local_today(now, timezone))


def entry_day_problem(*, day: date, recorded_at: datetime, now: datetime, timezone: str) -> str | None:
    """Why this (day, recorded_at) pair cannot be accepted, as a stable code, or None if fine.

    1. recorded_at may not be in the future (a few minutes of clock skew allowed);
    2. the day may not be after today (her local date);
    3. the day, and recorded_at, may be at most BACKFILL_DAYS days before today.
    """
    if recorded_at > now + CLOCK_SKEW:
        return "recorded_in_future"
    today = local_today(now, timezone)
    if day > today:
        return "day_in_future"
    oldest = today - timedelta(days=BACKFILL_DAYS)
    if day < oldest or local_today(recorded_at, timezone) < oldest:
        return "day_too_old"
    return None
