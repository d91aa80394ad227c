"""Words of the trend detector: message templates, "why am I seeing this?" texts, questions.

Every template is an English Python format string with named placeholders, wrapped in `N_`
so Babel can extract it (`pybabel extract -k N_`); the German lives in
`app/locale/de/LC_MESSAGES/trend.po` with the English template as its msgid. A clinician can
review all patient-facing wording in this one file. Flags never name a diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from app.domain.stage import Phase, Stage

Gettext = Callable[[str], str]


def N_(s: str) -> str:  # noqa: N802 - the usual gettext marker name
    """Mark a string for extraction; translation happens later through `gettext`."""
    return s


def _identity(s: str) -> str:
    return s


# --- Pieces ----------------------------------------------------------------------------------

SITE_PAIN = {"back": N_("back pain"), "hip": N_("hip or groin pain")}
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)
DATE_FORMAT = N_("{day} {month}")
DECIMAL_POINT = N_(".")  # translators: the decimal separator, e.g. "," in German
NOT_LOGGED = N_("not logged")

WHO = {
    Phase.PREGNANT: N_("your midwife or maternity unit"),
    Phase.POSTPARTUM: N_("your GP, midwife or postnatal team"),
    Phase.UNKNOWN: N_("your midwife, GP or clinician"),
}

# --- Red-flag questions (CLINICAL.md section 2) and short labels ----------------------------

RED_FLAG_QUESTIONS = {
    "saddle_numbness": N_("New numbness between your legs or around your bottom?"),
    "bladder_bowel": N_("New trouble passing urine, or losing control of bladder or bowel?"),
    "leg_weakness": N_("New weakness or numbness in both legs, or spreading?"),
    "obstetric_warning": N_("Bleeding, leaking fluid, or regular tightenings before 37 weeks?"),
    "fever_with_back_pain": N_("Fever, or pain in your side with burning when you pass urine?"),
    "cannot_bear_weight": N_("Can you not put weight on your leg, or not walk, because of the pain?"),
    "sudden_onset": N_("Did this pain start suddenly (for example when lifting or bending)?"),
    "height_loss": N_("Have you noticed you are shorter, or clothes fit differently at the waist or ribs?"),
    "night_rest_pain": N_("Does the pain wake you or stay when you rest?"),
    "new_limp": N_("Have you started to limp?"),
}

RED_FLAG_LABELS = {
    "saddle_numbness": N_("numbness between your legs or around your bottom"),
    "bladder_bowel": N_("trouble with your bladder or bowel"),
    "leg_weakness": N_("weakness or numbness in your legs"),
    "obstetric_warning": N_("bleeding, leaking fluid or regular tightenings"),
    "fever_with_back_pain": N_("fever or burning when you pass urine"),
    "cannot_bear_weight": N_("not able to put weight on your leg"),
}

# --- What we noticed (one per rule; RF-H has a variant for a day without a back score) -----

NOTICED = {
    "RF-E": N_("You told us about a warning sign that needs help straight away: {flags}."),
    "RF-W": N_("You told us you cannot put weight on your leg, or cannot walk, because of the pain."),
    "RF-S": N_("You told us your {site_pain} started suddenly, and it was {value} out of 10 on {date}."),
    "RF-H": N_(
        "You told us you may have become shorter, or your clothes fit differently. Your back "
        "pain was {value} out of 10 on {date}."
    ),
    "RF-N": N_(
        "You told us your {site_pain} wakes you or stays when you rest, and it was {value} out of 10 on {date}."
    ),
    "RF-L": N_("You told us you have started to limp."),
    "N1": N_(
        "Your {site_pain} was {first} and then {second} out of 10, up to {date}. Your usual level is about {usual}."
    ),
    "N2": N_("Your {site_pain} was {value} out of 10 on {date}. Your usual level is about {usual}."),
    "N3": N_("Your {site_pain} was {value} out of 10 on {date}. Your usual level is about {usual}."),
    "N4": N_(
        "In the week up to {date} your {site_pain} was {mean} out of 10 on average. Your usual level is about {usual}."
    ),
    "N5": N_(
        "Your {site_pain} was 7 out of 10 or more on {count} of the {logged} days you logged in the week up to {date}."
    ),
    "N6": N_(
        "Your {site_pain} has been slowly going up over 2 weeks, to {mean} out of 10 on "
        "average in the week up to {date}. Your usual level is about {usual}."
    ),
    "N7": N_(
        "Your {site_pain} has been slowly going up over 3 weeks, to {mean} out of 10 on "
        "average in the week up to {date}. Your usual level is about {usual}."
    ),
    "N8": N_(
        "You logged hip or groin pain of 4 out of 10 or more on {count} of your last "
        "{logged} days, up to {date}. This is new for you."
    ),
}
NOTICED_RF_H_NO_SCORE = N_("You told us you may have become shorter, or your clothes fit differently.")

# --- What to do and by when, per level ---------------------------------------------------------

ACTION = {
    "watch": N_("Please answer a few short questions now. We will check in with you tomorrow."),
    "see_clinician": N_("Please contact {who} in the next few days and tell them about this."),
    "urgent": N_("Please get checked today: contact {who} today and tell them about this."),
}
ACTION_EMERGENCY = {
    Phase.PREGNANT: N_("Call your local emergency number or your maternity unit now."),
    Phase.POSTPARTUM: N_("Call your local emergency number now."),
    Phase.UNKNOWN: N_("Call your local emergency number now."),
}
SAFETY_NET = N_(
    "If the pain becomes very bad, or you get numbness between your legs, trouble passing "
    "urine, or weakness in your legs, call your local emergency number straight away."
)
WEIGHT_ADVICE = N_("Try not to put weight on that leg until you have been seen.")
STILL_WATCHING = N_("We are still keeping an eye on this.")

# --- "Why am I seeing this?" (the rule in words, with her figures) --------------------------

USUAL_LEVEL = N_(
    "Your usual level is the middle value of the scores you logged 1 to 3 weeks before (or "
    "in the last 3 weeks, if you are new). It does not go up while a flag is open."
)
EXPLAIN = {
    "RF-E": N_("You answered yes to: {flags}. Any of these signs always means: get help straight away."),
    "RF-W": N_(
        "You answered yes to: not able to put weight on your leg, or not able to walk, "
        "because of the pain. This always means: get checked today."
    ),
    "RF-S": N_(
        "You said the pain started suddenly, and your {site_pain} that day was {value} out "
        "of 10. Sudden pain of 7 or more means: get checked today."
    ),
    "RF-H": N_(
        "You said you may have become shorter. Your back pain that day was {value}. With "
        "back pain of 7 or more this means: get checked today; otherwise: contact someone in "
        "the next few days."
    ),
    "RF-N": N_(
        "You said the pain wakes you or stays when you rest, and your {site_pain} that day "
        "was {value} out of 10. Pain like this at 7 or more means: contact someone in the "
        "next few days."
    ),
    "RF-L": N_("You said you have started to limp. A new limp means: contact someone in the next few days."),
    "N1": N_(
        "Your last two entries, {first} and {second} out of 10 (no more than 2 days apart), "
        "were both 7 or more and at least 3 points above your usual level of {usual}; one "
        "was 8 or more, or both were at least 4 points above it. Two days like this mean: "
        "get checked today."
    ),
    "N2": N_(
        "Your entry of {value} out of 10 was either 9 or more and at least 4 points above "
        "your usual level of {usual}, or 7 or more and at least 5 points above it. This "
        "means: contact someone in the next few days."
    ),
    "N3": N_(
        "Your entry of {value} out of 10 was 7 or more and at least 3 points above your "
        "usual level of {usual}. One bad day is common and often settles, so we ask a few "
        "questions and check in with you tomorrow."
    ),
    "N4": N_(
        "In the last 7 days you logged {logged} times. The average, {mean}, was 5 or more "
        "and at least 2 points above your usual level of {usual}, and {high} entries were "
        "at least 2 points above it. A week like this means: contact someone in the next "
        "few days."
    ),
    "N5": N_(
        "In the last 7 days {count} of your {logged} entries were 7 out of 10 or more. When "
        "at least 3 entries, and at least 3 in every 4, are this high, we suggest contacting "
        "someone in the next few days."
    ),
    "N6": N_(
        "Over the last 14 days ({logged} entries) your scores went up by about {per_week} "
        "points a week, too steady to be chance alone (p {p}). This week's average, "
        "{mean}, was 4 or more and at least 1 point above your usual level of {usual}. We "
        "keep an eye on this and check in with you."
    ),
    "N7": N_(
        "Over the last 21 days ({logged} entries) your scores went up by about {per_week} "
        "points a week, too steady to be chance alone (p {p}). This week's average, "
        "{mean}, was 5 or more and at least 1.5 points above your usual level of {usual}. "
        "This means: contact someone in the next few days."
    ),
    "N8": N_(
        "Your usual hip or groin pain is about {usual} out of 10, and {count} of your last "
        "{logged} entries were 4 or more. New hip pain is worth keeping an eye on."
    ),
}
USES_USUAL_LEVEL = frozenset({"N1", "N2", "N3", "N4", "N6", "N7", "N8"})
WEIGHT_RULES = frozenset({"RF-W", "RF-L"})


# --- Rendering -----------------------------------------------------------------------------


def format_number(value: Any, gettext: Gettext) -> str:
    """A score or figure for people: integers as is, others to one decimal, None as words."""
    if value is None:
        return gettext(NOT_LOGGED)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", gettext(DECIMAL_POINT))
    return str(int(value)) if isinstance(value, float) else str(value)


def format_date(iso_day: str, gettext: Gettext) -> str:
    """`2026-05-12` as "12 May" (or the translated equivalent)."""
    day = date.fromisoformat(iso_day)
    month = gettext(MONTHS[day.month - 1])
    return gettext(DATE_FORMAT).format(day=day.day, month=month)


def _fields(site: str | None, evidence: Mapping[str, Any], gettext: Gettext) -> dict[str, str]:
    """Placeholder values for a template: her figures, formatted for reading."""
    fields = {key: format_number(value, gettext) for key, value in evidence.items()}
    fields["date"] = format_date(str(evidence["day"]), gettext)
    fields["site_pain"] = gettext(SITE_PAIN[site]) if site else ""
    flags = evidence.get("flags", ())
    fields["flags"] = ", ".join(gettext(RED_FLAG_LABELS.get(code, code)) for code in flags)
    if "slope" in evidence:
        fields["per_week"] = format_number(round(float(evidence["slope"]) * 7, 1), gettext)
    if "p" in evidence:
        p = float(evidence["p"])
        shown = "< 0.001" if p < 0.001 else f"= {p:.3f}"
        fields["p"] = shown.replace(".", gettext(DECIMAL_POINT))
    return fields


def render_message(
    rule: str,
    site: str | None,
    level: str,
    evidence: Mapping[str, Any],
    *,
    stage: Stage | None,
    still: bool,
    gettext: Gettext | None = None,
) -> str:
    """The flag text: what we noticed, what to do and by when, the safety net.

    1. "What we noticed" from the rule's template with her numbers (and "still keeping an eye"
       first when the rule fired on an earlier day of the open episode).
    2. What to do, by level, routed by stage (emergency: call now).
    3. Weight-bearing advice for the hip rules that involve it, then the safety net.
    """
    gt = gettext or _identity
    fields = _fields(site, evidence, gt)
    phase = stage.phase if stage else Phase.UNKNOWN
    template = NOTICED[rule]
    if rule == "RF-H" and evidence.get("value") is None:
        template = NOTICED_RF_H_NO_SCORE
    parts = [gt(STILL_WATCHING)] if still else []
    parts.append(gt(template).format(**fields))
    if level == "emergency":
        parts.append(gt(ACTION_EMERGENCY[phase]))
    else:
        parts.append(gt(ACTION[level]).format(who=gt(WHO[phase])))
    if rule in WEIGHT_RULES:
        parts.append(gt(WEIGHT_ADVICE))
    if level != "emergency":
        parts.append(gt(SAFETY_NET))
    return " ".join(parts)


def render_explanation(
    rule: str,
    site: str | None,
    evidence: Mapping[str, Any],
    gettext: Gettext | None = None,
) -> str:
    """ "Why am I seeing this?": the rule in words with the figures it used."""
    gt = gettext or _identity
    text = gt(EXPLAIN[rule]).format(**_fields(site, evidence, gt))
    if rule in USES_USUAL_LEVEL:
        text = f"{text} {gt(USUAL_LEVEL)}"
    return text


def all_templates() -> list[str]:
    """Every translatable string in this module (for tests and the .po file)."""
    groups: list[Any] = [
        SITE_PAIN.values(),
        MONTHS,
        [DATE_FORMAT, DECIMAL_POINT, NOT_LOGGED, NOTICED_RF_H_NO_SCORE, SAFETY_NET],
        [WEIGHT_ADVICE, STILL_WATCHING, USUAL_LEVEL],
        WHO.values(),
        RED_FLAG_QUESTIONS.values(),
        RED_FLAG_LABELS.values(),
        NOTICED.values(),
        ACTION.values(),
        ACTION_EMERGENCY.values(),
        EXPLAIN.values(),
    ]
    seen: dict[str, None] = {}
    for group in groups:
        for text in group:
            seen.setdefault(text, None)
    return list(seen)
