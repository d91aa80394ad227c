"""Exception handlers: stable codes, translated messages, no submitted values echoed.

A locked or full database answers 503 with Retry-After (the transaction was rolled back, so
nothing was half-written); anything unexpected is a 500 without details.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.i18n import accept_language, best_locale
from app.services.errors import BadCredentials, Conflict, InvalidInput, NotFound, ServiceError, TooManyAttempts
from app.web.deps import SignInRequired, settings_of
from app.web.messages import MESSAGES, field_errors, message

log = logging.getLogger("app.errors")
RETRY_AFTER_SECONDS = "5"
STATUS_BY_ERROR: dict[type[ServiceError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    BadCredentials: 401,
    TooManyAttempts: 429,
}


def _locale(request: Request) -> str:
    # The patient object may be expired by a rolled-back transaction: use the copy taken at auth.
    preferred = [getattr(request.state, "patient_locale", None)]
    preferred += accept_language(request.headers.get("accept-language"))
    return best_locale(preferred, settings_of(request).default_locale)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, code: str, headers: dict[str, str] | None = None) -> Response:
    text = message(code, _locale(request))
    if _is_api(request):
        return JSONResponse({"detail": {"code": code, "msg": text}}, status_code=status, headers=headers)
    from app.web.pages_common import error_page  # local import: pages depend on this module

    return error_page(request, status, text, headers, _locale(request))


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = field_errors(list(exc.errors()), _locale(request))
        if _is_api(request):
            return JSONResponse({"detail": errors}, status_code=422)
        return error_response(request, 422, errors[0]["code"] if errors else "invalid")

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> Response:
        status = next((s for kind, s in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
        headers = {"Retry-After": str(exc.retry_after_seconds)} if isinstance(exc, TooManyAttempts) else None
        return error_response(request, status, exc.code, headers)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        code = exc.detail if exc.detail in MESSAGES else ("not_found" if exc.status_code == 404 else "invalid")
        return error_response(request, exc.status_code, code, dict(exc.headers or {}))

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/signin", status_code=303)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable", extra={"fields": {"error": type(exc).__name__}})
        return error_response(request, 503, "database_busy", {"Retry-After": RETRY_AFTER_SECONDS})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", extra={"fields": {"error": type(exc).__name__}})
        return error_response(request, 500, "server_error")
