"""Tables of the clinician link (share links and their view log). See app/models.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlmodel import Field, SQLModel

from app.models import UTCDateTime, utcnow

__all__ = ["ShareLink", "ShareRateLimit", "ShareView"]


# A read-only link to her summary for a clinician. Only the SHA-256 of the token is stored.
class ShareLink(SQLModel, table=True):
    __tablename__ = "share_link"
    __table_args__ = (
        Index("uq_share_link_token_hash", "token_hash", unique=True),  # /s/{token} looks the hash up
        Index("ix_share_link_patient", "patient_id"),  # her list of links
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(sa_column_args=[ForeignKey("patient.id", ondelete="CASCADE")])
    token_hash: str = Field(max_length=64)
    label: str = Field(max_length=80)
    include_notes: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# One opening of a link: when, and the coarse browser family. No address is kept.
class ShareView(SQLModel, table=True):
    __tablename__ = "share_view"
    __table_args__ = (Index("ix_share_view_link", "link_id", "viewed_at"),)  # a link's views, in order
    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(sa_column_args=[ForeignKey("share_link.id", ondelete="CASCADE")])
    viewed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    browser: str = Field(max_length=16)  # coarse family: "Firefox", "Safari", ... or "other"
    device: str = Field(max_length=8)  # "mobile", "tablet" or "desktop"


# Requests to /s/ per client in a fixed window. The key is an HMAC of the client address,
# so no address is stored; rows older than the window are purged as new ones arrive.
class ShareRateLimit(SQLModel, table=True):
    __tablename__ = "share_rate_limit"
    key: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(sa_type=UTCDateTime)
    hits: int = 0
