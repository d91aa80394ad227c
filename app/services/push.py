"""Push subscriptions (one per browser, re-sent on every app start) and which hosts may receive pushes."""

from __future__ import annotations

import base64
import binascii
import fnmatch
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, col, select

from app.domain.diary_day import local_today
from app.models import FlagNotification, Patient, PushSubscription, utcnow
from app.services.errors import InvalidInput, NotFound

P256DH_BYTES = 65  # an uncompressed P-256 point
AUTH_BYTES = 16
NOTIFICATION_LEASE = timedelta(minutes=10)


def endpoint_allowed(endpoint: str, allowed: tuple[str, ...]) -> bool:
    """Whether the server may POST to this push endpoint.

    An entry is a host name (https implied; `*.push.apple.com` matches subdomains) or a full
    origin such as `http://127.0.0.1:8123` (the configuration refuses those in production).
    Endpoints with credentials, odd ports on host-name entries or other schemes never pass.
    """
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        return False
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    for entry in allowed:
        if "://" in entry:
            if origin == entry:
                return True
        elif parts.scheme == "https" and port in (None, 443) and _host_matches(host, entry):
            return True
    return False


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and fnmatch.fnmatchcase(host, pattern)
    return host == pattern


def _key_bytes(value: str, size: int, code: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(code) from None
    if len(raw) != size or (size == P256DH_BYTES and raw[0] != 4):
        raise InvalidInput(code)
    return value


@dataclass(frozen=True)
class Subscribed:
    subscription: PushSubscription
    created: bool


def subscribe(
    *,
    session: Session,
    patient: Patient,
    endpoint: str,
    p256dh: str,
    auth: str,
    allowed_hosts: tuple[str, ...],
    now: datetime | None = None,
) -> Subscribed:
    """Store (or refresh) this browser's subscription for her.

    1. The endpoint must be on an allowed push host (so no one can make us POST elsewhere).
    2. The keys must be a P-256 point and a 16-byte secret.
    3. A known endpoint is refreshed and moves to her (one browser, one owner: the last to sign in).
    """
    if not endpoint_allowed(endpoint, allowed_hosts):
        raise InvalidInput("push_endpoint_not_allowed")
    _key_bytes(p256dh, P256DH_BYTES, "push_keys_invalid")
    _key_bytes(auth, AUTH_BYTES, "push_keys_invalid")
    now = now or utcnow()
    row = session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).first()
    created = row is None
    if row is None:
        row = PushSubscription(patient_id=patient.id, endpoint=endpoint, p256dh=p256dh, auth=auth, created_at=now)
    row.patient_id, row.p256dh, row.auth, row.last_seen_at = patient.id, p256dh, auth, now  # type: ignore[assignment]
    session.add(row)
    session.commit()
    return Subscribed(row, created)


def unsubscribe(*, session: Session, patient: Patient, endpoint: str) -> None:
    """Forget her subscription for this browser (NotFound if she has none with this endpoint)."""
    result = session.execute(
        delete(PushSubscription).where(PushSubscription.endpoint == endpoint, PushSubscription.patient_id == patient.id)
    )
    session.commit()
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound()


def count_subscriptions(*, session: Session, patient: Patient) -> int:
    return len(session.exec(select(PushSubscription.id).where(PushSubscription.patient_id == patient.id)).all())


def subscriptions_of(*, session: Session, patient_ids: list[int]) -> dict[int, list[PushSubscription]]:
    """Her devices, for each patient id given (the worker's batch lookup)."""
    rows = session.exec(select(PushSubscription).where(col(PushSubscription.patient_id).in_(patient_ids)))
    found: dict[int, list[PushSubscription]] = {}
    for row in rows:
        found.setdefault(row.patient_id, []).append(row)
    return found


def delete_subscriptions(*, session: Session, subscription_ids: list[int]) -> None:
    """The push service said these subscriptions are gone (404/410)."""
    if subscription_ids:
        session.execute(delete(PushSubscription).where(col(PushSubscription.id).in_(subscription_ids)))
        session.commit()


# --- The detector's notifications (table flag_notification, written after every save) -------


@dataclass(frozen=True)
class ClaimedNotification:
    id: int
    patient_id: int
    day: date
    kind: str
    level: str


def _notification_claimable(now: datetime, lease: timedelta):  # type: ignore[no-untyped-def]
    return and_(
        col(FlagNotification.sent_at).is_(None),
        or_(col(FlagNotification.claimed_at).is_(None), col(FlagNotification.claimed_at) < now - lease),
    )


def claim_notifications(
    *, session: Session, now: datetime | None = None, lease: timedelta = NOTIFICATION_LEASE, limit: int = 100
) -> list[ClaimedNotification]:
    """Claim unsent notifications for each patient's current local day; commits.

    1. Candidates: unsent, unclaimed (or lease expired), from yesterday (UTC) on, since every
       local date lies within a day of the UTC date; FOR UPDATE SKIP LOCKED on PostgreSQL.
    2. Keep those whose day is her local today (older ones are no longer worth a push).
    3. Each is claimed with a conditional update; an update that matches nothing was taken by
       another worker.
    """
    now = now or utcnow()
    query = (
        select(FlagNotification, Patient.timezone)
        .join(Patient, col(Patient.id) == FlagNotification.patient_id)
        .where(_notification_claimable(now, lease), FlagNotification.day >= now.date() - timedelta(days=1))
        .order_by(col(FlagNotification.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=FlagNotification)  # type: ignore[arg-type]
    )
    claimed = []
    for row, timezone in session.exec(query).all():
        if row.day != local_today(now, timezone):
            continue
        result = session.execute(
            update(FlagNotification)
            .where(FlagNotification.id == row.id, _notification_claimable(now, lease))
            .values(claimed_at=now)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(ClaimedNotification(row.id, row.patient_id, row.day, row.kind, row.level))  # type: ignore[arg-type]
    session.commit()
    return claimed


def finish_notification(*, session: Session, notification_id: int, now: datetime | None = None) -> None:
    """Done: sent, or skipped (a check-in on a day she has already logged)."""
    session.execute(
        update(FlagNotification).where(FlagNotification.id == notification_id).values(sent_at=now or utcnow())
    )
    session.commit()


def retry_notification(
    *, session: Session, notification_id: int, retry_at: datetime, lease: timedelta = NOTIFICATION_LEASE
) -> None:
    """Release a claim so the notification becomes claimable again at `retry_at`.

    The table has no "not before" column, so the claim is back-dated: it expires at `retry_at`.
    """
    session.execute(
        update(FlagNotification).where(FlagNotification.id == notification_id).values(claimed_at=retry_at - lease)
    )
    session.commit()
