"""Turning the pain-log form into the API's schemas (one validation path for both)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from app.schemas import EntryCreate, EntryUpdate

SCORE_PATTERN = re.compile(r"(?:10|[0-9])")
YES_NO = {"yes": True, "no": False}
CHECKBOX_FIELDS = ("woke_at_night", "could_not_lift_baby", "walking_limited")


class FormError(Exception):
    """A form value that cannot even be typed (e.g. a score of "1_0"): reported like a validation error."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field, self.code = field, code


def _score(form: dict[str, Any], field: str) -> int | None:
    raw = form.get(field, "")
    if raw == "":
        return None
    if not SCORE_PATTERN.fullmatch(raw):  # int() would accept "1_0", "+5" and " 5"
        raise FormError(field, "score_range")
    return int(raw)


def _choice(form: dict[str, Any], field: str) -> str | None:
    return form.get(field) or None


def _yes_no(form: dict[str, Any], field: str) -> bool | None:
    raw = form.get(field, "")
    if raw == "":
        return None
    if raw not in YES_NO:
        raise FormError(field, "bool_invalid")
    return YES_NO[raw]


def _day(form: dict[str, Any]) -> date | None:
    raw = form.get("day", "")
    if raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError("day", "date_invalid") from None


def _fields(form: dict[str, Any]) -> dict[str, Any]:
    return {
        "back_pain": _score(form, "back_pain"),
        "hip_pain": _score(form, "hip_pain"),
        "hip_side": _choice(form, "hip_side"),
        "back_region": _choice(form, "back_region"),
        "function": {name: (True if form.get(name) == "yes" else None) for name in CHECKBOX_FIELDS},
        "painkiller_taken": _yes_no(form, "painkiller_taken"),
        "painkiller_helped": _yes_no(form, "painkiller_helped"),
        "note": form.get("note") or None,
    }


def entry_create_from_form(form: dict[str, Any], now: datetime) -> EntryCreate:
    """The form's entry; its id was put in the form when it was shown, so a double submit is one entry."""
    try:
        entry_id = uuid.UUID(form.get("entry_id", ""))
    except ValueError:
        raise FormError("entry_id", "uuid_invalid") from None
    return EntryCreate(
        id=entry_id, recorded_at=now, day=_day(form), red_flags=form.get("red_flags", []), **_fields(form)
    )


def entry_update_from_form(form: dict[str, Any]) -> EntryUpdate:
    fields = _fields(form)
    fields["function"] = {name: form.get(name) == "yes" for name in CHECKBOX_FIELDS}
    day = _day(form)
    return EntryUpdate(**fields, **({"day": day} if day else {}))


def form_errors(exc: ValidationError | FormError, gettext_message) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Field name → translated message, for showing next to the fields."""
    if isinstance(exc, FormError):
        return {exc.field: gettext_message(exc.code)}
    from app.web.messages import code_for_pydantic_error

    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        field = loc[-1] if loc and loc[0] != "function" else "form"
        errors.setdefault(field if loc else "form", gettext_message(code_for_pydantic_error(dict(error))))
    return errors
