"""Clinician links: create, list with their view log, revoke, open; and the /s/ rate limit.

A token is 256 bits from `secrets`, shown to her once and stored only as its SHA-256. Opening
a link that is unknown, expired or revoked gives the same answer (None), so the web layer can
answer all three with the same 404.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select, update

from app.models import Patient, ShareLink, ShareRateLimit, ShareView, utcnow
from app.services.errors import BadCredentials, NotFound
from app.services.passwords import verify_password

TOKEN_BYTES = 32  # 256 bits
DEFAULT_DAYS = 30
MAX_DAYS = 90
RATE_WINDOW = timedelta(minutes=1)

# Checked in order: several browsers carry the names of others in their user agent.
BROWSER_MARKERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)


@dataclass(frozen=True)
class NewLink:
    link: ShareLink
    token: str  # shown once; never stored, never logged


@dataclass(frozen=True)
class LinkHistory:
    """One of her links with every view, newest first."""

    link: ShareLink
    views: tuple[ShareView, ...]

    def status(self, now: datetime) -> str:
        return link_status(self.link, now)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_status(link: ShareLink, now: datetime) -> str:
    """ "revoked", "expired" or "active"."""
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if link.expires_at <= now else "active"


def create_link(
    *,
    session: Session,
    patient: Patient,
    password: str,
    label: str,
    expires_in_days: int = DEFAULT_DAYS,
    include_notes: bool = False,
    now: datetime | None = None,
) -> NewLink:
    """A new link after she confirms her password (BadCredentials("wrong_password") otherwise)."""
    if not 1 <= expires_in_days <= MAX_DAYS:
        raise ValueError("expires_in_days must be 1-90")  # the schemas refuse this first
    if not verify_password(patient.password_hash, password):
        raise BadCredentials("wrong_password")
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink(
        patient_id=patient.id,
        token_hash=token_hash(token),
        label=label,
        include_notes=include_notes,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days),
    )
    session.add(link)
    session.commit()
    return NewLink(link, token)


def list_links(*, session: Session, patient: Patient) -> list[LinkHistory]:
    """Her links, newest first, each with its views."""
    links = session.exec(
        select(ShareLink).where(ShareLink.patient_id == patient.id).order_by(col(ShareLink.created_at).desc())
    ).all()
    views: dict[int, list[ShareView]] = {link.id: [] for link in links}  # type: ignore[misc]
    if links:
        rows = session.exec(
            select(ShareView)
            .where(col(ShareView.link_id).in_(list(views)))
            .order_by(col(ShareView.viewed_at).desc(), col(ShareView.id).desc())
        )
        for view in rows:
            views[view.link_id].append(view)
    return [LinkHistory(link, tuple(views[link.id])) for link in links]  # type: ignore[index]


def get_link(*, session: Session, patient: Patient, link_id: int) -> ShareLink:
    """One of her links; another patient's id is NotFound, like an unknown one."""
    link = session.exec(select(ShareLink).where(ShareLink.id == link_id, ShareLink.patient_id == patient.id)).first()
    if link is None:
        raise NotFound()
    return link


def revoke_link(*, session: Session, patient: Patient, link_id: int, now: datetime | None = None) -> ShareLink:
    """Stop a link at once. Revoking twice keeps the first time."""
    link = get_link(session=session, patient=patient, link_id=link_id)
    if link.revoked_at is None:
        link.revoked_at = now or utcnow()
        session.add(link)
        session.commit()
    return link


def open_link(*, session: Session, token: str, user_agent: str, now: datetime | None = None) -> ShareLink | None:
    """The live link for `token` with the view recorded, or None (unknown, expired or revoked)."""
    now = now or utcnow()
    link = session.exec(select(ShareLink).where(ShareLink.token_hash == token_hash(token))).first()
    if link is None or link_status(link, now) != "active":
        return None
    session.add(ShareView(link_id=link.id, viewed_at=now, **client_family(user_agent)))  # type: ignore[arg-type]
    session.commit()
    return link


def client_family(user_agent: str) -> dict[str, str]:
    """The coarse browser family and device type: all a view keeps of the visitor."""
    browser = next((name for marker, name in BROWSER_MARKERS if marker in user_agent), "other")
    if "iPad" in user_agent or ("Android" in user_agent and "Mobile" not in user_agent):
        device = "tablet"
    elif any(word in user_agent for word in ("Mobile", "iPhone", "Android")):
        device = "mobile"
    else:
        device = "desktop"
    return {"browser": browser, "device": device}


def rate_key(secret_key: str, client: str) -> str:
    """The counter's key: an HMAC of the client address, so no address is stored."""
    return hmac.new(secret_key.encode(), f"share|{client}".encode(), hashlib.sha256).hexdigest()


def count_request(*, session: Session, key: str, limit: int, now: datetime | None = None) -> int | None:
    """Count one request to /s/ for this client; seconds to wait when over `limit`, else None.

    1. Purge windows that ended (keeps the table at one row per recent client).
    2. Add one to the current window atomically, or start a window (a concurrent first insert
       on another connection is retried as an update).
    3. Over the limit: the seconds until the window ends.
    """
    now = now or utcnow()
    session.exec(delete(ShareRateLimit).where(col(ShareRateLimit.window_start) <= now - RATE_WINDOW))
    bumped = session.exec(
        update(ShareRateLimit).where(col(ShareRateLimit.key) == key).values(hits=col(ShareRateLimit.hits) + 1)
    )
    if bumped.rowcount == 0:
        session.add(ShareRateLimit(key=key, window_start=now, hits=1))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return count_request(session=session, key=key, limit=limit, now=now)
        return None
    hits, window_start = session.exec(
        select(ShareRateLimit.hits, ShareRateLimit.window_start).where(ShareRateLimit.key == key)
    ).one()
    session.commit()
    if hits <= limit:
        return None
    return max(1, int((window_start + RATE_WINDOW - now).total_seconds()) + 1)
