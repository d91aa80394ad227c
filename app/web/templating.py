"""Jinja2 rendering, one environment per language (gettext installed, autoescaped)."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app import __version__
from app.i18n import translations
from app.web.deps import Auth, anonymous_csrf_token, cookie_names, settings_of

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"


@lru_cache
def static_version() -> str:
    """A short hash of the static files, appended to their URLs so caches refresh on change."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


@lru_cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["static"] = lambda path: f"/static/{path}?v={static_version()}"
    env.filters["longdate"] = lambda day, fmt="EEEE d MMMM": format_date(day, fmt, locale=locale)
    env.filters["shortdate"] = lambda day: format_date(day, "d MMM", locale=locale)
    env.filters["zoneinfo"] = ZoneInfo
    env.globals["lang"] = locale
    return env


def csrf_token(request: Request, current: Auth) -> str:
    if current.session_row is not None:
        return current.session_row.csrf_token
    return anonymous_csrf_token(request)


def render(
    request: Request, current: Auth, locale: str, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a page or, for htmx, a fragment; sets the anonymous CSRF cookie when one was made."""
    env = environment(locale)
    data = {
        "request": request,
        "me": current.patient,
        "csrf_token": csrf_token(request, current),
        "today": None,
        **(context or {}),
    }
    response = HTMLResponse(env.get_template(name).render(data), status_code=status)
    response.headers["Vary"] = "HX-Request, Cookie, Accept-Language"
    new_token = getattr(request.state, "new_csrf", None)
    # Not on error pages: a parallel request for a missing file (a favicon) would otherwise
    # replace the cookie that the form on the real page was rendered with.
    if new_token and status < 400:
        settings = settings_of(request)
        response.set_cookie(
            cookie_names(settings)[1], new_token, httponly=True, samesite="strict", secure=settings.secure_cookies
        )
    return response


def gettext_for(locale: str):  # type: ignore[no-untyped-def]
    return translations(locale).gettext


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


__all__ = ["date", "gettext_for", "is_htmx", "render", "static_version"]
