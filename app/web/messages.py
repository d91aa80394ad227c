"""Error and notice wording, keyed by stable codes; translated at render time."""

from __future__ import annotations

from app.i18n import N_, translations

MESSAGES: dict[str, str] = {
    # services
    "not_found": N_("We could not find that."),
    "conflict": N_("That conflicts with something already saved."),
    "entry_id_conflict": N_("An entry with this id was already saved with different details."),
    "email_taken": N_("An account with this email already exists. Try signing in."),
    "bad_credentials": N_("That email and password do not match an account."),
    "wrong_password": N_("Your current password is not right."),
    "too_many_attempts": N_("Too many attempts. Please wait a few minutes and try again."),
    "not_signed_in": N_("Please sign in."),
    "csrf_failed": N_("This form has expired. Please go back, reload the page and try again."),
    "repeated_parameter": N_("A field was sent more than once."),
    "database_busy": N_("The diary is busy right now. Nothing was changed; please try again in a moment."),
    "server_error": N_("Something went wrong on our side. Nothing was changed; please try again."),
    "unsupported_media_type": N_("Send JSON with Content-Type: application/json."),
    # input
    "invalid": N_("Please check this value."),
    "no_score": N_("Choose a back pain score or a hip pain score (or both)."),
    "score_range": N_("A pain score is a whole number from 0 to 10."),
    "missing": N_("This is required."),
    "unknown_field": N_("This field is not recognised."),
    "too_long": N_("This is too long."),
    "too_short": N_("This is too short."),
    "password_too_short": N_("Choose a password of at least 10 characters."),
    "password_too_easy": N_(
        "This password is too easy to guess: it is common, appears in lists of leaked passwords or"
        " is close to your email. Try three or four words you will remember."
    ),
    "control_characters": N_("This contains characters that cannot be saved."),
    "email_invalid": N_("Enter an email address like name@example.com."),
    "timezone_unknown": N_("Choose a time zone from the list."),
    "red_flag_unknown": N_("One of the questions was not recognised."),
    "consent_required": N_("Please confirm that you agree, so the diary can store your health data."),
    "choice_invalid": N_("Choose one of the options offered."),
    "date_invalid": N_("Enter a valid date."),
    "datetime_invalid": N_("Enter a date and time with a time zone offset."),
    "bool_invalid": N_("Answer yes or no."),
    "uuid_invalid": N_("This id is not valid."),
    "json_invalid": N_("The request body is not valid JSON."),
    "recorded_in_future": N_("This time is in the future."),
    "day_in_future": N_("You cannot log a day that has not happened yet."),
    "day_too_old": N_("You can add entries for the last 7 days only."),
    "delivery_in_future": N_("The birth date cannot be in the future."),
    "weaning_without_delivery": N_("Add the birth date before a weaning date."),
    "weaning_before_delivery": N_("The weaning date cannot be before the birth date."),
    "painkiller_helped_without_taken": N_("Say whether a painkiller helped only if you took one."),
    "passwords_differ": N_("The two new passwords are not the same."),
    # share links and export
    "label_required": N_("Give the link a name, for example the name of your clinician."),
    "expiry_range": N_("Choose how long the link works: 1 to 90 days."),
    "export_format": N_("Choose one of the formats offered: json, csv or fhir."),
    # push reminders
    "push_endpoint_not_allowed": N_("This browser's push service is not supported."),
    "push_keys_invalid": N_("This browser sent a push subscription that cannot be used."),
    "quiet_hours_incomplete": N_("Give both a start and an end for quiet hours, or neither."),
    "time_invalid": N_("Enter a time like 20:00."),
}

# Pydantic error types → our codes (so no message ever quotes the submitted value).
PYDANTIC_CODES: dict[str, str] = {
    "missing": "missing",
    "extra_forbidden": "unknown_field",
    "int_type": "score_range",
    "int_parsing": "score_range",
    "greater_than_equal": "score_range",
    "less_than_equal": "score_range",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "literal_error": "choice_invalid",
    "enum": "choice_invalid",
    "date_type": "date_invalid",
    "date_parsing": "date_invalid",
    "date_from_datetime_parsing": "date_invalid",
    "datetime_type": "datetime_invalid",
    "datetime_parsing": "datetime_invalid",
    "datetime_from_date_parsing": "datetime_invalid",
    "timezone_aware": "datetime_invalid",
    "time_type": "date_invalid",
    "time_parsing": "date_invalid",
    "bool_type": "bool_invalid",
    "bool_parsing": "bool_invalid",
    "uuid_type": "uuid_invalid",
    "uuid_parsing": "uuid_invalid",
    "json_invalid": "json_invalid",
    "model_attributes_type": "invalid",
    "dict_type": "invalid",
    "list_type": "invalid",
    "string_type": "invalid",
}


def message(code: str, locale: str) -> str:
    return translations(locale).gettext(MESSAGES.get(code, MESSAGES["invalid"]))


def code_for_pydantic_error(error: dict) -> str:
    """Our code for one pydantic error: custom ValueErrors carry a code as their message."""
    if error.get("type") == "value_error":
        raw = str(error.get("ctx", {}).get("error", ""))
        return raw if raw in MESSAGES else "invalid"
    if error.get("type") == "string_too_short" and error.get("loc", ())[-1:] in (("password",), ("new_password",)):
        return "password_too_short"
    if error.get("type") == "literal_error" and error.get("loc", ())[-1:] == ("consent",):
        return "consent_required"
    return PYDANTIC_CODES.get(str(error.get("type")), "invalid")


def field_errors(errors: list[dict], locale: str) -> list[dict]:
    """Pydantic errors as `{loc, code, msg}` without `input` or `ctx` (they echo values)."""
    result = []
    for error in errors:
        code = code_for_pydantic_error(error)
        loc = [part for part in error.get("loc", ()) if isinstance(part, str | int)]
        result.append({"loc": loc, "code": code, "msg": message(code, locale)})
    return result
