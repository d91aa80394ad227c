"""The JSON API, /api/v1 (see DESIGN.md). Same services as the pages; same session cookie."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from app.domain.diary_day import local_today
from app.domain.trend import Assessment
from app.i18n import translations
from app.models import Patient, utcnow
from app.schemas import (
    AccountCreate,
    AcknowledgementCreate,
    Credentials,
    EntryCreate,
    EntryPublic,
    EntryUpdate,
    PasswordChange,
    PasswordConfirmation,
    Profile,
    RedFlagAnswers,
    SessionPublic,
)
from app.services import auth, entries, flags, profile
from app.web.deps import (
    ApiPatient,
    AuthDep,
    DbSession,
    Locale,
    client_address,
    csrf_protect,
    policy_of,
    reject_repeated_query_parameters,
)
from app.web.errors import API_ERRORS, CONFLICT, NOT_FOUND, THROTTLED
from app.web.session_cookie import clear_session_cookie, set_session_cookie


def require_json(request: Request) -> None:
    if request.method in ("POST", "PUT", "PATCH") and not request.headers.get("content-type", "").startswith(
        "application/json"
    ):
        raise HTTPException(status_code=415, detail="unsupported_media_type")


router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(require_json), Depends(csrf_protect), Depends(reject_repeated_query_parameters)],
    responses=API_ERRORS,
)


@router.post("/accounts", status_code=201, tags=["account"], responses={**CONFLICT, **THROTTLED})
def create_account(body: AccountCreate, request: Request, db: DbSession) -> dict[str, str]:
    """Sign up. The email must be free (409 otherwise; throttled per client like sign-in)."""
    auth.create_account(
        session=db,
        policy=policy_of(request),
        email=body.email,
        password=body.password,
        client=client_address(request),
        timezone=body.timezone,
        locale=body.locale,
    )
    return {"status": "created"}


@router.post("/sessions", tags=["account"], response_model=SessionPublic, responses=THROTTLED)
def sign_in(body: Credentials, request: Request, db: DbSession, current: AuthDep) -> JSONResponse:
    """Sign in: a new session cookie (any previous one on this browser is destroyed)."""
    patient = auth.authenticate(
        session=db, policy=policy_of(request), email=body.email, password=body.password, client=client_address(request)
    )
    new = auth.start_session(session=db, patient_id=patient.id, replaces=current.token)
    response = JSONResponse(SessionPublic(csrf_token=new.csrf_token).model_dump())
    set_session_cookie(request, response, new.token)
    return response


@router.delete("/sessions/current", status_code=204, tags=["account"])
def sign_out(request: Request, db: DbSession, current: AuthDep, me: ApiPatient) -> Response:
    auth.end_session(session=db, token=current.token or "")
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


@router.put("/account/password", tags=["account"], response_model=SessionPublic)
def change_password(
    body: PasswordChange, request: Request, db: DbSession, current: AuthDep, me: ApiPatient
) -> JSONResponse:
    """Change the password; every other session is signed out, this one gets a fresh id."""
    new = auth.change_password(
        session=db,
        patient=me,
        current_password=body.current_password,
        new_password=body.new_password,
        current_token=current.token or "",
    )
    response = JSONResponse(SessionPublic(csrf_token=new.csrf_token).model_dump())
    set_session_cookie(request, response, new.token)
    return response


@router.delete("/account", status_code=204, tags=["account"])
def delete_account(body: PasswordConfirmation, request: Request, db: DbSession, me: ApiPatient) -> Response:
    """Withdraw consent: her account and every record about her are erased."""
    auth.delete_account(session=db, patient=me, password=body.password)
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


def assessment_payload(db: DbSession, me: Patient, locale: str, result: Assessment | None = None) -> dict[str, object]:
    """`{level, reasons: [{rule, site, level, message, evidence}], as_of}` in her language."""
    result = result or flags.assessment(session=db, patient=me, gettext=translations(locale).gettext)
    return {
        "level": result.level.value,
        "reasons": [
            {"rule": r.rule, "site": r.site, "level": r.level.value, "message": r.message, "evidence": r.evidence}
            for r in result.reasons
        ],
        "as_of": local_today(utcnow(), me.timezone).isoformat(),
    }


@router.get("/assessment", tags=["assessment"])
def read_assessment(db: DbSession, me: ApiPatient, locale: Locale) -> dict[str, object]:
    """Her current level and its reasons (the open flag episode on her local today)."""
    return assessment_payload(db, me, locale)


@router.post(
    "/assessment/acknowledgements",
    status_code=201,
    tags=["assessment"],
    responses={200: {"description": "already recorded for that day"}},
)
def acknowledge(body: AcknowledgementCreate, db: DbSession, me: ApiPatient, locale: Locale) -> JSONResponse:
    """'I have contacted my care team': stops reminders; shown to her clinician. 200 if already recorded."""
    created = flags.acknowledge(session=db, patient=me, seen_on=body.seen_on)
    return JSONResponse(assessment_payload(db, me, locale), status_code=201 if created else 200)


@router.post("/red-flag-answers", status_code=201, tags=["assessment"])
def answer_red_flags(body: RedFlagAnswers, db: DbSession, me: ApiPatient, locale: Locale) -> dict[str, object]:
    """Store yes/no answers for a day; returns the assessment they lead to."""
    flags.record_answers(session=db, patient=me, answers=body.answers, day=body.day)
    return assessment_payload(db, me, locale)


@router.get("/profile", tags=["profile"])
def read_profile(me: ApiPatient) -> Profile:
    return profile.get_profile(me)


@router.put("/profile", tags=["profile"])
def replace_profile(body: Profile, db: DbSession, me: ApiPatient) -> Profile:
    return profile.get_profile(profile.update_profile(session=db, patient=me, profile=body))


@router.post("/entries", status_code=201, tags=["entries"], responses={200: {"model": EntryPublic}, **CONFLICT})
def create_entry(body: EntryCreate, db: DbSession, me: ApiPatient, locale: Locale) -> JSONResponse:
    """201 the first time; 200 when the same id and body arrive again; 409 for a different body.

    The answer also carries `assessment`, her current assessment after this save.
    """
    result = entries.create_entry(session=db, patient=me, data=body, gettext=translations(locale).gettext)
    payload = entries.to_public(result.entry).model_dump(mode="json")
    payload["assessment"] = assessment_payload(db, me, locale, result.assessment)
    return JSONResponse(payload, status_code=201 if result.created else 200)


@router.get("/entries", tags=["entries"])
def list_entries(
    db: DbSession,
    me: ApiPatient,
    start: date | None = Query(default=None, alias="from"),
    end: date | None = Query(default=None, alias="to"),
) -> list[EntryPublic]:
    """Her entries, newest first, optionally between two diary days (inclusive)."""
    return [entries.to_public(e) for e in entries.list_entries(session=db, patient=me, start=start, end=end)]


@router.get("/entries/{entry_id}", tags=["entries"], responses=NOT_FOUND)
def read_entry(entry_id: uuid.UUID, db: DbSession, me: ApiPatient) -> EntryPublic:
    return entries.to_public(entries.get_entry(session=db, patient=me, entry_id=entry_id))


@router.patch("/entries/{entry_id}", tags=["entries"], responses=NOT_FOUND)
def update_entry(entry_id: uuid.UUID, body: EntryUpdate, db: DbSession, me: ApiPatient) -> EntryPublic:
    entry = entries.update_entry(session=db, patient=me, entry_id=entry_id, changes=body)
    return entries.to_public(entry)


@router.delete("/entries/{entry_id}", status_code=204, tags=["entries"], responses=NOT_FOUND)
def delete_entry(entry_id: uuid.UUID, db: DbSession, me: ApiPatient) -> Response:
    entries.delete_entry(session=db, patient=me, entry_id=entry_id)
    return Response(status_code=204)
