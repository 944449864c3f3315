"""The sessions domain: pair and programme read models, topics, sessions and their private
notes, agreements, goals, feedback and surveys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from mentoring.kit.rls import enable_tenant_rls

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _uuid(name: str, **kw: object) -> sa.Column[object]:
    return sa.Column(name, UUID(as_uuid=True), **kw)  # type: ignore[arg-type]


def _ts(name: str, **kw: object) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "programme",
        _uuid("tenant_id", nullable=False),
        _uuid("programme_id", primary_key=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        _ts("opened_at", nullable=False),
    )
    enable_tenant_rls("programme", system_access=True)  # the survey scheduler joins it

    op.create_table(
        "pair",
        _uuid("tenant_id", nullable=False),
        _uuid("pair_id", primary_key=True),
        _uuid("programme_id", nullable=False),
        _uuid("mentor_id", nullable=False),
        _uuid("mentee_id", nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        _ts("created_at", nullable=False),
        _ts("ended_at"),
        sa.Column("end_reason", sa.Text),
        _ts("next_checkin_at"),
        sa.Column("pulse_wave", sa.Text, server_default="start"),
        sa.Column("pulse_due_on", sa.Date),
    )
    op.create_index("ix_pair_mentor", "pair", ["tenant_id", "mentor_id"])
    op.create_index("ix_pair_mentee", "pair", ["tenant_id", "mentee_id"])
    op.create_index("ix_pair_programme", "pair", ["tenant_id", "programme_id"])
    op.create_index(
        "ix_pair_next_checkin",
        "pair",
        ["next_checkin_at"],
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "ix_pair_pulse_due",
        "pair",
        ["pulse_due_on"],
        postgresql_where=sa.text("status = 'active' AND pulse_wave IS NOT NULL"),
    )
    enable_tenant_rls("pair", system_access=True)  # the survey scheduler scans it

    op.create_table(
        "topic",
        _uuid("tenant_id", nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("label_pl", sa.Text, nullable=False),
        sa.Column("label_en", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "code"),
    )
    enable_tenant_rls("topic")

    op.create_table(
        "session",
        _uuid("tenant_id", nullable=False),
        _uuid("session_id", primary_key=True),
        _uuid("pair_id", nullable=False),
        _uuid("programme_id", nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("location", sa.Text),
        _ts("starts_at", nullable=False),
        sa.Column("duration_minutes", sa.SmallInteger, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
        _ts("held_at"),
        sa.Column("topics", ARRAY(sa.Text), nullable=False, server_default="{}"),
        _uuid("scheduled_by"),
        _uuid("logged_by"),
        _ts("logged_at"),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
    )
    op.create_index("ix_session_pair", "session", ["pair_id", "starts_at"])
    op.create_index("ix_session_programme", "session", ["tenant_id", "programme_id", "status"])
    enable_tenant_rls("session")

    op.create_table(
        "session_note",
        _uuid("tenant_id", nullable=False),
        _uuid("session_id", nullable=False),
        _uuid("author_id", nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("session_id", "author_id"),
    )
    op.create_index("ix_session_note_author", "session_note", ["tenant_id", "author_id"])
    enable_tenant_rls("session_note")

    op.create_table(
        "agreement",
        _uuid("tenant_id", nullable=False),
        _uuid("agreement_id", primary_key=True),
        _uuid("pair_id", nullable=False, unique=True),
        _uuid("programme_id", nullable=False),
        sa.Column("goals", sa.Text, nullable=False),
        sa.Column("meetings_per_month", sa.SmallInteger, nullable=False),
        sa.Column("session_minutes", sa.SmallInteger, nullable=False),
        sa.Column("confidentiality", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        _ts("mentor_signed_at"),
        _ts("mentee_signed_at"),
        _ts("signed_at"),
        _ts("updated_at", nullable=False),
    )
    enable_tenant_rls("agreement")

    op.create_table(
        "goal",
        _uuid("tenant_id", nullable=False),
        _uuid("goal_id", primary_key=True),
        _uuid("pair_id", nullable=False),
        _uuid("programme_id", nullable=False),
        _uuid("author_id"),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("target_date", sa.Date),
        sa.Column("progress", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("milestones", JSONB, nullable=False, server_default="[]"),
        _ts("created_at", nullable=False),
        _ts("achieved_at"),
    )
    op.create_index("ix_goal_pair", "goal", ["pair_id"])
    op.create_index("ix_goal_author", "goal", ["tenant_id", "author_id"])
    enable_tenant_rls("goal")

    op.create_table(
        "feedback",
        _uuid("tenant_id", nullable=False),
        _uuid("session_id", nullable=False),
        _uuid("participant_id", nullable=False),
        _uuid("pair_id", nullable=False),
        _uuid("programme_id", nullable=False),
        sa.Column("rating", sa.SmallInteger, nullable=False),
        sa.Column("fit_check", sa.Boolean),
        sa.Column("comment", sa.Text),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("session_id", "participant_id"),
    )
    op.create_index("ix_feedback_programme", "feedback", ["tenant_id", "programme_id"])
    enable_tenant_rls("feedback")

    op.create_table(
        "survey",
        _uuid("tenant_id", nullable=False),
        _uuid("survey_id", primary_key=True),
        _uuid("pair_id", nullable=False),
        _uuid("programme_id", nullable=False),
        _uuid("participant_id", nullable=False),
        sa.Column("instrument", sa.Text, nullable=False),
        sa.Column("instrument_version", sa.Text, nullable=False),
        sa.Column("wave", sa.Text, nullable=False),
        sa.Column("dedupe_key", sa.Text, nullable=False),
        _ts("due_at", nullable=False),
        _ts("created_at", nullable=False),
        _ts("submitted_at"),
        sa.Column("responses", ARRAY(sa.SmallInteger)),
        sa.Column("score", sa.Float),
        sa.UniqueConstraint("tenant_id", "participant_id", "dedupe_key", name="uq_survey_once"),
    )
    op.create_index("ix_survey_participant", "survey", ["tenant_id", "participant_id", "due_at"])
    op.create_index(
        "ix_survey_programme", "survey", ["tenant_id", "programme_id", "instrument", "wave"]
    )
    enable_tenant_rls("survey", system_access=True)  # the survey scheduler inserts due surveys


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
