"""The session cookie: HttpOnly, SameSite=Lax, Secure (and `__Host-`) whenever served over https."""

from __future__ import annotations

from fastapi import Request, Response

from app.web.deps import cookie_names, settings_of


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = settings_of(request)
    response.set_cookie(
        cookie_names(settings)[0],
        token,
        max_age=settings.session_max_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    settings = settings_of(request)
    response.delete_cookie(cookie_names(settings)[0], path="/", secure=settings.secure_cookies, httponly=True)
