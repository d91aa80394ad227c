"""The reminder schedule as pure functions: rows of (situation, now) -> what is due. No clock, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.reminders import (
    DAILY,
    NUDGE,
    ReminderPlan,
    due_reminder,
    effective_time,
    in_quiet_hours,
    local_instant,
    reminder_kind,
    retry_delay,
)
from app.domain.stage import stage_on

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
DAY = date(2026, 6, 10)
THIRD_TRIMESTER = stage_on(DAY, due_date=DAY + timedelta(weeks=8))  # 32+0
SECOND_TRIMESTER = stage_on(DAY, due_date=DAY + timedelta(weeks=20))  # 20+0
BREASTFEEDING = stage_on(DAY, delivery_date=DAY - timedelta(weeks=6), breastfeeding=True)
WEANED = stage_on(
    DAY, delivery_date=DAY - timedelta(weeks=30), breastfeeding=True, weaning_date=DAY - timedelta(days=1)
)


def at(zone: str, day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def plan(**kw: object) -> ReminderPlan:
    return ReminderPlan(**{"timezone": BERLIN, "reminder_time": time(20, 0), **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("moment", "start", "end", "quiet"),
    [
        (time(23, 0), time(22, 0), time(7, 0), True),  # across midnight, evening part
        (time(3, 0), time(22, 0), time(7, 0), True),  # across midnight, morning part
        (time(7, 0), time(22, 0), time(7, 0), False),  # the end is not quiet any more
        (time(21, 59), time(22, 0), time(7, 0), False),
        (time(13, 0), time(12, 0), time(14, 0), True),  # a daytime nap
        (time(14, 0), time(12, 0), time(14, 0), False),
        (time(13, 0), None, None, False),
        (time(13, 0), time(9, 0), time(9, 0), False),  # an empty window
    ],
)
def test_quiet_hours(moment, start, end, quiet):
    assert in_quiet_hours(moment, start, end) is quiet


@pytest.mark.parametrize(
    ("chosen", "start", "end", "fires"),
    [
        (time(20, 0), time(22, 0), time(7, 0), time(20, 0)),
        (time(23, 0), time(22, 0), time(7, 0), time(7, 0)),  # moved to the end of the night
        (time(6, 0), time(22, 0), time(7, 0), time(7, 0)),
        (time(13, 0), time(12, 0), time(14, 30), time(14, 30)),
        (None, None, None, time(20, 0)),  # the default
    ],
)
def test_a_reminder_inside_quiet_hours_moves_to_their_end(chosen, start, end, fires):
    assert effective_time(plan(reminder_time=chosen, quiet_start=start, quiet_end=end)) == fires


@pytest.mark.parametrize(
    ("zone", "day", "moment", "expected_utc"),
    [
        (BERLIN, date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # gap: fires 03:30 CEST
        (BERLIN, date(2026, 3, 29), time(20, 0), datetime(2026, 3, 29, 18, 0, tzinfo=UTC)),  # CEST after the change
        (BERLIN, date(2026, 3, 28), time(20, 0), datetime(2026, 3, 28, 19, 0, tzinfo=UTC)),  # CET before it
        (BERLIN, date(2026, 10, 25), time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # overlap: first one
        (NEW_YORK, date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # gap: 03:30 EDT
        (NEW_YORK, date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # overlap: EDT
        (NEW_YORK, date(2026, 11, 1), time(20, 0), datetime(2026, 11, 2, 1, 0, tzinfo=UTC)),  # EST evening
    ],
)
def test_local_times_are_resolved_across_dst_changes(zone, day, moment, expected_utc):
    assert local_instant(day, moment, zone) == expected_utc


@pytest.mark.parametrize(
    ("zone", "day", "chosen"),
    [
        (BERLIN, date(2026, 3, 29), time(2, 30)),
        (BERLIN, date(2026, 10, 25), time(2, 30)),
        (NEW_YORK, date(2026, 3, 8), time(2, 30)),
        (NEW_YORK, date(2026, 11, 1), time(1, 30)),
    ],
)
def test_on_a_dst_day_the_reminder_is_due_once_and_not_before_its_time(zone, day, chosen):
    p = plan(timezone=zone, reminder_time=chosen)
    stage = stage_on(day, due_date=day + timedelta(weeks=6))
    every_ten = (at(zone, day, 0) + timedelta(minutes=m) for m in range(0, 25 * 60, 10))
    minutes = [m for m in every_ten if m.astimezone(ZoneInfo(zone)).date() == day]  # 23 or 25 hours
    due = [due_reminder(now=m, plan=p, stage=stage, last_logged=None) for m in minutes]
    first = next(i for i, d in enumerate(due) if d is not None)
    assert all(d is None for d in due[:first]) and all(d is not None for d in due[first:])
    assert {(d.day, d.kind, d.due_at) for d in due[first:]} == {(day, DAILY, local_instant(day, chosen, zone))}


@pytest.mark.parametrize(
    ("stage", "outside", "due"),
    [
        (THIRD_TRIMESTER, False, True),
        (SECOND_TRIMESTER, False, False),
        (SECOND_TRIMESTER, True, True),  # she opted in
        (BREASTFEEDING, False, True),
        (WEANED, False, False),
        (stage_on(DAY), False, False),  # no stage known
        (stage_on(DAY, due_date=DAY + timedelta(weeks=12)), False, True),  # 28+0 exactly
        (stage_on(DAY, due_date=DAY + timedelta(weeks=12, days=1)), False, False),  # 27+6
        (stage_on(DAY, delivery_date=DAY, breastfeeding=False), False, False),  # delivered, not breastfeeding
        (stage_on(DAY, delivery_date=DAY, breastfeeding=True), False, True),  # from the delivery day
    ],
)
def test_reminders_apply_in_the_third_trimester_and_while_breastfeeding(stage, outside, due):
    result = due_reminder(now=at(BERLIN, DAY, 21), plan=plan(outside_windows=outside), stage=stage, last_logged=None)
    assert (result is not None) is due


@pytest.mark.parametrize(
    ("hour", "minute", "last_logged", "expected"),
    [
        (19, 59, None, None),  # not yet
        (20, 0, None, (DAY, DAILY)),
        (23, 30, DAY - timedelta(days=1), (DAY, DAILY)),
        (21, 0, DAY, None),  # already logged today
        (21, 0, DAY - timedelta(days=3), (DAY, DAILY)),  # two days missed
        (21, 0, DAY - timedelta(days=4), (DAY, NUDGE)),  # three days missed: a gentle nudge
        (21, 0, DAY - timedelta(days=5), None),  # then weekly, not daily
        (21, 0, DAY - timedelta(days=11), (DAY, NUDGE)),
    ],
)
def test_due_reminders_skip_logged_days_and_nudge_after_missed_days(hour, minute, last_logged, expected):
    due = due_reminder(now=at(BERLIN, DAY, hour, minute), plan=plan(), stage=THIRD_TRIMESTER, last_logged=last_logged)
    assert (None if due is None else (due.day, due.kind)) == expected


def test_a_late_catch_up_inside_quiet_hours_waits():
    p = plan(reminder_time=time(20, 0), quiet_start=time(22, 0), quiet_end=time(7, 0))
    assert due_reminder(now=at(BERLIN, DAY, 21), plan=p, stage=THIRD_TRIMESTER, last_logged=None) is not None
    assert due_reminder(now=at(BERLIN, DAY, 23), plan=p, stage=THIRD_TRIMESTER, last_logged=None) is None


def test_a_reminder_moved_past_midnight_fires_in_the_morning_for_that_day():
    p = plan(reminder_time=time(23, 30), quiet_start=time(22, 0), quiet_end=time(7, 0))
    assert due_reminder(now=at(BERLIN, DAY, 6, 59), plan=p, stage=THIRD_TRIMESTER, last_logged=None) is None
    due = due_reminder(now=at(BERLIN, DAY, 7, 0), plan=p, stage=THIRD_TRIMESTER, last_logged=None)
    assert due is not None and due.day == DAY and due.due_at == at(BERLIN, DAY, 7)


def test_her_day_is_her_local_date_not_utc():
    p = plan(timezone=NEW_YORK, reminder_time=time(21, 0))
    now = at(NEW_YORK, DAY, 21, 30)  # already the next day in UTC
    assert now.date() == DAY + timedelta(days=1)
    due = due_reminder(now=now, plan=p, stage=THIRD_TRIMESTER, last_logged=None)
    assert due is not None and due.day == DAY


@pytest.mark.parametrize(
    ("last", "kind"),
    [
        (None, DAILY),
        (DAY - timedelta(days=1), DAILY),
        (DAY - timedelta(days=4), NUDGE),
        (DAY - timedelta(days=6), None),
    ],
)
def test_reminder_kind(last, kind):
    assert reminder_kind(DAY, last) == kind


def test_retry_backoff_doubles_up_to_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(20) == timedelta(hours=1)
