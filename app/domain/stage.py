"""Pregnancy and postpartum stage arithmetic (pure; `today` is always an argument).

Gestational age is counted from the due date: the due date is 40+0 weeks, so on `today`
the pregnancy is `280 - (due_date - today).days` days along. Third trimester starts at 28+0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

FULL_TERM_DAYS = 280
THIRD_TRIMESTER_DAYS = 28 * 7


class Phase(StrEnum):
    PREGNANT = "pregnant"
    POSTPARTUM = "postpartum"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Stage:
    """Where she is on `today`; what the detector and the pages may use."""

    phase: Phase
    gestational_days: int | None = None  # pregnant only: days since 0+0
    postpartum_days: int | None = None  # postpartum only: days since delivery (delivery day = 0)
    breastfeeding: bool = False  # breastfeeding on `today` (stopped after a weaning date)
    breastfeeding_days: int | None = None  # days since delivery while still breastfeeding

    @property
    def gestational_week(self) -> int | None:
        """Completed weeks of pregnancy (the "28" of 28+3)."""
        return None if self.gestational_days is None else self.gestational_days // 7

    @property
    def gestational_weekday(self) -> int | None:
        """Extra days beyond completed weeks (the "3" of 28+3)."""
        return None if self.gestational_days is None else self.gestational_days % 7

    @property
    def postpartum_week(self) -> int | None:
        """Week after birth, counted from 1 (days 0-6 after delivery are week 1)."""
        return None if self.postpartum_days is None else self.postpartum_days // 7 + 1

    @property
    def third_trimester(self) -> bool:
        return self.phase is Phase.PREGNANT and (self.gestational_days or 0) >= THIRD_TRIMESTER_DAYS


def gestational_days_on(day: date, due_date: date) -> int:
    """Days of pregnancy on `day` for a pregnancy due on `due_date` (may be negative or > 280)."""
    return FULL_TERM_DAYS - (due_date - day).days


def stage_on(
    today: date,
    *,
    due_date: date | None = None,
    delivery_date: date | None = None,
    breastfeeding: bool = False,
    weaning_date: date | None = None,
) -> Stage:
    """Her stage on `today`.

    1. A delivery date on or before `today` means postpartum, whatever the due date says.
    2. Otherwise a due date means pregnant (gestational age counted back from it).
    3. Breastfeeding counts only after delivery and before a weaning date that has passed.
    """
    if delivery_date is not None and delivery_date <= today:
        postpartum_days = (today - delivery_date).days
        nursing = breastfeeding and (weaning_date is None or weaning_date > today)
        return Stage(
            phase=Phase.POSTPARTUM,
            postpartum_days=postpartum_days,
            breastfeeding=nursing,
            breastfeeding_days=postpartum_days if nursing else None,
        )
    if due_date is not None:
        return Stage(phase=Phase.PREGNANT, gestational_days=gestational_days_on(today, due_date))
    return Stage(phase=Phase.UNKNOWN)
