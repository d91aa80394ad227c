"""flag history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:18:47.193151
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("seen_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("acknowledgement", schema=None) as batch_op:
        batch_op.create_index("uq_acknowledgement_day", ["patient_id", "seen_on"], unique=True)

    op.create_table(
        "flag_episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("retracted_on", sa.Date(), nullable=True),
        sa.Column("baseline_back", sa.Float(), nullable=True),
        sa.Column("baseline_hip", sa.Float(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag_episode", schema=None) as batch_op:
        batch_op.create_index("uq_flag_episode_start", ["patient_id", "started_on"], unique=True)

    op.create_table(
        "flag_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("episode_start", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag_notification", schema=None) as batch_op:
        batch_op.create_index("uq_flag_notification", ["patient_id", "day", "kind", "level"], unique=True)

    op.create_table(
        "flag_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reasons_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["flag_episode.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag_change", schema=None) as batch_op:
        batch_op.create_index("uq_flag_change", ["episode_id", "day", "level"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("flag_change", schema=None) as batch_op:
        batch_op.drop_index("uq_flag_change")

    op.drop_table("flag_change")
    with op.batch_alter_table("flag_notification", schema=None) as batch_op:
        batch_op.drop_index("uq_flag_notification")

    op.drop_table("flag_notification")
    with op.batch_alter_table("flag_episode", schema=None) as batch_op:
        batch_op.drop_index("uq_flag_episode_start")

    op.drop_table("flag_episode")
    with op.batch_alter_table("acknowledgement", schema=None) as batch_op:
        batch_op.drop_index("uq_acknowledgement_day")

    op.drop_table("acknowledgement")
