"""Tables of web-push reminders (subscriptions, her reminder choice, claimed reminders).

Imported at the bottom of app/models.py, so they register with the same metadata.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from app.models import UTCDateTime, utcnow

__all__ = ["PushSubscription", "Reminder", "ReminderPreference"]


# One browser's push subscription (a PushSubscription's JSON). Re-sent on every app start.
class PushSubscription(SQLModel, table=True):
    __tablename__ = "push_subscription"
    __table_args__ = (
        Index("uq_push_subscription_endpoint", "endpoint", unique=True),  # upsert by endpoint; one owner
        Index("ix_push_subscription_patient", "patient_id"),  # the worker's "her devices"
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(sa_column_args=[ForeignKey("patient.id", ondelete="CASCADE")])
    endpoint: str = Field(max_length=2048)
    p256dh: str = Field(max_length=128)  # the browser's P-256 public key, base64url
    auth: str = Field(max_length=64)  # the browser's auth secret, base64url
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Her choice to be reminded also outside the third trimester and breastfeeding.
class ReminderPreference(SQLModel, table=True):
    __tablename__ = "reminder_preference"
    patient_id: int = Field(sa_column=Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True))
    outside_windows: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A daily reminder or nudge, planned once per (patient, her local day, kind) and claimed by a worker.
class Reminder(SQLModel, table=True):
    __table_args__ = (
        Index("uq_reminder_day_kind", "patient_id", "day", "kind", unique=True),  # exactly once per day and kind
        Index("ix_reminder_unsent", "sent_at", "due_at"),  # the claim query: unsent and due
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(sa_column_args=[ForeignKey("patient.id", ondelete="CASCADE")])
    day: date  # her local date the reminder is for
    kind: str = Field(sa_column=Column(String(16), nullable=False))  # daily, nudge
    due_at: datetime = Field(sa_type=UTCDateTime)  # not before (also pushed back for retries)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=32)  # the claiming worker's token
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # done (sent, skipped or given up)
    outcome: str | None = Field(default=None, max_length=16)  # sent, skipped, no_device, gone, config_error, failed
