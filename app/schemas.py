"""Input and output schemas of the JSON API (and of the forms, which validate through them).

Strict throughout: scores are JSON integers 0-10 (not 5.0, true or "5"), unknown fields and
control characters are refused.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from app.domain.trend import RED_FLAG_CODES
from app.services.passwords import MAX_LENGTH as PASSWORD_MAX
from app.services.passwords import MIN_LENGTH as PASSWORD_MIN
from app.services.passwords import too_easy_to_guess

NOTE_MAX = 2000
TIMEZONES = frozenset(available_timezones())


def _no_control_characters(value: str, *, allow_newlines: bool = False) -> str:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValueError("control_characters")
    return value


def _plain_text(value: str) -> str:
    return _no_control_characters(value)


def _note_text(value: str) -> str:
    return _no_control_characters(value, allow_newlines=True).replace("\r\n", "\n")


def _email(value: str) -> str:
    value = _plain_text(value).strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or any(ch.isspace() for ch in value):
        raise ValueError("email_invalid")
    return value.lower()


def _hard_to_guess(value: str, info: ValidationInfo) -> str:
    # Fields validate in order, so at sign-up her email is already in `info.data`.
    email = (info.data or {}).get("email") or ""
    if too_easy_to_guess(value, user_inputs=[email]):
        raise ValueError("password_too_easy")
    return value


def _timezone(value: str) -> str:
    if value not in TIMEZONES:
        raise ValueError("timezone_unknown")
    return value


def _red_flag_codes(values: list[str]) -> list[str]:
    if any(code not in RED_FLAG_CODES for code in values):
        raise ValueError("red_flag_unknown")
    return sorted(set(values))


def _not_a_number(value: object) -> object:
    # Pydantic reads a JSON number as a Unix timestamp (8e-25 became 1970-01-01); dates and times are strings.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("not_a_string")
    return value


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:  # her local time of day; the zone is her profile's timezone
        raise ValueError("time_invalid")
    return value


WALL_CLOCK_SCHEMA = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"}
Day = Annotated[date, BeforeValidator(_not_a_number)]
# "HH:MM[:SS]" without an offset (OpenAPI's `format: time` would demand one).
TimeOfDay = Annotated[
    time, BeforeValidator(_not_a_number), AfterValidator(_wall_clock), WithJsonSchema(WALL_CLOCK_SCHEMA)
]
Score = Annotated[StrictInt, Field(ge=0, le=10)]
PlainText = Annotated[str, AfterValidator(_plain_text)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Password = Annotated[
    str,
    Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX),
    AfterValidator(_plain_text),
    AfterValidator(_hard_to_guess),
]
TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]
Note = Annotated[str, Field(max_length=NOTE_MAX), AfterValidator(_note_text)]
Locale = Literal["en", "de"]
HipSide = Literal["left", "right", "both"]
BackRegion = Literal["upper_mid", "lower"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


# Sign-up.
class AccountCreate(Strict):
    email: Email
    password: Password
    consent: Literal[True]
    timezone: TimeZoneName = "UTC"
    locale: Locale | None = None


# Sign-in.
class Credentials(Strict):
    email: Annotated[str, Field(max_length=254), AfterValidator(_plain_text)]
    password: Annotated[str, Field(max_length=PASSWORD_MAX)]


class PasswordChange(Strict):
    current_password: Annotated[str, Field(max_length=PASSWORD_MAX)]
    new_password: Password


class PasswordConfirmation(Strict):
    password: Annotated[str, Field(max_length=PASSWORD_MAX)]


class SessionPublic(BaseModel):
    csrf_token: str


# Her stage, preferences and risk context: what GET/PUT /api/v1/profile carry.
class Profile(Strict):
    due_date: Day | None = None
    delivery_date: Day | None = None
    breastfeeding: StrictBool = False
    weaning_date: Day | None = None
    timezone: TimeZoneName = "UTC"
    locale: Locale | None = None
    reminder_time: TimeOfDay | None = None
    quiet_start: TimeOfDay | None = None
    quiet_end: TimeOfDay | None = None
    risk_heparin: StrictBool = False
    risk_steroids: StrictBool = False
    risk_previous_plo: StrictBool = False
    risk_fragility_fracture: StrictBool = False
    risk_coeliac: StrictBool = False
    risk_low_weight: StrictBool = False
    risk_family_history: StrictBool = False
    risk_vitamin_d_deficiency: StrictBool = False
    risk_twins_or_ivf: StrictBool = False
    first_pregnancy: StrictBool | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Profile:
        if self.weaning_date and not self.delivery_date:
            raise ValueError("weaning_without_delivery")
        if self.weaning_date and self.delivery_date and self.weaning_date < self.delivery_date:
            raise ValueError("weaning_before_delivery")
        return self


class RedFlagAnswers(Strict):
    """Answers to the red-flag questions for a day (today by default): code -> yes/no."""

    day: Day | None = None
    answers: dict[Annotated[str, Field(max_length=32)], StrictBool] = Field(max_length=10)


# POST /api/v1/assessment/acknowledgements: the day she contacted her care team.
class AcknowledgementCreate(Strict):
    seen_on: Day


class FunctionAnswers(Strict):
    woke_at_night: StrictBool | None = None
    could_not_lift_baby: StrictBool | None = None
    walking_limited: StrictBool | None = None


# The fields an entry may carry besides its identity and time.
class EntryFields(Strict):
    back_pain: Score | None = None
    hip_pain: Score | None = None
    hip_side: HipSide | None = None
    back_region: BackRegion | None = None
    function: FunctionAnswers = FunctionAnswers()
    painkiller_taken: StrictBool | None = None
    painkiller_helped: StrictBool | None = None
    red_flags: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=10)] = []
    note: Note | None = None

    @model_validator(mode="after")
    def _checks(self) -> EntryFields:
        self.red_flags = _red_flag_codes(self.red_flags)
        if self.painkiller_helped is not None and not self.painkiller_taken:
            raise ValueError("painkiller_helped_without_taken")
        return self


# POST /api/v1/entries: the client generates `id`, so a replay is recognised.
class EntryCreate(EntryFields):
    id: uuid.UUID
    recorded_at: AwareDatetime
    day: Day | None = None  # the diary day it counts for; default: her local date of recorded_at

    @model_validator(mode="after")
    def _one_site(self) -> EntryCreate:
        if self.back_pain is None and self.hip_pain is None:
            raise ValueError("no_score")
        return self

    def fingerprint(self, *, include_time: bool = True) -> str:
        """A hash of the request's meaning: the same body (same instant, any offset) gives the same value.

        Forms leave the time out: the server stamps it, so a double submit differs only there.
        """
        data = self.model_dump(mode="json")
        data["recorded_at"] = self.recorded_at.timestamp() if include_time else None
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# PATCH /api/v1/entries/{id}: only the fields sent change.
class EntryUpdate(Strict):
    day: Day | None = None
    back_pain: Score | None = None
    hip_pain: Score | None = None
    hip_side: HipSide | None = None
    back_region: BackRegion | None = None
    function: FunctionAnswers | None = None
    painkiller_taken: StrictBool | None = None
    painkiller_helped: StrictBool | None = None
    note: Note | None = None


class EntryPublic(BaseModel):
    id: uuid.UUID
    recorded_at: datetime
    day: date
    back_pain: int | None
    hip_pain: int | None
    hip_side: str | None
    back_region: str | None
    function: FunctionAnswers
    painkiller_taken: bool | None
    painkiller_helped: bool | None
    red_flags: list[str]
    note: str | None
    created_at: datetime
    updated_at: datetime
