"""push reminders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A browser's push subscription; re-sent on every app start.
    op.create_table(
        "push_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("p256dh", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("auth", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("push_subscription", schema=None) as batch_op:
        # Upsert by endpoint (one owner per browser) and "her devices" for the worker.
        batch_op.create_index("uq_push_subscription_endpoint", ["endpoint"], unique=True)
        batch_op.create_index("ix_push_subscription_patient", ["patient_id"], unique=False)

    # Her choice to be reminded outside the third trimester and breastfeeding.
    op.create_table(
        "reminder_preference",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("outside_windows", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("patient_id"),
    )

    # Planned reminders: one per (patient, local day, kind), claimed by workers.
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        # Exactly once per (patient, day, kind); the claim query scans unsent, due rows.
        batch_op.create_index("uq_reminder_day_kind", ["patient_id", "day", "kind"], unique=True)
        batch_op.create_index("ix_reminder_unsent", ["sent_at", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_unsent")
        batch_op.drop_index("uq_reminder_day_kind")

    op.drop_table("reminder")
    op.drop_table("reminder_preference")
    with op.batch_alter_table("push_subscription", schema=None) as batch_op:
        batch_op.drop_index("ix_push_subscription_patient")
        batch_op.drop_index("uq_push_subscription_endpoint")

    op.drop_table("push_subscription")
