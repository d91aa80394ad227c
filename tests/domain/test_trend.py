"""The trend detector as a specification: day-by-day scores in, level and rule out.

Every diary below starts on START; `diary(back=[...], hip=[...])` logs one value a day
(None = a missing day) and `today` is the last day unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.stage import Phase, Stage
from app.domain.trend import (
    EMERGENCY_FLAGS,
    RED_FLAG_CODES,
    RED_FLAGS,
    RULE_LEVELS,
    Assessment,
    DayRecord,
    Level,
    assess,
    episodes,
    explain,
    max_level,
    notifications,
    notifications_due,
)
from app.domain.trend_config import DEFAULT_CONFIG, TrendConfig

START = date(2026, 3, 2)


def day(n: int) -> date:
    return START + timedelta(days=n)


def diary(
    back: list[int | None] | None = None,
    hip: list[int | None] | None = None,
    flags: dict[int, set[str]] | None = None,
) -> list[DayRecord]:
    """One record per day from START; a day with no score and no flag is left out."""
    back, hip, flags = back or [], hip or [], flags or {}
    n = max(len(back), len(hip), max(flags, default=-1) + 1)
    records = []
    for i in range(n):
        b = back[i] if i < len(back) else None
        h = hip[i] if i < len(hip) else None
        f = frozenset(flags.get(i, ()))
        if b is not None or h is not None or f:
            records.append(DayRecord(day(i), back=b, hip=h, red_flags=f))
    return records


def last_day(records: list[DayRecord]) -> date:
    return max(r.day for r in records)


def upto(records: list[DayRecord], today: date) -> list[DayRecord]:
    """What she had logged by `today` (replaying a diary as it grew)."""
    return [r for r in records if r.day <= today]


def run(records: list[DayRecord], **kw: object) -> Assessment:
    today = kw.setdefault("today", last_day(records))
    return assess(upto(records, today), **kw)  # type: ignore[arg-type]


def rules(a: Assessment) -> set[str]:
    return {r.rule for r in a.reasons}


def usual(level: int, days: int = 21) -> list[int | None]:
    """Three weeks at her usual level, so B is defined and equals `level`."""
    return [level] * days


def ramp(start: float, per_day: float, days: int) -> list[int | None]:
    return [round(start + per_day * j) for j in range(1, days + 1)]


# --- One table-driven test per rule ---------------------------------------------------------

RULE_CASES = [
    # id, back, hip, flags (day -> codes), expected level, rule that must be among the reasons
    ("RF-E", [*usual(3), 3], None, {21: {"saddle_numbness"}}, "emergency", "RF-E"),
    ("RF-E bladder", [*usual(3), 5], None, {21: {"bladder_bowel"}}, "emergency", "RF-E"),
    ("RF-W", [*usual(3), 3], [*usual(2), 5], {21: {"cannot_bear_weight"}}, "urgent", "RF-W"),
    ("RF-S", [*usual(6), 7], None, {21: {"sudden_onset"}}, "urgent", "RF-S"),
    ("RF-H urgent", [*usual(5), 7], None, {21: {"height_loss"}}, "urgent", "RF-H"),
    ("RF-H soon", [*usual(3), 4], None, {21: {"height_loss"}}, "see_clinician", "RF-H"),
    ("RF-H no score", usual(3), None, {21: {"height_loss"}}, "see_clinician", "RF-H"),
    ("RF-N", None, [*usual(5), 7], {21: {"night_rest_pain"}}, "see_clinician", "RF-N"),
    ("RF-L", None, [*usual(2), 3], {21: {"new_limp"}}, "see_clinician", "RF-L"),
    ("N1 8 then 8", [*usual(3), 8, 8], None, None, "urgent", "N1"),
    ("N1 two days apart", [*usual(4), 8, None, 8], None, None, "urgent", "N1"),
    ("N1 both >= B+4", [*usual(3), 7, 7], None, None, "urgent", "N1"),
    ("N2 >= 9 and >= B+4", [*usual(5), 9], None, None, "see_clinician", "N2"),
    ("N2 >= 7 and >= B+5", [*usual(2), 7], None, None, "see_clinician", "N2"),
    ("N3", [*usual(4), 7], None, None, "watch", "N3"),
    ("N4", [*usual(3), 5, 6, 5, 6, 5, 6, 5], None, None, "see_clinician", "N4"),
    ("N5 new user", [7, 8, 7], None, None, "see_clinician", "N5"),
    ("N5 hip", None, [7, 3, 8, 7, 9], None, "see_clinician", "N5"),
    ("N5 usual severe pain", [*usual(7), 8], None, None, "see_clinician", "N5"),
    ("N6", usual(2) + ramp(2, 0.2, 14), None, None, "watch", "N6"),
    ("N7", usual(4, 14) + ramp(4, 0.12, 20), None, None, "see_clinician", "N7"),
    ("N8", None, [*usual(0), 4, 4, 5], None, "watch", "N8"),
]


@pytest.mark.parametrize(
    ("back", "hip", "flags", "level", "rule"),
    [case[1:] for case in RULE_CASES],
    ids=[case[0] for case in RULE_CASES],
)
def test_each_rule_fires_at_its_level(back, hip, flags, level, rule):
    a = run(diary(back, hip, flags))
    assert a.level == level
    assert rule in rules(a)
    assert any(r.level == RULE_LEVELS[rule] or rule == "RF-H" for r in a.reasons if r.rule == rule)


QUIET_CASES = [
    # id, back, hip, flags: nothing should fire
    ("ordinary pain", [*usual(5), 6, 5, 6], None, None),
    ("one day up by 2", [*usual(4), 6], None, None),
    ("sudden onset, pain 6", [*usual(3), 6], None, {21: {"sudden_onset"}}),
    ("night pain, pain 6", [*usual(3), 6], None, {21: {"night_rest_pain"}}),
    ("two severe days, 3 days apart", usual(4) + [None] * 7 + [7, None, None, 7], None, None),
    ("cold start, moderate", [5, 6, 6], None, None),
    ("hip usual 2, new 4s", None, [*usual(2), 4, 4, 4], None),
    ("N1 needs >= 8 or both >= B+4", [*usual(4), 7, 7], None, None),
]


@pytest.mark.parametrize(("back", "hip", "flags"), [c[1:] for c in QUIET_CASES], ids=[c[0] for c in QUIET_CASES])
def test_it_stays_quiet_or_only_watches(back, hip, flags):
    a = run(diary(back, hip, flags))
    assert a.level in {"none", "watch"}
    assert not rules(a) & {"N1", "N2", "N4", "N5", "N7", "RF-S", "RF-N"}


def test_an_n1_pair_more_than_two_days_apart_only_watches():
    a = run(diary([*usual(4), 8, None, None, 8]))
    assert a.level == "watch"
    assert rules(a) == {"N3"}


# --- Input validation ---------------------------------------------------------------------


@pytest.mark.parametrize("score", [11, -1, 3.5, True, False, "5"])
def test_it_rejects_a_score_that_is_not_a_whole_number_0_to_10(score):
    with pytest.raises(ValueError):
        assess([DayRecord(START, back=score)], today=START)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        assess([DayRecord(START, hip=score)], today=START)  # type: ignore[arg-type]


def test_it_rejects_a_day_after_today():
    with pytest.raises(ValueError, match="after today"):
        assess([DayRecord(day(1), back=3)], today=START)


def test_it_rejects_an_unknown_red_flag_code():
    with pytest.raises(ValueError, match="unknown red-flag"):
        assess([DayRecord(START, red_flags=frozenset({"headache"}))], today=START)


def test_it_merges_duplicate_days_by_taking_the_worst():
    records = [*diary(usual(3)), DayRecord(day(21), back=2), DayRecord(day(21), back=8)]
    merged = [*diary(usual(3)), DayRecord(day(21), back=8)]
    assert run(records) == run(merged)
    flagged = [*records, DayRecord(day(21), red_flags=frozenset({"leg_weakness"}))]
    assert run(flagged).level == "emergency"


def test_an_empty_diary_and_all_none_days_mean_nothing_to_do():
    assert assess([], today=START) == Assessment(Level.NONE)
    assert assess([DayRecord(START)], today=START).level == "none"


# --- Episodes: rise at once, hold, close after 7 quiet days with M7 <= B+1 -----------------


def test_a_watch_holds_for_seven_quiet_days_then_closes():
    records = diary(usual(4) + [8] + [4] * 7)
    levels = [run(records, today=day(21 + n)).level for n in range(8)]
    assert levels == ["watch"] * 7 + ["none"]


def test_a_higher_rule_raises_the_level_at_once():
    records = diary([*usual(4), 8, 8])
    assert run(records, today=day(21)).level == "watch"
    assert run(records, today=day(22)).level == "urgent"


def test_the_level_holds_while_lower_rules_fire():
    records = diary([*usual(3), 8, 8, 7, None, 7])
    a = run(records)
    assert a.level == "urgent"
    assert rules(a) >= {"N1", "N3"}


def test_an_episode_stays_open_while_the_week_is_above_usual_plus_one():
    # After 8, 8: scores of 4 and 5 fire no rule but keep M7 above B+1 = 4.
    records = diary(usual(3) + [8, 8] + [4, 5] * 6 + [2] * 7)
    assert run(records, today=day(22 + 12)).level == "urgent"
    closed = [e.closed_on for e in episodes(records, today=last_day(records))]
    assert closed[0] is not None and closed[0] > day(22 + 12)


def test_an_episode_waits_for_her_to_log_before_closing():
    records = diary([*usual(3), 8, 8])
    assert run(records, today=day(60)).level == "urgent"


def test_usual_level_is_frozen_during_an_episode():
    # Six weeks at 6 would lift B to 6 if it were not frozen at 3.
    records = diary(usual(3) + [8, 8] + [6] * 42)
    a = run(records)
    assert a.level == "urgent"
    assert all(r.evidence["usual"] == 3 for r in a.reasons if "usual" in r.evidence)
    (episode,) = episodes(records, today=last_day(records))
    assert episode.baseline == {"back": 3, "hip": None}


def test_usual_level_uses_a_one_week_lag():
    # Days 21..27 are high; B on day 27 still comes from days 6..19 (all 3).
    a = run(diary(usual(3) + [6] * 6 + [7]))
    assert {r.evidence.get("usual") for r in a.reasons} - {None} == {3}


def test_usual_level_falls_back_to_the_last_three_weeks_with_five_values():
    # Only 5 values, all in the last week: B = their median (2), so 7 is >= B+5.
    a = run(diary([None] * 14 + [2, 2, 2, 2, 2, None, 7]))
    assert "N2" in rules(a)


# --- Acknowledgement ---------------------------------------------------------------------


def test_acknowledging_lifts_usual_level_to_what_the_clinician_has_seen():
    records = diary(usual(3) + [8, 8] + [6] * 20)
    ack = day(22 + 14)
    assert run(records, acknowledged_on=None).level == "urgent"
    assert run(records, acknowledged_on=ack).level == "none"
    (episode,) = episodes(records, today=last_day(records), acknowledged_on=ack)
    assert episode.acknowledged_on == ack
    assert episode.closed_on is not None


def test_the_acknowledged_reference_lasts_28_days():
    records = diary(usual(3) + [8, 8] + [6] * 7 + [6] * 35 + [8])
    ack = day(30)  # last 7 values: 6 -> B >= 6 until day 58
    assert "N2" not in rules(run(records, acknowledged_on=ack, today=day(58)))
    late = diary(usual(3) + [8, 8] + [6] * 7 + [3] * 30 + [None] * 10 + [8])
    assert run(late, acknowledged_on=ack).level != "none"


def test_escalation_after_acknowledgement_still_notifies():
    records = diary([*usual(3), 8, 3], flags={23: {"saddle_numbness"}})
    history = episodes(upto(records, day(23)), today=day(23), acknowledged_on=day(22))
    kinds = [(n.day, n.kind, n.level) for n in notifications(history, today=day(23))]
    assert (day(23), "escalation", Level.EMERGENCY) in kinds


# --- Notifications -----------------------------------------------------------------------


def due(records: list[DayRecord], today: date, **kw: object) -> list[tuple[str, str]]:
    """Pushes due on `today`, leaving out next-day check-ins (tested on their own)."""
    records = upto(records, today)
    notes = notifications_due(records, today=today, **kw)  # type: ignore[arg-type]
    return [(n.kind, n.level) for n in notes if n.kind != "check_in"]


def check_ins(records: list[DayRecord], today: date) -> list[date]:
    notes = notifications(episodes(upto(records, today), today=today), today=today)
    return [n.day for n in notes if n.kind == "check_in"]


def test_urgent_notifies_at_once_then_three_daily_reminders():
    records = diary([*usual(3), 8, 8])
    assert due(records, day(22)) == [("escalation", "urgent")]
    assert [due(records, day(22 + n)) for n in (1, 2, 3, 4)] == [[("reminder", "urgent")]] * 3 + [[]]


def test_acknowledgement_stops_reminders():
    records = diary([*usual(3), 8, 8])
    assert due(records, day(24), acknowledged_on=day(23)) == []
    assert due(records, day(23), acknowledged_on=day(23)) == []


def test_see_clinician_notifies_at_once_and_once_more_after_seven_days():
    records = diary(usual(3) + [9] + [5] * 12)
    assert due(records, day(21)) == [("new", "see_clinician")]
    reminders = [n for n in range(1, 12) if due(records, day(21 + n))]
    assert reminders == [7]


def test_emergency_notifies_every_time():
    records = diary([*usual(3), 3, 3, 3], flags={21: {"leg_weakness"}, 23: {"leg_weakness"}})
    assert due(records, day(21)) == [("new", "emergency")]
    assert due(records, day(22)) == []
    assert due(records, day(23), acknowledged_on=day(22)) == [("emergency", "emergency")]


def test_a_watch_asks_for_a_check_in_the_next_day():
    records = diary([*usual(4), 7])
    assert check_ins(records, day(21)) == []
    assert check_ins(records, day(22)) == [day(22)]
    assert [n.kind for n in notifications_due(records, today=day(22))] == ["check_in"]


def test_every_n3_day_asks_for_a_check_in_even_above_watch():
    # 9 on day 21 opens see_clinician (N2) and fires N3: "check in tomorrow" still holds.
    records = diary([*usual(3), 9, None, 8])
    assert check_ins(records, day(24)) == [day(22), day(24)]


def test_notifications_are_never_sent_after_the_episode_closed():
    records = diary(usual(3) + [9] + [3] * 7)
    history = episodes(records, today=day(40))
    assert history[0].closed_on == day(28)
    assert all(n.day < day(28) for n in notifications(history, today=day(40)))


# --- Messages ----------------------------------------------------------------------------


PREGNANT = Stage(Phase.PREGNANT, gestational_days=34 * 7)
POSTPARTUM = Stage(Phase.POSTPARTUM, postpartum_days=40, breastfeeding=True, breastfeeding_days=40)


def test_messages_give_her_numbers_and_route_by_stage():
    records = diary([*usual(3), 8, 8])
    pregnant = run(records, stage=PREGNANT).reasons[0].message
    after_birth = run(records, stage=POSTPARTUM).reasons[0].message
    unknown = run(records).reasons[0].message
    assert "8 and then 8 out of 10" in pregnant and "about 3" in pregnant
    assert "midwife or maternity unit" in pregnant
    assert "GP, midwife or postnatal team" in after_birth
    assert "midwife, GP or clinician" in unknown
    assert "today" in pregnant and "emergency number" in pregnant


def test_weight_bearing_hip_flags_add_the_weight_advice():
    a = run(diary(hip=[*usual(2), 5], flags={21: {"cannot_bear_weight"}}))
    assert "Try not to put weight on that leg" in a.reasons[0].message
    b = run(diary([*usual(3), 8, 8]))
    assert "weight on that leg" not in b.reasons[0].message


def test_emergency_message_says_call_now():
    a = run(diary([*usual(3), 3], flags={21: {"obstetric_warning"}}), stage=PREGNANT)
    assert "Call your local emergency number or your maternity unit now" in a.reasons[0].message


def test_every_reason_has_a_why_text_with_its_figures():
    for case in RULE_CASES:
        a = run(diary(case[1], case[2], case[3]))
        for reason in a.reasons:
            text = explain(reason)
            assert text and "{" not in text
            if "usual" in reason.evidence:
                assert str(reason.evidence["usual"]).removesuffix(".0") in text


def test_flags_never_name_a_diagnosis():
    for case in RULE_CASES:
        for stage in (None, PREGNANT, POSTPARTUM):
            for reason in run(diary(case[1], case[2], case[3]), stage=stage).reasons:
                for text in (reason.message, explain(reason)):
                    assert "fracture" not in text.lower()
                    assert "osteoporosis" not in text.lower()


def test_reasons_come_most_severe_first():
    a = run(diary([*usual(3), 8, 8]))
    ranks = [r.level.rank for r in a.reasons]
    assert ranks == sorted(ranks, reverse=True)


# --- Constants and config -------------------------------------------------------------------


def test_the_red_flag_table_matches_clinical_md():
    assert len(RED_FLAG_CODES) == 10
    assert {
        "saddle_numbness",
        "bladder_bowel",
        "leg_weakness",
        "obstetric_warning",
        "fever_with_back_pain",
    } == EMERGENCY_FLAGS
    assert RED_FLAGS["obstetric_warning"].pregnant_only
    assert RED_FLAGS["new_limp"].sites == ("hip",)


def test_levels_compare_by_severity():
    assert max_level(Level.WATCH, Level.URGENT, Level.SEE_CLINICIAN) is Level.URGENT
    assert [lv.rank for lv in Level] == [0, 1, 2, 3, 4]
    assert Level.URGENT == "urgent"


def test_a_clinical_lead_can_change_a_threshold_without_touching_the_logic():
    records = diary([*usual(4), 7])
    assert run(records).level == "watch"
    assert run(records, config=TrendConfig(n3_rise=4)).level == "none"
    assert DEFAULT_CONFIG.n3_rise == 3
