"""Red-flag question codes (CLINICAL.md section 2). The codes are part of the API contract."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    WITH_SEVERE_PAIN = "with_severe_pain"
    SOON = "soon"


# Order is the order in which the questions are asked: the most serious first.
RED_FLAG_TIERS: dict[str, Tier] = {
    "saddle_numbness": Tier.EMERGENCY,
    "bladder_bowel": Tier.EMERGENCY,
    "leg_weakness": Tier.EMERGENCY,
    "obstetric_warning": Tier.EMERGENCY,
    "fever_with_back_pain": Tier.EMERGENCY,
    "cannot_bear_weight": Tier.URGENT,
    "sudden_onset": Tier.WITH_SEVERE_PAIN,
    "height_loss": Tier.WITH_SEVERE_PAIN,
    "night_rest_pain": Tier.WITH_SEVERE_PAIN,
    "new_limp": Tier.SOON,
}
RED_FLAG_CODES: frozenset[str] = frozenset(RED_FLAG_TIERS)
PREGNANCY_ONLY_FLAGS: frozenset[str] = frozenset({"obstetric_warning"})
