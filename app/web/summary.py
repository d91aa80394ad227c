"""`GET /s/{token}`: the clinician's read-only, one-page summary (DESIGN.md "Clinician link").

- GET only; no session, no cookies set, no forms.
- Every answer carries `Referrer-Policy: no-referrer`, `X-Robots-Tag: noindex`,
  `Cache-Control: no-store`.
- Unknown, malformed, expired and revoked tokens get the same 404, byte for byte.
- Rate-limited per client address across all of /s/ (`SHARE_VIEWS_PER_MINUTE`), counted in
  the database so every web process shares the count; over the limit: 429 with Retry-After.
- The token never reaches a log: the request log names the route template, `/s/{token}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from app.db import write_engine
from app.domain.trend_text import RED_FLAG_QUESTIONS, format_number, render_explanation
from app.i18n import LOCALES, accept_language, best_locale, translations
from app.models import ShareLink
from app.services import share
from app.services.summary import Summary, build_summary
from app.web.chart import Chart, site_chart
from app.web.deps import client_address, policy_of, settings_of
from app.web.templating import environment

router = APIRouter(include_in_schema=False)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
SHARE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}


@router.get("/s/{token}")
def shared_summary(token: str, request: Request) -> HTMLResponse:
    """The summary for a live link; 404 for any other token; 429 over the rate limit."""
    lang = request.query_params.get("lang")
    with Session(write_engine(request.app.state.engine), expire_on_commit=False) as writer:
        key = share.rate_key(policy_of(request).secret_key, client_address(request))
        retry_after = share.count_request(session=writer, key=key, limit=settings_of(request).share_views_per_minute)
        if retry_after is not None:
            return _plain_page(request, lang, "summary_busy.html", 429, {"Retry-After": str(retry_after)})
        link = _open(writer, token, request)
    if link is None:
        return _plain_page(request, lang, "summary_missing.html", 404)
    with Session(request.app.state.engine, expire_on_commit=False) as reader:
        summary = build_summary(session=reader, link=link)
    locale = _locale(request, lang, summary.patient.locale)
    html = environment(locale).get_template("summary.html").render(_context(summary, locale))
    return HTMLResponse(html, headers=SHARE_HEADERS)


def _open(session: Session, token: str, request: Request) -> ShareLink | None:
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return share.open_link(session=session, token=token, user_agent=request.headers.get("user-agent", ""))


def _locale(request: Request, lang: str | None, patient_locale: str | None = None) -> str:
    """?lang= first (the switch), then her language, then the reader's browser."""
    preferred = [lang if lang in LOCALES else None, patient_locale]
    preferred += accept_language(request.headers.get("accept-language"))
    return best_locale(preferred, settings_of(request).default_locale)


def _plain_page(
    request: Request, lang: str | None, name: str, status: int, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """A page that depends on nothing but the language, so every such answer is identical."""
    html = environment(_locale(request, lang)).get_template(name).render()
    return HTMLResponse(html, status_code=status, headers={**SHARE_HEADERS, **(headers or {})})


def _context(summary: Summary, locale: str) -> dict[str, Any]:
    gettext = translations(locale).gettext
    return {
        "s": summary,
        "charts": {site: _chart(summary, site, gettext) for site in ("back", "hip")},
        "explanations": {flag.number: [_explain(reason, gettext) for reason in flag.reasons] for flag in summary.flags},
        "questions": RED_FLAG_QUESTIONS,
        "number": lambda value: format_number(value, gettext),
        "other_lang": "en" if locale == "de" else "de",
    }


def _explain(reason: Any, gettext: Callable[[str], str]) -> str:
    try:
        return render_explanation(reason.rule, reason.site, reason.evidence, gettext)
    except (KeyError, ValueError, TypeError):  # a rule or figure this version does not know
        return reason.rule


def _chart(summary: Summary, site: str, gettext: Callable[[str], str]) -> Chart:
    stats = summary.stats[site]
    usual = (stats.usual.low, stats.usual.high) if stats.usual else None
    markers = [(flag.started_on, str(flag.number)) for flag in summary.flags if not flag.sites or site in flag.sites]
    description = gettext(
        "Worst daily score from %(start)s to %(end)s, logged on %(logged)s of %(days)s days. "
        "The figures and the flag table below give the details."
    ) % {
        "start": summary.start.isoformat(),
        "end": summary.today.isoformat(),
        "logged": stats.days_logged,
        "days": stats.period_days,
    }
    return site_chart(
        summary.days,
        site=site,
        start=summary.start,
        end=summary.today,
        patient=summary.patient,
        usual=usual,
        flags=markers,
        description=description,
        gettext=gettext,
    )
