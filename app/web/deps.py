"""Dependencies that read like prose: `def page(db: DbSession, me: CurrentPatient)`."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from app.config import Settings
from app.db import write_engine
from app.i18n import accept_language, best_locale
from app.models import AuthSession, Patient
from app.services import auth

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def policy_of(request: Request) -> auth.Policy:
    return request.app.state.policy


def cookie_names(settings: Settings) -> tuple[str, str, str]:
    """(session, anonymous CSRF, language) cookie names; `__Host-` when served over https."""
    prefix = "__Host-" if settings.secure_cookies else ""
    return f"{prefix}bhd_session", f"{prefix}bhd_csrf", f"{prefix}bhd_lang"


def get_db(request: Request) -> Iterator[Session]:
    """A database session; unsafe methods get one whose transactions begin IMMEDIATE (SQLite)."""
    engine = request.app.state.engine
    if request.method not in SAFE_METHODS:
        engine = write_engine(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]


@dataclass
class Auth:
    """Who is signed in on this request (if anyone)."""

    session_row: AuthSession | None
    patient: Patient | None
    token: str | None


def get_auth(request: Request, db: DbSession) -> Auth:
    cached = getattr(request.state, "auth", None)
    if cached is not None:
        return cached
    settings, policy = settings_of(request), policy_of(request)
    token = request.cookies.get(cookie_names(settings)[0])
    row = auth.resolve_session(session=db, policy=policy, token=token) if token else None
    patient = db.get(Patient, row.patient_id) if row else None
    if row is not None and auth.needs_touch(row, policy):
        _touch(request, db, row.token_hash)
    # End the transaction now: FastAPI runs each sync dependency and the handler on its own
    # thread-pool hop, and a connection (on SQLite, an IMMEDIATE transaction holding the writer
    # lock) kept across a hop waits for a free thread while every thread waits for it.
    db.commit()
    result = Auth(row if patient else None, patient, token if patient else None)
    request.state.auth = result
    request.state.patient_locale = patient.locale if patient else None
    return result


AuthDep = Annotated[Auth, Depends(get_auth)]


def _touch(request: Request, db: Session, token_hash_value: str) -> None:
    """Record activity. Unsafe requests already hold the write lock: use their session, since a
    second connection would wait on that very lock."""
    if request.method not in SAFE_METHODS:
        auth.touch_session(session=db, token_hash_value=token_hash_value)
        return
    with Session(write_engine(request.app.state.engine)) as writer:
        auth.touch_session(session=writer, token_hash_value=token_hash_value)


class SignInRequired(Exception):
    """A page needs a signed-in patient: the handler redirects to the sign-in page."""


def api_patient(current: AuthDep) -> Patient:
    if current.patient is None:
        raise HTTPException(status_code=401, detail="not_signed_in")
    return current.patient


def page_patient(current: AuthDep) -> Patient:
    if current.patient is None:
        raise SignInRequired()
    return current.patient


ApiPatient = Annotated[Patient, Depends(api_patient)]
PagePatient = Annotated[Patient, Depends(page_patient)]


def locale_of(request: Request, current: AuthDep) -> str:
    settings = settings_of(request)
    preferred = [current.patient.locale if current.patient else None]
    preferred.append(request.cookies.get(cookie_names(settings)[2]))
    preferred += accept_language(request.headers.get("accept-language"))
    return best_locale(preferred, settings.default_locale)


Locale = Annotated[str, Depends(locale_of)]


def anonymous_csrf_token(request: Request) -> str:
    """The double-submit token for forms shown before sign-in (set as a cookie by the page)."""
    existing = request.cookies.get(cookie_names(settings_of(request))[1])
    if existing and len(existing) == 43:
        return existing
    token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
    request.state.new_csrf = token
    return token


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        # Browsers send "null" for our own forms because of `Referrer-Policy: no-referrer`;
        # the token check below is what protects those requests.
        return True
    expected = urlsplit(settings_of(request).base_url)
    seen = urlsplit(origin)
    if (seen.scheme, seen.netloc) == (expected.scheme, expected.netloc):
        return True
    return seen.netloc == request.headers.get("host", "")  # served under another name (tests, proxies)


async def _submitted_token(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def csrf_protect(request: Request, current: AuthDep) -> None:
    """Reject cross-site unsafe requests.

    1. Safe methods pass.
    2. A cross-origin `Origin` header is refused.
    3. Signed in: the session's token must come in `X-CSRF-Token` or the form's `csrf_token`.
    4. Signed out: forms must echo the anonymous cookie token (double submit); JSON needs
       `application/json`, which no cross-site form can send without a CORS preflight.
    """
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise HTTPException(status_code=403, detail="csrf_failed")
    submitted = await _submitted_token(request)
    if current.session_row is not None:
        expected = current.session_row.csrf_token
    elif request.headers.get("content-type", "").startswith("application/json"):
        return
    else:
        expected = request.cookies.get(cookie_names(settings_of(request))[1])
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(status_code=403, detail="csrf_failed")


def reject_repeated_query_parameters(request: Request) -> None:
    keys = [key for key, _ in request.query_params.multi_items()]
    if len(keys) != len(set(keys)):
        raise HTTPException(status_code=422, detail="repeated_parameter")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
