"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 08:53:31.243415
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    # Failed sign-ins per HMAC(email, client): throttles password guessing.
    op.create_table(
        "login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "patient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("consent_version", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("consent_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("breastfeeding", sa.Boolean(), nullable=False),
        sa.Column("weaning_date", sa.Date(), nullable=True),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reminder_time", sa.Time(), nullable=True),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("risk_heparin", sa.Boolean(), nullable=False),
        sa.Column("risk_steroids", sa.Boolean(), nullable=False),
        sa.Column("risk_previous_plo", sa.Boolean(), nullable=False),
        sa.Column("risk_fragility_fracture", sa.Boolean(), nullable=False),
        sa.Column("risk_coeliac", sa.Boolean(), nullable=False),
        sa.Column("risk_low_weight", sa.Boolean(), nullable=False),
        sa.Column("risk_family_history", sa.Boolean(), nullable=False),
        sa.Column("risk_vitamin_d_deficiency", sa.Boolean(), nullable=False),
        sa.Column("risk_twins_or_ivf", sa.Boolean(), nullable=False),
        sa.Column("first_pregnancy", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "auth_session",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_session_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("back_pain", sa.Integer(), nullable=True),
        sa.Column("hip_pain", sa.Integer(), nullable=True),
        sa.Column("hip_side", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("back_region", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("woke_at_night", sa.Boolean(), nullable=True),
        sa.Column("could_not_lift_baby", sa.Boolean(), nullable=True),
        sa.Column("walking_limited", sa.Boolean(), nullable=True),
        sa.Column("painkiller_taken", sa.Boolean(), nullable=True),
        sa.Column("painkiller_helped", sa.Boolean(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("red_flags", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column(
            "create_fingerprint",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("back_pain IS NOT NULL OR hip_pain IS NOT NULL", name="one_site_scored"),
        sa.CheckConstraint(
            "back_pain IS NULL OR (back_pain >= 0 AND back_pain <= 10)",
            name="back_pain_range",
        ),
        sa.CheckConstraint(
            "hip_pain IS NULL OR (hip_pain >= 0 AND hip_pain <= 10)",
            name="hip_pain_range",
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("entry", schema=None) as batch_op:
        # Her history by day and the detector's days.
        batch_op.create_index("ix_entry_patient_day", ["patient_id", "day"], unique=False)

    op.create_table(
        "red_flag_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("answer", sa.Boolean(), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("red_flag_answer", schema=None) as batch_op:
        # One answer per question per day.
        batch_op.create_index("uq_red_flag_answer_day_code", ["patient_id", "day", "code"], unique=True)


def downgrade() -> None:

    with op.batch_alter_table("red_flag_answer", schema=None) as batch_op:
        batch_op.drop_index("uq_red_flag_answer_day_code")

    op.drop_table("red_flag_answer")
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_index("ix_entry_patient_day")

    op.drop_table("entry")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_patient_id"))

    op.drop_table("auth_session")
    op.drop_table("patient")
    op.drop_table("login_throttle")
