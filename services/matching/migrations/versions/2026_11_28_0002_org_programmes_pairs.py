"""Org structure, programmes, participants, never-pair lists, matching rounds and pairs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from mentoring.kit.rls import enable_tenant_rls

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_PAIR = "status IN ('proposed', 'active')"


def _id(name: str, *args: Any, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, UUID(as_uuid=True), *args, **kw)


def _ts(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    tenant_fk = sa.ForeignKey("tenant.tenant_id")
    op.create_table(
        "org_unit",
        _id("unit_id", primary_key=True),
        _id("tenant_id", nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        _id("parent_unit_id"),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.tenant_id"]),
        sa.ForeignKeyConstraint(
            ["parent_unit_id"], ["org_unit.unit_id"], deferrable=True, initially="DEFERRED"
        ),
        sa.UniqueConstraint("tenant_id", "code", name="uq_org_unit_code"),
    )
    op.create_index("ix_org_unit_parent", "org_unit", ["tenant_id", "parent_unit_id"])
    enable_tenant_rls("org_unit")

    op.create_table(
        "person",
        _id("person_id", primary_key=True),
        _id("tenant_id", nullable=False),
        sa.Column("employee_id", sa.Text),
        sa.Column("first_name", sa.Text),
        sa.Column("last_name", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("position", sa.Text),
        _id("unit_id"),
        _id("manager_person_id"),
        _ts("profile_published_at"),
        _ts("erased_at"),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.tenant_id"]),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.unit_id"], deferrable=True, initially="DEFERRED"
        ),
        sa.ForeignKeyConstraint(
            ["manager_person_id"], ["person.person_id"], deferrable=True, initially="DEFERRED"
        ),
        sa.UniqueConstraint("tenant_id", "employee_id", name="uq_person_employee"),
    )
    op.create_index("ix_person_manager", "person", ["tenant_id", "manager_person_id"])
    op.create_index("ix_person_unit", "person", ["tenant_id", "unit_id"])
    enable_tenant_rls("person")

    op.create_table(
        "programme",
        _id("programme_id", primary_key=True),
        _id("tenant_id", tenant_fk, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("max_mentees_per_mentor", sa.SmallInteger, nullable=False),
        sa.Column("forbid_same_unit", sa.Boolean, nullable=False),
        sa.Column("min_score", sa.Float, nullable=False),
        sa.Column("inactivity_days", sa.SmallInteger, nullable=False),
        sa.Column("request_expiry_days", sa.SmallInteger, nullable=False),
        sa.Column("weights", JSONB, nullable=False),
        _id("coordinator_id"),
        _ts("created_at", nullable=False),
        _ts("closed_at"),
    )
    op.create_index("ix_programme_tenant", "programme", ["tenant_id", "created_at"])
    enable_tenant_rls("programme")

    op.create_table(
        "participant",
        _id("programme_id", sa.ForeignKey("programme.programme_id"), nullable=False),
        _id("person_id", sa.ForeignKey("person.person_id"), nullable=False),
        _id("tenant_id", nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("skills", JSONB, nullable=False),
        sa.Column("goals", JSONB, nullable=False),
        sa.Column("languages", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("remote", sa.Boolean, nullable=False),
        sa.Column("hours_per_month", sa.SmallInteger, nullable=False),
        sa.Column("seniority", sa.SmallInteger, nullable=False),
        sa.Column("capacity", sa.SmallInteger),
        sa.Column("capacity_override", sa.SmallInteger),
        sa.Column("about", sa.Text),
        _ts("consented_at"),
        sa.Column("consent_version", sa.Text),
        _ts("enrolled_at", nullable=False),
        _ts("withdrawn_at"),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("programme_id", "person_id"),
    )
    op.create_index("ix_participant_person", "participant", ["tenant_id", "person_id"])
    enable_tenant_rls("participant")

    op.create_table(
        "never_pair",
        _id("never_pair_id", primary_key=True),
        _id("tenant_id", nullable=False),
        _id("person_a", sa.ForeignKey("person.person_id"), nullable=False),
        _id("person_b", sa.ForeignKey("person.person_id"), nullable=False),
        _id("programme_id", sa.ForeignKey("programme.programme_id")),
        sa.Column("reason", sa.Text),
        _ts("created_at", nullable=False),
    )
    op.create_index(
        "uq_never_pair",
        "never_pair",
        ["tenant_id", "person_a", "person_b", "programme_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    enable_tenant_rls("never_pair")

    op.create_table(
        "matching_round",
        _id("round_id", primary_key=True),
        _id("tenant_id", nullable=False),
        _id("programme_id", sa.ForeignKey("programme.programme_id"), nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("mentees_in_pool", sa.Integer, nullable=False),
        sa.Column("mentors_in_pool", sa.Integer, nullable=False),
        sa.Column("proposals", sa.Integer, nullable=False),
        sa.Column("total_score", sa.Float, nullable=False),
        sa.Column("published", sa.Integer, nullable=False, server_default="0"),
        sa.Column("dropped", sa.Integer, nullable=False, server_default="0"),
        _ts("created_at", nullable=False),
        _ts("published_at"),
        _ts("discarded_at"),
    )
    op.create_index("ix_matching_round_programme", "matching_round", ["programme_id", "created_at"])
    op.create_index(
        "uq_matching_round_open",
        "matching_round",
        ["programme_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('draft', 'publishing')"),
    )
    enable_tenant_rls("matching_round")

    op.create_table(
        "round_proposal",
        _id("round_id", sa.ForeignKey("matching_round.round_id"), nullable=False),
        _id("mentee_id", nullable=False),
        _id("tenant_id", nullable=False),
        _id("mentor_id", nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("explanation", JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("drop_reason", sa.Text),
        _id("pair_id"),
        sa.PrimaryKeyConstraint("round_id", "mentee_id"),
    )
    op.create_index(
        "ix_round_proposal_pending",
        "round_proposal",
        ["round_id", "mentee_id"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    enable_tenant_rls("round_proposal")

    op.create_table(
        "pair",
        _id("pair_id", primary_key=True),
        _id("tenant_id", nullable=False),
        _id("programme_id", sa.ForeignKey("programme.programme_id"), nullable=False),
        _id("round_id"),
        sa.Column("origin", sa.Text, nullable=False),
        _id("mentor_id", nullable=False),
        _id("mentee_id", nullable=False),
        _id("mentor_unit_id"),
        _id("mentee_unit_id"),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("explanation", JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        _ts("proposed_at", nullable=False),
        _ts("expires_at"),
        _ts("mentor_accepted_at"),
        _ts("mentee_accepted_at"),
        _ts("activated_at"),
        _ts("closed_at"),
        sa.Column("declined_by", sa.Text),
        sa.Column("end_reason", sa.Text),
        sa.Column("flags", JSONB, nullable=False),
    )
    op.create_index(
        "uq_pair_open_mentee",
        "pair",
        ["programme_id", "mentee_id"],
        unique=True,
        postgresql_where=sa.text(OPEN_PAIR),
    )
    op.create_index(
        "ix_pair_open_mentor",
        "pair",
        ["programme_id", "mentor_id"],
        postgresql_where=sa.text(OPEN_PAIR),
    )
    op.create_index("ix_pair_programme", "pair", ["programme_id", "status"])
    op.create_index(
        "ix_pair_expiry",
        "pair",
        ["expires_at"],
        postgresql_where=sa.text("status = 'proposed' AND expires_at IS NOT NULL"),
    )
    # The request-expiry job scans proposed pairs of every tenant (system scope).
    enable_tenant_rls("pair", system_access=True)


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
