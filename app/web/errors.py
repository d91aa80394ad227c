"""Exception handlers: stable codes, translated messages, no submitted values echoed.

A locked or full database answers 503 with Retry-After (the transaction was rolled back, so
nothing was half-written); anything unexpected is a 500 without details.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

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


# The error bodies of /api/v1, declared in the OpenAPI schema (schemathesis checks that they match).
class ErrorMessage(BaseModel):
    code: str
    msg: str


class ApiError(BaseModel):
    detail: ErrorMessage


class FieldError(ErrorMessage):
    loc: list[str | int]


class ApiValidationError(BaseModel):
    detail: list[FieldError] | ErrorMessage  # a list for field errors; one message for a bad parameter


def _described(description: str, model: type[BaseModel] = ApiError) -> dict[str, Any]:
    return {"model": model, "description": description}


# What any /api/v1 route may answer besides its success (the router-level `responses`).
API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _described("the body could not be read (for example not UTF-8)"),
    401: _described("not signed in, or a wrong password for a sensitive action"),
    403: _described("cross-site request or missing/wrong X-CSRF-Token"),
    415: _described("an unsafe request whose body is not application/json"),
    422: _described("invalid input; nothing was changed", ApiValidationError),
    503: _described("the database is busy or unavailable; retry after Retry-After seconds"),
}
NOT_FOUND = {404: _described("not hers or does not exist")}
CONFLICT = {409: _described("conflicts with what is stored")}
THROTTLED = {429: _described("too many attempts; retry after Retry-After seconds")}


def status_for(exc: ServiceError) -> int:
    return next((s for kind, s in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)


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
        status = status_for(exc)
        headers = {"Retry-After": str(exc.retry_after_seconds)} if isinstance(exc, TooManyAttempts) else None
        return error_response(request, status, exc.code, headers)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        # Registered for Starlette's HTTPException, so unknown paths, 405s and unreadable bodies
        # (FastAPI raises a plain 400) also answer in our format instead of Starlette's default.
        fallback = {404: "not_found", 400: "json_invalid" if _is_api(request) else "invalid"}
        code = exc.detail if exc.detail in MESSAGES else fallback.get(exc.status_code, "invalid")
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
