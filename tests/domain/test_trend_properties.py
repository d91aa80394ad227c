"""Properties of the trend detector that must hold for any diary (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import trend
from app.domain.trend import RED_FLAG_CODES, DayRecord, assess

START = date(2026, 1, 5)
SPAN = 70
TODAY = START + timedelta(days=SPAN - 1)
FAST = settings(max_examples=60, deadline=None)

scores = st.one_of(st.none(), st.integers(0, 10))
flag_sets = st.frozensets(st.sampled_from(sorted(RED_FLAG_CODES)), max_size=2)


@st.composite
def diaries(draw: st.DrawFn, with_flags: bool = True) -> list[DayRecord]:
    """Up to SPAN days of scores around a drawn usual level, some missing, few red flags."""
    level = draw(st.integers(0, 8))
    noisy = st.one_of(st.none(), st.integers(max(0, level - 2), min(10, level + 3)), scores)
    offsets = draw(st.lists(st.integers(0, SPAN - 1), min_size=1, max_size=SPAN, unique=True))
    records = []
    for n in offsets:
        flags = draw(flag_sets) if with_flags and draw(st.integers(0, 9)) == 0 else frozenset()
        records.append(DayRecord(START + timedelta(days=n), draw(noisy), draw(noisy), flags))
    return records


@FAST
@given(diaries(), st.lists(st.integers(0, SPAN - 1), max_size=20))
def test_adding_missing_days_never_raises_the_level(records, extra):
    padded = records + [DayRecord(START + timedelta(days=n)) for n in extra]
    assert assess(padded, today=TODAY).level.rank <= assess(records, today=TODAY).level.rank


@FAST
@given(diaries(), st.integers(0, SPAN - 1), st.sampled_from(sorted(RED_FLAG_CODES)))
def test_answering_a_red_flag_yes_never_lowers_the_level(records, n, code):
    answered = [*records, DayRecord(START + timedelta(days=n), red_flags=frozenset({code}))]
    assert assess(answered, today=TODAY).level.rank >= assess(records, today=TODAY).level.rank


@FAST
@given(diaries(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_input_order(records, rnd):
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert assess(shuffled, today=TODAY) == assess(records, today=TODAY)


@FAST
@given(
    diaries(with_flags=False),
    st.one_of(st.integers(max_value=-1), st.integers(min_value=11), st.floats(0, 10), st.booleans()),
    st.sampled_from(["back", "hip"]),
)
def test_values_outside_0_to_10_are_rejected(records, bad, site):
    broken = DayRecord(START, **{site: bad})
    with pytest.raises(ValueError):
        assess([*records, broken], today=TODAY)


@FAST
@given(diaries())
def test_the_same_input_gives_the_same_output(records):
    assert assess(records, today=TODAY) == assess(list(records), today=TODAY)


def every_logged_day(s, site, cfg, acks):
    return set(s.pos), set(s.pos)


@settings(max_examples=40, deadline=None)
@given(diaries())
def test_the_fast_paths_change_nothing(records):
    """Skipping days that cannot fire (trend._candidates) gives the same history as trying all."""
    with mock.patch.object(trend, "_candidates", every_logged_day):
        slow = trend.episodes(records, today=TODAY)
    assert trend.episodes(records, today=TODAY) == slow
