"""Accounts, server-side sessions and sign-in throttling."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete, select

from app.models import AuthSession, LoginThrottle, Patient, utcnow
from app.services.errors import BadCredentials, Conflict, TooManyAttempts
from app.services.passwords import hash_password, verify_password

CONSENT_VERSION = "2026-11-v1"


@dataclass(frozen=True)
class Policy:
    """Timeouts and throttling limits (from settings)."""

    secret_key: str
    session_idle: timedelta = timedelta(days=14)
    session_max: timedelta = timedelta(days=90)
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    touch_every: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class NewSession:
    token: str  # the cookie value; never stored, never logged
    csrf_token: str
    patient_id: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttle_key(policy: Policy, *parts: str) -> str:
    return hmac.new(policy.secret_key.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()


def _check_throttle(session: Session, policy: Policy, key: str, now: datetime, limit: int) -> None:
    row = session.get(LoginThrottle, key)
    if row is None or now - row.window_start >= policy.window or row.failures < limit:
        return
    retry = policy.window - (now - row.window_start)
    raise TooManyAttempts(max(1, int(retry.total_seconds())))


def _count_attempt(session: Session, policy: Policy, key: str, now: datetime) -> None:
    row = session.get(LoginThrottle, key)
    if row is None:
        session.add(LoginThrottle(key=key, window_start=now, failures=1))
    elif now - row.window_start >= policy.window:
        row.window_start, row.failures = now, 1
    else:
        row.failures += 1


def create_account(
    *, session: Session, policy: Policy, email: str, password: str, client: str, timezone: str, locale: str | None
) -> Patient:
    """Create a patient who has consented to the current consent version.

    Sign-ups are throttled per client (ten times the sign-in limit) so the 409 for a taken
    email cannot be used to enumerate accounts quickly.
    """
    now = utcnow()
    key = _throttle_key(policy, "signup", client)
    _check_throttle(session, policy, key, now, policy.max_failures * 10)
    _count_attempt(session, policy, key, now)
    session.commit()
    patient = Patient(
        email=normalise_email(email),
        password_hash=hash_password(password),
        consent_version=CONSENT_VERSION,
        consent_at=now,
        timezone=timezone,
        locale=locale,
    )
    session.add(patient)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("email_taken") from None
    return patient


def authenticate(*, session: Session, policy: Policy, email: str, password: str, client: str) -> Patient:
    """The patient with these credentials, or BadCredentials (same answer for an unknown email).

    Failures are counted per (email, client) and per client, so a stranger guessing from
    elsewhere cannot lock the owner out, and one client cannot spray many accounts.
    """
    now = utcnow()
    email = normalise_email(email)
    pair_key = _throttle_key(policy, "signin", email, client)
    client_key = _throttle_key(policy, "signin-client", client)
    _check_throttle(session, policy, pair_key, now, policy.max_failures)
    _check_throttle(session, policy, client_key, now, policy.max_failures * 10)
    patient = session.exec(select(Patient).where(Patient.email == email)).first()
    if not verify_password(patient.password_hash if patient else None, password):
        _count_attempt(session, policy, pair_key, now)
        _count_attempt(session, policy, client_key, now)
        session.commit()
        raise BadCredentials()
    session.exec(delete(LoginThrottle).where(LoginThrottle.key == pair_key))
    session.commit()
    return patient


def start_session(*, session: Session, patient_id: int, replaces: str | None = None) -> NewSession:
    """A fresh session (ids rotate at every sign-in); the one it replaces is destroyed."""
    if replaces:
        end_session(session=session, token=replaces)
    now = utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=token_hash(token), patient_id=patient_id, csrf_token=csrf, created_at=now, last_seen_at=now
        )
    )
    session.commit()
    return NewSession(token=token, csrf_token=csrf, patient_id=patient_id)


def resolve_session(*, session: Session, policy: Policy, token: str) -> AuthSession | None:
    """The live session for a cookie value, or None when unknown, idle too long or too old."""
    row = session.get(AuthSession, token_hash(token))
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at > policy.session_idle or now - row.created_at > policy.session_max:
        return None
    return row


def needs_touch(row: AuthSession, policy: Policy) -> bool:
    return utcnow() - row.last_seen_at > policy.touch_every


def touch_session(*, session: Session, token_hash_value: str) -> None:
    row = session.get(AuthSession, token_hash_value)
    if row is not None:
        row.last_seen_at = utcnow()
        session.commit()


def end_session(*, session: Session, token: str) -> None:
    session.exec(delete(AuthSession).where(AuthSession.token_hash == token_hash(token)))
    session.commit()


def purge_expired_sessions(*, session: Session, policy: Policy) -> int:
    now = utcnow()
    result = session.exec(
        delete(AuthSession).where(
            (AuthSession.last_seen_at < now - policy.session_idle) | (AuthSession.created_at < now - policy.session_max)
        )
    )
    session.commit()
    return result.rowcount or 0


def change_password(
    *, session: Session, patient: Patient, current_password: str, new_password: str, current_token: str
) -> NewSession:
    """Set a new password; every session ends and this browser gets a fresh one."""
    if not verify_password(patient.password_hash, current_password):
        raise BadCredentials("wrong_password")
    patient.password_hash = hash_password(new_password)
    session.add(patient)
    session.exec(delete(AuthSession).where(AuthSession.patient_id == patient.id))
    session.commit()
    return start_session(session=session, patient_id=patient.id)


def delete_account(*, session: Session, patient: Patient, password: str) -> None:
    """Erase her and everything about her (foreign keys cascade; SQLite overwrites freed pages)."""
    if not verify_password(patient.password_hash, password):
        raise BadCredentials("wrong_password")
    session.delete(patient)
    session.commit()
