"""Every threshold of the trend detector, with its CLINICAL.md (v0.1) default.

A clinical lead changes numbers here (or passes a modified copy to `assess(config=...)`),
never the logic in `trend.py`. Scores are on the 0-10 scale; windows are calendar days
counted back from the day being assessed, that day included. `docs/detector.md` describes
each rule in words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrendConfig:
    """Thresholds of the v0.1 rules (CLINICAL.md section 4); all defaults are CLINICAL.md's."""

    # --- Usual level B: median of logged values in a lagged window ---------------------------
    baseline_far: int = 21  # B looks back to d-21 ...
    baseline_lag: int = 8  # ... and, when it can, stops at d-8 (one-week lag)
    baseline_min_lagged: int = 7  # values needed in d-21..d-8
    baseline_min_recent: int = 5  # else values needed in d-21..d-1
    ack_reference_values: int = 7  # after an acknowledgement B >= median of the last 7 values
    ack_reference_days: int = 28  # ... for this many days after the acknowledgement day

    # --- Windows and "consecutive" -----------------------------------------------------------
    window_days: int = 7  # W7: d-6..d; M7 is the mean of its logged values
    consecutive_max_gap: int = 2  # logged days at most 2 calendar days apart are consecutive

    # --- Severity bands ----------------------------------------------------------------------
    severe: int = 7  # 7-10 is "severe"
    very_severe: int = 8  # N1: one of the two days at least this

    # --- N1 (urgent): two consecutive severe days well above B -------------------------------
    n1_rise: int = 3  # both >= B+3 ...
    n1_strong_rise: int = 4  # ... and one >= 8, or both >= B+4

    # --- N2 (see_clinician): one very high day far above B -----------------------------------
    n2_extreme: int = 9  # >= 9 and >= B+4 ...
    n2_extreme_rise: int = 4
    n2_big_rise: int = 5  # ... or >= 7 and >= B+5

    # --- N3 (watch): one severe day well above B ---------------------------------------------
    n3_rise: int = 3

    # --- N4 (see_clinician): a sustained week above B ----------------------------------------
    n4_min_values: int = 4
    n4_rise: float = 2.0  # M7 >= B+2, and >= 3 values >= B+2
    n4_min_mean: float = 5.0
    n4_min_high_values: int = 3

    # --- N5 (see_clinician): mostly severe week, needs no B ----------------------------------
    n5_min_severe: int = 3
    n5_min_share: float = 0.75

    # --- N7 (see_clinician) and N6 (watch): slow rise (Theil-Sen + Mann-Kendall) -------------
    n7_window: int = 21
    n7_min_values: int = 12
    n7_min_slope: float = 0.10  # points per day
    n7_max_p: float = 0.01
    n7_min_mean: float = 5.0
    n7_rise: float = 1.5
    n6_window: int = 14
    n6_min_values: int = 8
    n6_min_slope: float = 0.10
    n6_max_p: float = 0.05
    n6_min_mean: float = 4.0
    n6_rise: float = 1.0

    # --- N8 (watch): new hip pain --------------------------------------------------------------
    n8_max_baseline: float = 1.0
    n8_last_values: int = 5
    n8_min_high: int = 3
    n8_high: int = 4

    # --- Red-flag rules ------------------------------------------------------------------------
    rf_h_urgent_back: int = 7  # RF-H is urgent when back today >= 7, else see_clinician

    # --- Episodes (hysteresis) ---------------------------------------------------------------
    quiet_days_to_close: int = 7  # days in a row with no rule firing ...
    close_margin: float = 1.0  # ... and M7 <= B+1 for every site that triggered

    # --- Notifications (CLINICAL.md section 3) -----------------------------------------------
    urgent_reminders: int = 3  # at most 3 daily reminders while unacknowledged
    see_clinician_reminder_after: int = 7  # one reminder 7 days after see_clinician
    # "Check in tomorrow": after every day N3 fires (True), or only when a watch opens (False).
    # True catches a second severe day sooner (urgent N1) at the cost of more check-ins and a
    # few more urgent false alarms; docs/detector-evaluation.md reports both settings.
    check_in_after_every_n3: bool = True


DEFAULT_CONFIG = TrendConfig()
