"""The matching database's tables (SQLAlchemy Core), including the kit's outbox and inbox.

Every table with tenant data has `tenant_id` and forced row-level security (see the migrations).
Keys are aggregate ids (uuid); a person's id is the pseudonymous participant id of the events.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from mentoring.kit.tables import KitTables

metadata = MetaData()
kit = KitTables(metadata)

OPEN_PAIR = text("status IN ('proposed', 'active')")

tenant = Table(
    "tenant",
    metadata,
    Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False, unique=True),
    Column("default_locale", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

org_unit = Table(
    "org_unit",
    metadata,
    Column("unit_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenant.tenant_id"), nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column(
        "parent_unit_id",
        UUID(as_uuid=True),
        ForeignKey("org_unit.unit_id", deferrable=True, initially="DEFERRED"),
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "code", name="uq_org_unit_code"),
    Index("ix_org_unit_parent", "tenant_id", "parent_unit_id"),
)

person = Table(
    "person",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenant.tenant_id"), nullable=False),
    Column("employee_id", Text),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("email", Text),
    Column("locale", Text, nullable=False),
    Column("position", Text),
    Column(
        "unit_id",
        UUID(as_uuid=True),
        ForeignKey("org_unit.unit_id", deferrable=True, initially="DEFERRED"),
    ),
    Column(
        "manager_person_id",
        UUID(as_uuid=True),
        ForeignKey("person.person_id", deferrable=True, initially="DEFERRED"),
    ),
    Column("profile_published_at", DateTime(timezone=True)),
    Column("erased_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "employee_id", name="uq_person_employee"),
    Index("ix_person_manager", "tenant_id", "manager_person_id"),
    Index("ix_person_unit", "tenant_id", "unit_id"),
)

programme = Table(
    "programme",
    metadata,
    Column("programme_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenant.tenant_id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("max_mentees_per_mentor", SmallInteger, nullable=False),
    Column("forbid_same_unit", Boolean, nullable=False),
    Column("min_score", Float, nullable=False),
    Column("inactivity_days", SmallInteger, nullable=False),
    Column("request_expiry_days", SmallInteger, nullable=False),
    Column("weights", JSONB, nullable=False),
    Column("coordinator_id", UUID(as_uuid=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_programme_tenant", "tenant_id", "created_at"),
)

participant = Table(
    "participant",
    metadata,
    Column(
        "programme_id", UUID(as_uuid=True), ForeignKey("programme.programme_id"), nullable=False
    ),
    Column("person_id", UUID(as_uuid=True), ForeignKey("person.person_id"), nullable=False),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("role", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("skills", JSONB, nullable=False),
    Column("goals", JSONB, nullable=False),
    Column("languages", ARRAY(Text), nullable=False),
    Column("location", Text),
    Column("remote", Boolean, nullable=False),
    Column("hours_per_month", SmallInteger, nullable=False),
    Column("seniority", SmallInteger, nullable=False),
    Column("capacity", SmallInteger),
    Column("capacity_override", SmallInteger),
    Column("about", Text),
    Column("consented_at", DateTime(timezone=True)),
    Column("consent_version", Text),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("programme_id", "person_id"),
    Index("ix_participant_person", "tenant_id", "person_id"),
)

never_pair = Table(
    "never_pair",
    metadata,
    Column("never_pair_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("person_a", UUID(as_uuid=True), ForeignKey("person.person_id"), nullable=False),
    Column("person_b", UUID(as_uuid=True), ForeignKey("person.person_id"), nullable=False),
    Column("programme_id", UUID(as_uuid=True), ForeignKey("programme.programme_id")),
    Column("reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(
        "uq_never_pair",
        "tenant_id",
        "person_a",
        "person_b",
        "programme_id",
        unique=True,
        postgresql_nulls_not_distinct=True,
    ),
)

matching_round = Table(
    "matching_round",
    metadata,
    Column("round_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column(
        "programme_id", UUID(as_uuid=True), ForeignKey("programme.programme_id"), nullable=False
    ),
    Column("mode", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("mentees_in_pool", Integer, nullable=False),
    Column("mentors_in_pool", Integer, nullable=False),
    Column("proposals", Integer, nullable=False),
    Column("total_score", Float, nullable=False),
    Column("published", Integer, nullable=False, server_default="0"),
    Column("dropped", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Column("discarded_at", DateTime(timezone=True)),
    Index("ix_matching_round_programme", "programme_id", "created_at"),
    Index(
        "uq_matching_round_open",
        "programme_id",
        unique=True,
        postgresql_where=text("status IN ('draft', 'publishing')"),
    ),
)

round_proposal = Table(
    "round_proposal",
    metadata,
    Column("round_id", UUID(as_uuid=True), ForeignKey("matching_round.round_id"), nullable=False),
    Column("mentee_id", UUID(as_uuid=True), nullable=False),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("mentor_id", UUID(as_uuid=True), nullable=False),
    Column("score", Float, nullable=False),
    Column("explanation", JSONB, nullable=False),
    Column("status", Text, nullable=False),
    Column("drop_reason", Text),
    Column("pair_id", UUID(as_uuid=True)),
    PrimaryKeyConstraint("round_id", "mentee_id"),
    Index(
        "ix_round_proposal_pending",
        "round_id",
        "mentee_id",
        postgresql_where=text("status = 'pending'"),
    ),
)

pair = Table(
    "pair",
    metadata,
    Column("pair_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column(
        "programme_id", UUID(as_uuid=True), ForeignKey("programme.programme_id"), nullable=False
    ),
    Column("round_id", UUID(as_uuid=True)),
    Column("origin", Text, nullable=False),
    Column("mentor_id", UUID(as_uuid=True), nullable=False),
    Column("mentee_id", UUID(as_uuid=True), nullable=False),
    Column("mentor_unit_id", UUID(as_uuid=True)),
    Column("mentee_unit_id", UUID(as_uuid=True)),
    Column("score", Float, nullable=False),
    Column("explanation", JSONB, nullable=False),
    Column("status", Text, nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("mentor_accepted_at", DateTime(timezone=True)),
    Column("mentee_accepted_at", DateTime(timezone=True)),
    Column("activated_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("declined_by", Text),
    Column("end_reason", Text),
    Column("flags", JSONB, nullable=False),
    # the topic namespace of the deployment that created the pair: its request-expiry job
    # expires only its own requests (several deployments may share one database)
    Column("namespace", Text, nullable=False, server_default=""),
    Index(
        "uq_pair_open_mentee",
        "programme_id",
        "mentee_id",
        unique=True,
        postgresql_where=OPEN_PAIR,
    ),
    Index("ix_pair_open_mentor", "programme_id", "mentor_id", postgresql_where=OPEN_PAIR),
    Index("ix_pair_programme", "programme_id", "status"),
    Index(
        "ix_pair_expiry",
        "namespace",
        "expires_at",
        postgresql_where=text("status = 'proposed' AND expires_at IS NOT NULL"),
    ),
)
