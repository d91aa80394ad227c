"""Figures for the clinician summary, per site (pure; days and scores come in as arguments).

Definitions (CLINICAL.md sections 4 and 6; a 2-point change is the minimal clinically
important change on a 0-10 scale):

- **Usual level**: the quartiles of her logged values in a reference period: the 28 days
  before `reference_end` (the first flag in the period) when given, else the first 28 days
  from her first logged day in the period. Needs at least 5 values, else undefined.
- **First meaningful rise**: after the reference period, the first logged day at least 2
  points above the usual (median) level whose next 7 days (that day included, at least 3
  logged) also average at least 2 points above it.
- **Peak**: the highest value and the first day it was logged.
- **Current 7-day mean**: the mean of values logged in the last 7 days of the period.
- **Gaps**: runs of 3 or more days without a value, between her first logged day and the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from statistics import mean, quantiles

REFERENCE_DAYS = 28
MIN_REFERENCE_VALUES = 5
MEANINGFUL_CHANGE = 2
RISE_WINDOW_DAYS = 7
MIN_RISE_VALUES = 3
GAP_DAYS = 3


@dataclass(frozen=True)
class UsualLevel:
    low: float  # first quartile
    middle: float  # median
    high: float  # third quartile


@dataclass(frozen=True)
class SiteStats:
    usual: UsualLevel | None
    first_rise: date | None
    peak: int | None
    peak_day: date | None
    mean7: float | None
    days_logged: int
    period_days: int
    gaps: int
    longest_gap: int


def site_stats(values: Mapping[date, int], *, start: date, end: date, reference_end: date | None = None) -> SiteStats:
    """The summary figures for one site's day values (worst score per day) within start..end."""
    inside = {day: score for day, score in values.items() if start <= day <= end}
    usual = usual_level(inside, reference_end)
    peak_day = min(inside, key=lambda day: (-inside[day], day)) if inside else None
    recent = [score for day, score in inside.items() if day > end - timedelta(days=RISE_WINDOW_DAYS)]
    gaps = gap_lengths(inside, end)
    return SiteStats(
        usual=usual,
        first_rise=first_rise(inside, usual, reference_end),
        peak=inside[peak_day] if peak_day else None,
        peak_day=peak_day,
        mean7=round(mean(recent), 1) if recent else None,
        days_logged=len(inside),
        period_days=(end - start).days + 1,
        gaps=len(gaps),
        longest_gap=max(gaps, default=0),
    )


def _reference_span(values: Mapping[date, int], reference_end: date | None) -> tuple[date, date] | None:
    if reference_end is not None:
        return reference_end - timedelta(days=REFERENCE_DAYS), reference_end - timedelta(days=1)
    if not values:
        return None
    first = min(values)
    return first, first + timedelta(days=REFERENCE_DAYS - 1)


def usual_level(values: Mapping[date, int], reference_end: date | None = None) -> UsualLevel | None:
    span = _reference_span(values, reference_end)
    if span is None:
        return None
    chosen = sorted(score for day, score in values.items() if span[0] <= day <= span[1])
    if len(chosen) < MIN_REFERENCE_VALUES:
        return None
    low, middle, high = quantiles(chosen, n=4, method="inclusive")
    return UsualLevel(low, middle, high)


def first_rise(values: Mapping[date, int], usual: UsualLevel | None, reference_end: date | None = None) -> date | None:
    if usual is None:
        return None
    span = _reference_span(values, reference_end)
    after = span[1] if span else None
    threshold = usual.middle + MEANINGFUL_CHANGE
    for day in sorted(values):
        if (after and day <= after) or values[day] < threshold:
            continue
        following = (day + timedelta(days=k) for k in range(RISE_WINDOW_DAYS))
        window = [values[d] for d in following if d in values]
        if len(window) >= MIN_RISE_VALUES and mean(window) >= threshold:
            return day
    return None


def gap_lengths(values: Mapping[date, int], end: date) -> list[int]:
    """Lengths of the runs of GAP_DAYS or more days without a value, from the first value to `end`."""
    days = sorted(values)
    if not days:
        return []
    edges = [*days, end + timedelta(days=1)]
    missing = [(later - earlier).days - 1 for earlier, later in pairwise(edges)]
    return [length for length in missing if length >= GAP_DAYS]
