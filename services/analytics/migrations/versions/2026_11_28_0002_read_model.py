"""The read model (rm_*), programme costs, inactivity episodes and programme health.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from mentoring.kit.rls import enable_tenant_rls

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _uuid(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, UUID(as_uuid=True), nullable=nullable)


def _ts(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "rm_cursor",
        _uuid("tenant_id", False),
        sa.Column("stream", sa.SmallInteger, nullable=False),
        _uuid("subject", False),
        sa.Column("last_sequence", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "stream", "subject"),
    )
    op.create_table(
        "rm_programme",
        _uuid("tenant_id", False),
        _uuid("programme_id", False),
        sa.Column("name", sa.Text),
        sa.Column("kind", sa.Text),
        sa.Column("starts_on", sa.Date),
        sa.Column("ends_on", sa.Date),
        sa.Column("inactivity_days", sa.Integer),
        _ts("opened_at"),
        _ts("closed_at"),
        sa.PrimaryKeyConstraint("tenant_id", "programme_id"),
    )
    op.create_table(
        "rm_participant",
        _uuid("tenant_id", False),
        _uuid("programme_id", False),
        _uuid("participant_id", False),
        sa.Column("role", sa.Text),
        _uuid("unit_id"),
        _ts("enrolled_at"),
        _ts("withdrawn_at"),
        _ts("first_proposed_at"),
        _ts("first_matched_at"),
        _ts("first_completed_at"),
        sa.PrimaryKeyConstraint("tenant_id", "programme_id", "participant_id"),
    )
    op.create_table(
        "rm_pair",
        _uuid("tenant_id", False),
        _uuid("pair_id", False),
        _uuid("programme_id", False),
        _uuid("mentor_id"),
        _uuid("mentee_id"),
        _uuid("mentor_unit_id"),
        _uuid("mentee_unit_id"),
        sa.Column("status", sa.Text),
        _ts("proposed_at"),
        _ts("declined_at"),
        _ts("created_at"),
        _ts("ended_at"),
        sa.Column("end_reason", sa.Text),
        _ts("last_session_at"),
        sa.Column("sessions_logged", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("tenant_id", "pair_id"),
    )
    op.create_index(
        "ix_rm_pair_programme_created", "rm_pair", ["tenant_id", "programme_id", "created_at"]
    )
    op.create_index("ix_rm_pair_created", "rm_pair", ["tenant_id", "created_at"])
    op.create_index(
        "ix_rm_pair_active", "rm_pair", ["status"], postgresql_where=sa.text("status = 'active'")
    )
    op.create_table(
        "rm_pair_month",
        _uuid("tenant_id", False),
        _uuid("pair_id", False),
        sa.Column("population", sa.Text, nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        _uuid("programme_id", False),
        sa.PrimaryKeyConstraint("tenant_id", "pair_id", "population", "month"),
    )
    op.create_table(
        "rm_member",
        _uuid("tenant_id", False),
        _uuid("programme_id", False),
        sa.Column("population", sa.Text, nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        _uuid("person_id", False),
        sa.PrimaryKeyConstraint("tenant_id", "programme_id", "population", "month", "person_id"),
    )
    op.create_table(
        "rm_survey",
        _uuid("tenant_id", False),
        _uuid("survey_id", False),
        _uuid("programme_id", False),
        _uuid("pair_id", False),
        _uuid("participant_id", False),
        sa.Column("instrument", sa.Text, nullable=False),
        sa.Column("wave", sa.Text, nullable=False),
        _ts("due_at"),
        _ts("submitted_at"),
        sa.PrimaryKeyConstraint("tenant_id", "survey_id"),
    )
    op.create_table(
        "rm_metric_month",
        _uuid("tenant_id", False),
        _uuid("programme_id", False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("amount", sa.Numeric, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "programme_id", "month", "metric"),
    )
    op.create_table(
        "rm_unit_month",
        _uuid("tenant_id", False),
        _uuid("programme_id", False),
        sa.Column("month", sa.Date, nullable=False),
        _uuid("mentor_unit_id", False),
        _uuid("mentee_unit_id", False),
        sa.Column("pairs", sa.Integer, nullable=False, server_default="0"),
        sa.Column("people", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "programme_id", "month", "mentor_unit_id", "mentee_unit_id"
        ),
    )
    # The projection writes a batch of many tenants in one transaction, and the inactivity and
    # health scans read every tenant: system scope (docs/decisions/0011-analytics-projections.md).
    for table in (
        "rm_cursor",
        "rm_programme",
        "rm_participant",
        "rm_pair",
        "rm_pair_month",
        "rm_member",
        "rm_survey",
        "rm_metric_month",
        "rm_unit_month",
    ):
        enable_tenant_rls(table, system_access=True)

    op.create_table(
        "programme_cost",
        _uuid("tenant_id", False),
        _uuid("programme_id", False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        _ts("updated_at", False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "programme_id"),
    )
    enable_tenant_rls("programme_cost")
    op.create_table(
        "pair_inactivity",
        _uuid("tenant_id", False),
        _uuid("pair_id", False),
        _ts("last_activity_at", False),
        _uuid("programme_id", False),
        _ts("detected_at", False),
        _ts("closed_at"),
        sa.PrimaryKeyConstraint("tenant_id", "pair_id", "last_activity_at"),
    )
    op.create_index(
        "ux_pair_inactivity_open",
        "pair_inactivity",
        ["tenant_id", "pair_id"],
        unique=True,
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    enable_tenant_rls("pair_inactivity", system_access=True)
    op.create_table(
        "programme_health",
        _uuid("tenant_id", False),
        _uuid("programme_id", False),
        sa.Column("health", sa.Text, nullable=False),
        sa.Column("reasons", ARRAY(sa.Text), nullable=False),
        _ts("changed_at", False),
        _ts("evaluated_at", False),
        sa.PrimaryKeyConstraint("tenant_id", "programme_id"),
    )
    enable_tenant_rls("programme_health", system_access=True)


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
