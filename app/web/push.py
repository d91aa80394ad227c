"""Push reminders on the web: the subscription API, the reminders page, and the PWA files
(/sw.js, /manifest.webmanifest, /offline)."""

from __future__ import annotations

import json
from datetime import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from app.models import Patient
from app.push.keys import vapid_keys
from app.schemas import Strict, TimeOfDay
from app.services import push as push_service
from app.services import reminders
from app.services.errors import InvalidInput
from app.services.reminders import ReminderSettings
from app.web.api import require_json
from app.web.deps import (
    ApiPatient,
    Auth,
    DbSession,
    PagePatient,
    csrf_protect,
    reject_repeated_query_parameters,
    settings_of,
)
from app.web.errors import API_ERRORS, NOT_FOUND
from app.web.messages import message
from app.web.pages_common import FormFields, Page, redirect
from app.web.templating import STATIC, render, static_version

SHELL_FILES = (
    "app.css",
    "app.js",
    "outbox.js",
    "push.js",
    "vendor/htmx-2.0.11.min.js",
    "favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/maskable-512.png",
    "icons/apple-touch-icon.png",
)
Key = Annotated[str, Field(max_length=200)]


# A browser's PushSubscription.toJSON().
class SubscriptionKeys(Strict):
    p256dh: Key
    auth: Key


class SubscriptionIn(Strict):
    endpoint: Annotated[str, Field(max_length=2048)]
    expirationTime: int | None = None  # noqa: N815 (the browser's own field name)
    keys: SubscriptionKeys


class SubscriptionRef(Strict):
    endpoint: Annotated[str, Field(max_length=2048)]


# GET/PUT /api/v1/reminders: her reminder choices.
class ReminderSettingsBody(Strict):
    reminder_time: TimeOfDay | None = None
    quiet_start: TimeOfDay | None = None
    quiet_end: TimeOfDay | None = None
    outside_windows: bool = False


api = APIRouter(
    prefix="/api/v1",
    tags=["push"],
    dependencies=[Depends(require_json), Depends(csrf_protect), Depends(reject_repeated_query_parameters)],
    responses=API_ERRORS,
)
pages = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@api.get("/push/public-key")
def public_key(request: Request) -> dict[str, str]:
    """The VAPID public key (the browser's `applicationServerKey`)."""
    return {"public_key": vapid_keys(settings_of(request)).public_key}


@api.post("/push/subscriptions", status_code=201, responses={200: {"description": "already known; refreshed"}})
def subscribe(body: SubscriptionIn, request: Request, db: DbSession, me: ApiPatient) -> JSONResponse:
    """Store this browser's subscription (201), or refresh a known one (200). Only allowed push hosts."""
    result = push_service.subscribe(
        session=db,
        patient=me,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
        allowed_hosts=settings_of(request).push_allowed_entries,
    )
    return JSONResponse({"status": "subscribed"}, status_code=201 if result.created else 200)


@api.delete("/push/subscriptions", status_code=204, responses=NOT_FOUND)
def unsubscribe(body: SubscriptionRef, db: DbSession, me: ApiPatient) -> Response:
    push_service.unsubscribe(session=db, patient=me, endpoint=body.endpoint)
    return Response(status_code=204)


@api.get("/reminders")
def read_reminders(db: DbSession, me: ApiPatient) -> ReminderSettingsBody:
    return ReminderSettingsBody(**vars(reminders.get_settings(session=db, patient=me)))


@api.put("/reminders")
def replace_reminders(body: ReminderSettingsBody, db: DbSession, me: ApiPatient) -> ReminderSettingsBody:
    reminders.update_settings(session=db, patient=me, choice=ReminderSettings(**body.model_dump()))
    return body


# --- The reminders page (works without JavaScript; the push switch needs it) ---------------


@pages.get("/reminders")
def reminders_page(page: Page, me: PagePatient, db: DbSession) -> Response:
    choice = reminders.get_settings(session=db, patient=me)
    return page.render("reminders.html", _context(_values(choice), {}, db, me, page.request))


def _values(choice: ReminderSettings) -> dict[str, str]:
    def hhmm(value: time | None) -> str:
        return value.strftime("%H:%M") if value else ""

    return {
        "reminder_time": hhmm(choice.reminder_time),
        "quiet_start": hhmm(choice.quiet_start),
        "quiet_end": hhmm(choice.quiet_end),
        "outside_windows": "yes" if choice.outside_windows else "",
    }


def _context(values: dict[str, Any], errors: dict[str, str], db: DbSession, me: Patient, request: Request) -> dict:
    devices = push_service.count_subscriptions(session=db, patient=me)
    return {"values": values, "errors": errors, "devices": devices, "saved": request.query_params.get("saved")}


class _FieldError(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _time(form: dict[str, Any], field: str) -> time | None:
    raw = form.get(field) or ""
    try:
        return time.fromisoformat(raw).replace(second=0, microsecond=0) if raw else None
    except ValueError:
        raise _FieldError(field) from None


@pages.post("/reminders")
def save_reminders(page: Page, me: PagePatient, form: FormFields, db: DbSession) -> Response:
    try:
        choice = ReminderSettings(
            reminder_time=_time(form, "reminder_time"),
            quiet_start=_time(form, "quiet_start"),
            quiet_end=_time(form, "quiet_end"),
            outside_windows=form.get("outside_windows") == "yes",
        )
        reminders.update_settings(session=db, patient=me, choice=choice)
    except _FieldError as exc:
        errors = {exc.field: message("time_invalid", page.locale)}
        return page.render("reminders.html", _context(form, errors, db, me, page.request), 422)
    except InvalidInput as exc:
        db.rollback()
        errors = {"quiet_start": message(exc.code, page.locale)}
        return page.render("reminders.html", _context(form, errors, db, me, page.request), 422)
    return redirect("/reminders?saved=1")


# --- The installable app's files ------------------------------------------------------------


@pages.get("/sw.js")
def service_worker() -> Response:
    """The service worker, versioned with the static files so a release replaces the cached shell."""
    version = static_version()
    shell = ["/offline", "/manifest.webmanifest", *(f"/static/{name}?v={version}" for name in SHELL_FILES)]
    source = (STATIC / "sw.js").read_text().replace("__VERSION__", version).replace("__SHELL__", json.dumps(shell))
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"}
    return Response(source, media_type="text/javascript", headers=headers)


@pages.get("/manifest.webmanifest")
def manifest() -> Response:
    body = (STATIC / "manifest.webmanifest").read_bytes()
    return Response(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@pages.get("/offline")
def offline(page: Page) -> Response:
    """The page the service worker shows without a connection. Rendered as for a signed-out
    visitor, because it is cached on the phone and must carry nothing about her."""
    anonymous = Auth(None, None, None)
    response = render(page.request, anonymous, page.locale, "offline.html", {"offline_page": True})
    response.headers["Cache-Control"] = "no-cache"
    return response
