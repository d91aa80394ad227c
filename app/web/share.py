"""Her clinician links: the /share pages (forms, no JavaScript needed) and /api/v1/share-links.

The token exists in exactly two places: the 201 answer of `POST /api/v1/share-links` and the
"link created" page that answers the form. Neither is cached (`Cache-Control: no-store`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import AfterValidator, BaseModel, Field, StrictBool, StrictInt, ValidationError

from app.models import Patient, utcnow
from app.schemas import PlainText, Strict
from app.services import share
from app.services.errors import BadCredentials
from app.services.passwords import MAX_LENGTH as PASSWORD_MAX
from app.web.api import require_json
from app.web.deps import ApiPatient, DbSession, PagePatient, csrf_protect, reject_repeated_query_parameters, settings_of
from app.web.errors import API_ERRORS, NOT_FOUND
from app.web.messages import field_errors, message
from app.web.pages_common import FormFields, Page, redirect

LABEL_MAX = 80
# A link id as the database can hold it (PostgreSQL INTEGER): a larger number is a 422, not a 500.
LinkId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _label(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("label_required")
    return value


def _expiry(value: int) -> int:
    if not 1 <= value <= share.MAX_DAYS:
        raise ValueError("expiry_range")
    return value


# POST /api/v1/share-links and the /share form.
class ShareLinkCreate(Strict):
    label: Annotated[PlainText, Field(max_length=LABEL_MAX), AfterValidator(_label)]
    expires_in_days: Annotated[StrictInt, AfterValidator(_expiry)] = share.DEFAULT_DAYS
    include_notes: StrictBool = False
    password: Annotated[str, Field(max_length=PASSWORD_MAX)]


# The one answer that carries the token (inside `url`).
class ShareLinkCreated(BaseModel):
    id: int
    url: str
    expires_at: datetime


class ShareViewPublic(BaseModel):
    viewed_at: datetime
    browser: str
    device: str


# GET /api/v1/share-links: her links without tokens, with every view.
class ShareLinkPublic(BaseModel):
    id: int
    label: str
    include_notes: bool
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: str  # "active", "expired" or "revoked"
    views: list[ShareViewPublic]


def share_url(request: Request, token: str) -> str:
    return f"{settings_of(request).base_url.rstrip('/')}/s/{token}"


def _public(history: share.LinkHistory, now: datetime) -> ShareLinkPublic:
    link = history.link
    return ShareLinkPublic(
        id=link.id,  # type: ignore[arg-type]
        label=link.label,
        include_notes=link.include_notes,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        status=history.status(now),
        views=[ShareViewPublic(viewed_at=v.viewed_at, browser=v.browser, device=v.device) for v in history.views],
    )


def _create(db: DbSession, me: Patient, body: ShareLinkCreate) -> share.NewLink:
    return share.create_link(
        session=db,
        patient=me,
        password=body.password,
        label=body.label,
        expires_in_days=body.expires_in_days,
        include_notes=body.include_notes,
    )


# --- JSON API ----------------------------------------------------------------------------

api_router = APIRouter(
    prefix="/api/v1/share-links",
    tags=["share-links"],
    dependencies=[Depends(require_json), Depends(csrf_protect), Depends(reject_repeated_query_parameters)],
    responses=API_ERRORS,
)


@api_router.post("", status_code=201)
def create_link(body: ShareLinkCreate, request: Request, db: DbSession, me: ApiPatient) -> ShareLinkCreated:
    """A new read-only link for a clinician (her password again). The token is only in `url`."""
    new = _create(db, me, body)
    return ShareLinkCreated(id=new.link.id, url=share_url(request, new.token), expires_at=new.link.expires_at)  # type: ignore[arg-type]


@api_router.get("")
def list_links(db: DbSession, me: ApiPatient) -> list[ShareLinkPublic]:
    """Her links, newest first, with status and every view (time, browser family, device)."""
    now = utcnow()
    return [_public(history, now) for history in share.list_links(session=db, patient=me)]


@api_router.delete("/{link_id}", status_code=204, responses=NOT_FOUND)
def revoke_link(link_id: LinkId, db: DbSession, me: ApiPatient) -> Response:
    """Revoke at once (404 for a link that is not hers)."""
    share.revoke_link(session=db, patient=me, link_id=link_id)
    return Response(status_code=204)


# --- Pages -------------------------------------------------------------------------------

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
EXPIRY_CHOICES = (7, 30, 90)


def _list_context(db: DbSession, me: Patient, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "links": share.list_links(session=db, patient=me),
        "now": utcnow(),
        "values": values,
        "errors": errors,
        "expiry_choices": EXPIRY_CHOICES,
    }


@router.get("/share")
def share_page(page: Page, me: PagePatient, db: DbSession) -> Response:
    notice = "revoked" if page.request.query_params.get("revoked") else None
    values = {"expires_in_days": str(share.DEFAULT_DAYS)}
    return page.render("share.html", {**_list_context(db, me, values, {}), "notice": notice})


def _form_body(form: dict[str, Any]) -> ShareLinkCreate:
    days = str(form.get("expires_in_days", share.DEFAULT_DAYS))
    return ShareLinkCreate(
        label=form.get("label", ""),
        expires_in_days=int(days) if days.isdigit() else -1,
        include_notes=form.get("include_notes") == "yes",
        password=form.get("password", ""),
    )


@router.post("/share")
def create_link_page(page: Page, me: PagePatient, form: FormFields, db: DbSession, request: Request) -> Response:
    """Create a link and show it once, with its QR code (no redirect: the token stays out of URLs)."""
    values = {key: form.get(key, "") for key in ("label", "expires_in_days", "include_notes")}
    try:
        new = _create(db, me, _form_body(form))
    except ValidationError as exc:
        errors = {str(e["loc"][0]): e["msg"] for e in field_errors(list(exc.errors()), page.locale) if e["loc"]}
        return page.render("share.html", _list_context(db, me, values, errors), 422)
    except BadCredentials:
        errors = {"password": message("wrong_password", page.locale)}
        return page.render("share.html", _list_context(db, me, values, errors), 401)
    url = share_url(request, new.token)
    return page.render("share_created.html", {"link": new.link, "url": url, "qr": qr_svg(url)})


@router.post("/share/{link_id}/revoke")
def revoke_link_page(link_id: LinkId, me: PagePatient, db: DbSession) -> Response:
    share.revoke_link(session=db, patient=me, link_id=link_id)
    return redirect("/share?revoked=1")


def qr_svg(url: str) -> Markup:
    """The link as an inline SVG QR code (presentation attributes only, no style)."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=4, border=4, dark="#000", light="#fff", svgclass="qr", omitsize=False))  # noqa: S704
