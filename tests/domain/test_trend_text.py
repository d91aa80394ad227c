"""The detector's words: complete German catalogue, same placeholders, never a diagnosis."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from babel.messages.pofile import read_po

from app.domain.stage import Phase, Stage
from app.domain.trend import RED_FLAG_CODES, DayRecord, Level, Reason, assess, explain, reword
from app.domain.trend_text import RED_FLAG_QUESTIONS, all_templates

PO = Path(__file__).parents[2] / "app" / "locale" / "de" / "LC_MESSAGES" / "trend.po"
FORBIDDEN = ("fracture", "osteoporosis", "fraktur", "osteoporose", "bruch")
START = date(2026, 3, 2)


def german() -> dict[str, str]:
    with PO.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle, locale="de") if m.id and not m.fuzzy}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_every_template_has_a_german_translation_with_the_same_placeholders():
    de = german()
    for template in all_templates():
        assert de.get(template), f"missing German for {template!r}"
        assert placeholders(de[template]) == placeholders(template), template


def test_the_german_catalogue_has_no_stale_entries():
    assert set(german()) == set(all_templates())


def test_no_template_in_any_language_names_a_diagnosis():
    for text in [*all_templates(), *german().values()]:
        assert not any(word in text.lower() for word in FORBIDDEN), text


def test_every_red_flag_code_has_a_question():
    assert set(RED_FLAG_QUESTIONS) == RED_FLAG_CODES


def test_a_flag_reads_in_german_with_her_numbers_and_routing():
    de = german()
    records = [DayRecord(START + timedelta(days=n), back=3) for n in range(21)]
    records += [DayRecord(START + timedelta(days=21), back=8)]
    records += [DayRecord(START + timedelta(days=22), back=8)]
    stage = Stage(Phase.POSTPARTUM, postpartum_days=30, breastfeeding=True, breastfeeding_days=30)
    a = assess(records, today=START + timedelta(days=22), stage=stage, gettext=lambda s: de.get(s, s))
    message = a.reasons[0].message
    assert "Ihre Rückenschmerzen lagen bei 8 und dann bei 8 von 10, zuletzt am 24. März" in message
    assert "Hausarztpraxis" in message and "Notrufnummer" in message
    why = explain(a.reasons[0], gettext=lambda s: de.get(s, s))
    assert "üblichen Wert von 3" in why


def test_figures_use_the_german_decimal_comma():
    de = german()
    records = [DayRecord(START + timedelta(days=n), back=3) for n in range(21)]
    records += [DayRecord(START + timedelta(days=21 + n), back=v) for n, v in enumerate([5, 6, 5, 6, 5, 6, 5])]
    a = assess(records, today=START + timedelta(days=27), gettext=lambda s: de.get(s, s))
    n4 = next(r for r in a.reasons if r.rule == "N4")
    assert "5,4 von 10" in n4.message


def test_a_stored_reason_can_be_reworded_in_german():
    de = german()
    stored = Reason("N2", "back", Level.SEE_CLINICIAN, "", {"day": "2026-05-12", "usual": 3.0, "value": 9})
    message = reword(stored, stage=Stage(Phase.PREGNANT, gestational_days=250), gettext=lambda s: de.get(s, s)).message
    assert message.startswith("Ihre Rückenschmerzen lagen am 12. Mai bei 9 von 10.")
    assert "Hebamme oder Ihre Geburtsklinik" in message
