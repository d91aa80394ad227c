"""The diary pages: the three-tap log, editing, deleting, history and the profile."""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import ValidationError

from app.domain.diary_day import backfill_days, day_that_just_ended, local_today
from app.models import Patient, utcnow
from app.schemas import TIMEZONES, Profile
from app.services import entries, profile
from app.services.errors import InvalidInput, NotFound
from app.web.chart import history_chart
from app.web.deps import DbSession, PagePatient, csrf_protect
from app.web.entry_form import FormError, entry_create_from_form, entry_update_from_form, form_errors
from app.web.messages import message
from app.web.pages_common import FormFields, Page, redirect
from app.web.pages_flags import assessment_context

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
HISTORY_RANGES = (30, 90)
RISK_FIELDS = (
    "risk_heparin",
    "risk_steroids",
    "risk_previous_plo",
    "risk_fragility_fracture",
    "risk_coeliac",
    "risk_low_weight",
    "risk_family_history",
    "risk_vitamin_d_deficiency",
    "risk_twins_or_ivf",
)


def _log_context(me: Patient, db: DbSession, values: dict[str, Any] | None = None) -> dict[str, Any]:
    now = utcnow()
    today = local_today(now, me.timezone)
    return {
        "entry_id": (values or {}).get("entry_id") or str(uuid.uuid4()),
        "values": values or {},
        "night_day": day_that_just_ended(now, me.timezone),
        "today": today,
        "backfill": backfill_days(now, me.timezone),
        "todays": entries.day_summaries(session=db, patient=me, start=today, end=today),
    }


@router.get("/")
def home(page: Page, db: DbSession, saved: uuid.UUID | None = None) -> Response:
    me = page.auth.patient
    if me is None:
        return page.render("landing.html", {"deleted": page.request.query_params.get("deleted")})
    context = {**_log_context(me, db), **assessment_context(page, db, me)}
    context["answered"] = page.request.query_params.get("answered")
    context["acknowledged"] = page.request.query_params.get("acknowledged")
    if saved:
        with suppress(NotFound):
            context["saved"] = entries.get_entry(session=db, patient=me, entry_id=saved)
    return page.render("home.html", {**context, "errors": {}})


@router.post("/entries")
def create_entry(page: Page, me: PagePatient, form: FormFields, db: DbSession) -> Response:
    try:
        data = entry_create_from_form(form, utcnow())
        result = entries.create_entry(session=db, patient=me, data=data, server_timed=True)
    except (ValidationError, FormError) as exc:
        errors = form_errors(exc, lambda code: message(code, page.locale))
        return _log_again(page, db, me, form, errors)
    except InvalidInput as exc:
        return _log_again(page, db, me, form, {"day": message(exc.code, page.locale)})
    return redirect(f"/?saved={result.entry.id}")


def _log_again(page: Page, db: DbSession, me: Patient, form: dict[str, Any], errors: dict[str, str]) -> Response:
    """The log form again, with her answers kept and the problems next to the fields."""
    context = {**_log_context(me, db, form), **assessment_context(page, db, me), "errors": errors}
    return page.render("home.html", context, 422)


@router.get("/entries/{entry_id}/edit")
def edit_entry_form(entry_id: uuid.UUID, page: Page, me: PagePatient, db: DbSession) -> Response:
    entry = entries.get_entry(session=db, patient=me, entry_id=entry_id)
    return page.render("entry_edit.html", {"entry": entry, "values": _entry_values(entry), "errors": {}, **_days(me)})


def _days(me: Patient) -> dict[str, Any]:
    return {"backfill": backfill_days(utcnow(), me.timezone)}


def _entry_values(entry: Any) -> dict[str, Any]:
    yes_no = {True: "yes", False: "no", None: ""}
    values = {name: getattr(entry, name) for name in ("back_pain", "hip_pain", "hip_side", "back_region", "note")}
    values.update(
        {
            name: "yes" if getattr(entry, name) else ""
            for name in ("woke_at_night", "could_not_lift_baby", "walking_limited")
        }
    )
    values.update({name: yes_no[getattr(entry, name)] for name in ("painkiller_taken", "painkiller_helped")})
    values["day"] = entry.day.isoformat()
    return {k: "" if v is None else str(v) for k, v in values.items()}


@router.post("/entries/{entry_id}")
def update_entry(entry_id: uuid.UUID, page: Page, me: PagePatient, form: FormFields, db: DbSession) -> Response:
    entry = entries.get_entry(session=db, patient=me, entry_id=entry_id)
    try:
        changes = entry_update_from_form(form)
        entries.update_entry(session=db, patient=me, entry_id=entry_id, changes=changes)
    except (ValidationError, FormError) as exc:
        errors = form_errors(exc, lambda code: message(code, page.locale))
        return page.render("entry_edit.html", {"entry": entry, "values": form, "errors": errors, **_days(me)}, 422)
    except InvalidInput as exc:
        db.rollback()
        errors = {"form": message(exc.code, page.locale)}
        return page.render("entry_edit.html", {"entry": entry, "values": form, "errors": errors, **_days(me)}, 422)
    return redirect("/history?updated=1")


