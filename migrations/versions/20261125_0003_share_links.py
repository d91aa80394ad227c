"""share links

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "share_rate_limit",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "share_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("include_notes", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.create_index("ix_share_link_patient", ["patient_id"], unique=False)
        batch_op.create_index("uq_share_link_token_hash", ["token_hash"], unique=True)

    op.create_table(
        "share_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("viewed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("browser", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("device", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["share_link.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("share_view", schema=None) as batch_op:
        batch_op.create_index("ix_share_view_link", ["link_id", "viewed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("share_view", schema=None) as batch_op:
        batch_op.drop_index("ix_share_view_link")

    op.drop_table("share_view")
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.drop_index("uq_share_link_token_hash")
        batch_op.drop_index("ix_share_link_patient")

    op.drop_table("share_link")
    op.drop_table("share_rate_limit")
