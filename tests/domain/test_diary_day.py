"""Which day an entry counts for: her timezone, the midnight rule, backfill and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.diary_day import (
    backfill_days,
    day_that_just_ended,
    default_day,
    entry_day_problem,
    local_today,
)

BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 11, 24, 23, 30), date(2026, 11, 24)),  # 00:30 in Berlin: the day that just ended
        (utc(2026, 11, 25, 2, 59), date(2026, 11, 24)),  # 03:59 in Berlin
        (utc(2026, 11, 25, 3, 0), None),  # 04:00 in Berlin: a new day
        (utc(2026, 11, 25, 12, 0), None),
        (utc(2026, 11, 24, 22, 59), None),  # 23:59 in Berlin
    ],
)
def test_between_midnight_and_four_the_day_that_just_ended_is_offered(now, expected):
    assert day_that_just_ended(now, BERLIN) == expected


def test_the_local_day_follows_her_timezone():
    moment = utc(2026, 11, 25, 23, 30)
    assert local_today(moment, "UTC") == date(2026, 11, 25)
    assert local_today(moment, BERLIN) == date(2026, 11, 26)
    assert local_today(moment, "America/Los_Angeles") == date(2026, 11, 25)


def test_dst_spring_forward_keeps_the_right_day_and_midnight_rule():
    # Berlin changes 02:00 CET -> 03:00 CEST on 2027-03-28 (01:00 UTC).
    before = utc(2027, 3, 28, 0, 59)  # 01:59 CET
    after = utc(2027, 3, 28, 1, 0)  # 03:00 CEST
    assert local_today(before, BERLIN) == local_today(after, BERLIN) == date(2027, 3, 28)
    assert day_that_just_ended(after, BERLIN) == date(2027, 3, 27)
    assert day_that_just_ended(utc(2027, 3, 28, 2, 0), BERLIN) is None  # 04:00 CEST


def test_dst_fall_back_hour_happens_twice_on_the_same_day():
    # Berlin changes 03:00 CEST -> 02:00 CET on 2026-10-25 (01:00 UTC).
    first = utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    second = utc(2026, 10, 25, 1, 30)  # 02:30 CET
    assert local_today(first, BERLIN) == local_today(second, BERLIN) == date(2026, 10, 25)
    assert day_that_just_ended(second, BERLIN) == date(2026, 10, 24)
    assert day_that_just_ended(utc(2026, 10, 25, 2, 59), BERLIN) == date(2026, 10, 24)  # 03:59 CET
    assert day_that_just_ended(utc(2026, 10, 25, 3, 0), BERLIN) is None


def test_backfill_offers_today_and_seven_days_before():
    days = backfill_days(utc(2026, 11, 25, 12), BERLIN)
    assert days[0] == date(2026, 11, 25) and days[-1] == date(2026, 11, 18) and len(days) == 8


@pytest.mark.parametrize(
    ("day", "recorded_at", "problem"),
    [
        (date(2026, 11, 25), utc(2026, 11, 25, 11), None),
        (date(2026, 11, 18), utc(2026, 11, 25, 11), None),
        (date(2026, 11, 17), utc(2026, 11, 25, 11), "day_too_old"),
        (date(2026, 11, 26), utc(2026, 11, 25, 11), "day_in_future"),
        (date(2026, 11, 25), utc(2026, 11, 25, 12, 4), None),  # within the clock-skew allowance
        (date(2026, 11, 25), utc(2026, 11, 25, 12, 6), "recorded_in_future"),
        (date(2026, 11, 20), utc(2026, 11, 10, 11), "day_too_old"),  # recorded too long ago
    ],
)
def test_entry_day_rules(day, recorded_at, problem):
    now = utc(2026, 11, 25, 12)
    assert entry_day_problem(day=day, recorded_at=recorded_at, now=now, timezone=BERLIN) == problem


def test_a_phone_clock_slightly_ahead_cannot_push_an_entry_into_tomorrow():
    now = utc(2026, 11, 25, 22, 58)  # 23:58 in Berlin
    ahead = now + timedelta(minutes=3)  # 00:01 tomorrow on her phone
    assert default_day(ahead, now, BERLIN) == date(2026, 11, 25)