@router.get("/entries/{entry_id}/delete")
def delete_entry_confirm(entry_id: uuid.UUID, page: Page, me: PagePatient, db: DbSession) -> Response:
    entry = entries.get_entry(session=db, patient=me, entry_id=entry_id)
    return page.render("entry_delete.html", {"entry": entry})


@router.post("/entries/{entry_id}/delete")
def delete_entry(entry_id: uuid.UUID, page: Page, me: PagePatient, db: DbSession) -> Response:
    entries.delete_entry(session=db, patient=me, entry_id=entry_id)
    return redirect("/history?deleted=1")


@router.get("/history")
def history(page: Page, me: PagePatient, db: DbSession, days: int = Query(default=30)) -> Response:
    days = days if days in HISTORY_RANGES else HISTORY_RANGES[0]
    today = local_today(utcnow(), me.timezone)
    start = today - timedelta(days=days - 1)
    summaries = entries.day_summaries(session=db, patient=me, start=start, end=today)
    chart = history_chart(summaries, start=start, end=today, patient=me, gettext=page.gettext)
    notice = next((key for key in ("updated", "deleted") if page.request.query_params.get(key)), None)
    return page.render(
        "history.html",
        {"days": days, "ranges": HISTORY_RANGES, "summaries": summaries, "chart": chart, "notice": notice},
    )


@router.get("/profile")
def profile_form(page: Page, me: PagePatient) -> Response:
    values = profile.get_profile(me).model_dump()
    welcome = page.request.query_params.get("welcome")
    saved = page.request.query_params.get("saved")
    return page.render("profile.html", _profile_context(values, {}) | {"welcome": welcome, "saved": saved})


def _profile_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {"values": values, "errors": errors, "timezones": sorted(TIMEZONES), "risk_fields": RISK_FIELDS}


def _optional_date(form: dict[str, Any], field: str) -> date | None:
    raw = form.get(field) or ""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise FormError(field, "date_invalid") from None


def _profile_from_form(form: dict[str, Any], me: Patient) -> Profile:
    first = {"yes": True, "no": False}.get(form.get("first_pregnancy", ""))
    return Profile(
        due_date=_optional_date(form, "due_date"),
        delivery_date=_optional_date(form, "delivery_date"),
        breastfeeding=form.get("breastfeeding") == "yes",
        weaning_date=_optional_date(form, "weaning_date"),
        timezone=form.get("timezone", me.timezone),
        locale=form.get("locale") or None,
        reminder_time=me.reminder_time,
        quiet_start=me.quiet_start,
        quiet_end=me.quiet_end,
        first_pregnancy=first,
        **{name: form.get(name) == "yes" for name in RISK_FIELDS},
    )


@router.post("/profile")
def save_profile(page: Page, me: PagePatient, form: FormFields, db: DbSession) -> Response:
    try:
        profile.update_profile(session=db, patient=me, profile=_profile_from_form(form, me))
    except (ValidationError, FormError) as exc:
        errors = form_errors(exc, lambda code: message(code, page.locale))
        return page.render("profile.html", _profile_context(form, errors), 422)
    except InvalidInput as exc:
        db.rollback()
        return page.render(
            "profile.html", _profile_context(form, {"delivery_date": message(exc.code, page.locale)}), 422
        )
    return redirect("/profile?saved=1")


@router.get("/birth")
def birth_form(page: Page, me: PagePatient) -> Response:
    today = local_today(utcnow(), me.timezone)
    return page.render(
        "birth.html", {"values": {"delivery_date": today.isoformat(), "breastfeeding": "yes"}, "errors": {}}
    )


@router.post("/birth")
def record_birth(page: Page, me: PagePatient, form: FormFields, db: DbSession) -> Response:
    """ "My baby is born": moves her from pregnancy to postpartum, keeping everything else."""
    try:
        delivery = _optional_date(form, "delivery_date")
        if delivery is None:
            raise FormError("delivery_date", "missing")
        profile.record_birth(
            session=db, patient=me, delivery_date=delivery, breastfeeding=form.get("breastfeeding") == "yes"
        )
    except FormError as exc:
        return page.render("birth.html", {"values": form, "errors": {exc.field: message(exc.code, page.locale)}}, 422)
    except InvalidInput as exc:
        db.rollback()
        return page.render(
            "birth.html", {"values": form, "errors": {"delivery_date": message(exc.code, page.locale)}}, 422
        )
    return redirect("/?born=1")
