"""Translations: gettext catalogs (Babel PO files) compiled in memory at start-up.

Every `.po` file under `app/locale/<lang>/LC_MESSAGES/` is merged, so features can keep their
own catalogue (the trend detector's messages live in `trend.po`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("en", "de")
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:  # noqa: N802  (gettext convention: mark for extraction only)
    return message


def catalog_files(locale: str) -> list[Path]:
    return sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po"))


def merged_catalog(locale: str) -> Catalog:
    merged = Catalog(locale=locale)
    for path in catalog_files(locale):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    return merged


@lru_cache
def translations(locale: str) -> NullTranslations:
    if locale == "en":
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, merged_catalog(locale))
    buffer.seek(0)
    return Translations(buffer)


def best_locale(candidates: Iterable[str | None], default: str) -> str:
    """The first supported locale among `candidates` (her setting first, then the browser's)."""
    for candidate in candidates:
        if candidate and candidate[:2].lower() in LOCALES:
            return candidate[:2].lower()
    return default


def accept_language(header: str | None) -> list[str]:
    """Languages from an Accept-Language header, most preferred first."""
    weighted = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]
