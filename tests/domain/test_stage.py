"""Stage arithmetic: pure, `today` passed in, no clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.stage import Phase, gestational_days_on, stage_on

DUE = date(2027, 3, 1)


@pytest.mark.parametrize(
    ("today", "week", "weekday", "third_trimester"),
    [
        (DUE, 40, 0, True),
        (DUE - timedelta(days=84), 28, 0, True),  # 28+0: the third trimester begins
        (DUE - timedelta(days=85), 27, 6, False),
        (DUE - timedelta(days=280), 0, 0, False),
        (DUE + timedelta(days=10), 41, 3, True),  # overdue, not yet delivered
    ],
)
def test_gestational_age_counts_back_from_the_due_date(today, week, weekday, third_trimester):
    stage = stage_on(today, due_date=DUE)
    assert stage.phase is Phase.PREGNANT
    assert (stage.gestational_week, stage.gestational_weekday, stage.third_trimester) == (
        week,
        weekday,
        third_trimester,
    )


def test_the_birth_moves_her_to_postpartum_whatever_the_due_date():
    birth = DUE - timedelta(days=20)
    assert stage_on(birth - timedelta(days=1), due_date=DUE, delivery_date=birth).phase is Phase.PREGNANT
    on_the_day = stage_on(birth, due_date=DUE, delivery_date=birth, breastfeeding=True)
    assert (on_the_day.phase, on_the_day.postpartum_week, on_the_day.postpartum_days) == (Phase.POSTPARTUM, 1, 0)
    assert stage_on(birth + timedelta(days=7), due_date=DUE, delivery_date=birth).postpartum_week == 2


def test_breastfeeding_ends_on_the_weaning_date():
    birth = date(2027, 1, 10)
    weaned = date(2027, 5, 1)
    before = stage_on(weaned - timedelta(days=1), delivery_date=birth, breastfeeding=True, weaning_date=weaned)
    after = stage_on(weaned, delivery_date=birth, breastfeeding=True, weaning_date=weaned)
    assert before.breastfeeding and before.breastfeeding_days == (weaned - birth).days - 1
    assert not after.breastfeeding and after.breastfeeding_days is None


def test_breastfeeding_needs_a_birth():
    assert not stage_on(DUE, due_date=DUE, breastfeeding=True).breastfeeding


def test_no_dates_means_unknown_stage():
    stage = stage_on(DUE)
    assert stage.phase is Phase.UNKNOWN and stage.gestational_week is None and stage.postpartum_week is None


def test_gestational_days_may_be_negative_long_before_conception():
    assert gestational_days_on(DUE - timedelta(days=300), DUE) == -20
