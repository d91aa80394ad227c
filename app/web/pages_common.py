"""What every page route shares: the page context, form reading and the error page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.i18n import translations
from app.services.profile import current_stage
from app.web.deps import Auth, AuthDep, Locale, get_auth
from app.web.templating import render

MULTI_VALUE_FIELDS = frozenset({"red_flags"})


@dataclass
class PageContext:
    request: Request
    auth: Auth
    locale: str

    def render(self, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
        data = {"stage": current_stage(self.auth.patient) if self.auth.patient else None, **(context or {})}
        return render(self.request, self.auth, self.locale, name, data, status)

    def gettext(self, message: str) -> str:
        return translations(self.locale).gettext(message)


def page_context(request: Request, current: AuthDep, locale: Locale) -> PageContext:
    return PageContext(request, current, locale)


Page = Annotated[PageContext, Depends(page_context)]


async def form_fields(request: Request) -> dict[str, Any]:
    """The submitted form as a dict; a field sent twice is refused (except multi-value ones)."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            raise HTTPException(status_code=422, detail="invalid")
        if key in MULTI_VALUE_FIELDS:
            data.setdefault(key, []).append(value)
        elif key in data:
            raise HTTPException(status_code=422, detail="repeated_parameter")
        else:
            data[key] = value
    return data


FormFields = Annotated[dict[str, Any], Depends(form_fields)]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status: int, text: str, headers: dict[str, str] | None, locale: str) -> Response:
    """The error page. Rendered as for a signed-out visitor: after a failed transaction her
    records may no longer be readable, and an error page needs none of them."""
    anonymous = Auth(None, None, None)
    response = render(request, anonymous, locale, "error.html", {"status": status, "text": text}, status)
    response.headers.update(headers or {})
    return response


__all__ = ["FormFields", "Page", "error_page", "get_auth", "redirect"]
