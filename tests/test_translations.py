"""Every message the app can show exists in German, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from app.i18n import merged_catalog, translations
from app.web.messages import MESSAGES

ROOT = Path(__file__).resolve().parent.parent
METHOD_MAP = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
OPTIONS = {"app/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_messages() -> set[str | tuple[str, ...]]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_extraction_finds_the_app_messages():
    messages = extracted_messages()
    assert len(messages) > 150
    assert "Back pain" in messages


def test_every_message_has_a_german_translation_with_the_same_placeholders():
    catalog = merged_catalog("de")
    missing, mismatched = [], []
    for message in extracted_messages():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(key)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(key)) for s in strings if s):
            mismatched.append(key)
    assert missing == [], f"untranslated: {missing}"
    assert mismatched == [], f"placeholders differ: {mismatched}"


def test_every_error_code_is_translated():
    german = translations("de")
    untranslated = [code for code, text in MESSAGES.items() if german.gettext(text) == text]
    assert untranslated == []


def test_german_pages_render_in_german(stranger):
    page = stranger.get("/signup", headers={"Accept-Language": "de"}).text
    assert "Konto erstellen" in page
