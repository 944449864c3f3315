"""The analytics database's tables (SQLAlchemy Core), including the kit's outbox and inbox.

`rm_*` tables are the read model: built only from events, so `mentoring analytics rebuild` can
build them again from offset 0 (into a shadow schema, swapped in one transaction). They live in
the read-model schema (`public` unless MENTORING_ANALYTICS_READ_MODEL_SCHEMA says otherwise; the
connections' search_path points there). The other tables hold what events cannot rebuild: the
costs coordinators enter, inactivity episodes and programme health already published.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from mentoring.kit.tables import KitTables

metadata = MetaData()
kit = KitTables(metadata, tenant_replica=True)


def _uuid(name: str, nullable: bool = True) -> Column[object]:
    return Column(name, UUID(as_uuid=True), nullable=nullable)


def _ts(name: str) -> Column[object]:
    return Column(name, DateTime(timezone=True))


rm_cursor = Table(
    "rm_cursor",
    metadata,
    _uuid("tenant_id", False),
    Column("stream", SmallInteger, nullable=False),
    _uuid("subject", False),
    Column("last_sequence", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "stream", "subject"),
)

rm_programme = Table(
    "rm_programme",
    metadata,
    _uuid("tenant_id", False),
    _uuid("programme_id", False),
    Column("name", Text),
    Column("kind", Text),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("inactivity_days", Integer),
    _ts("opened_at"),
    _ts("closed_at"),
    # the topic namespace of the deployment that projected it (see rm_pair)
    Column("namespace", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("tenant_id", "programme_id"),
)

rm_participant = Table(
    "rm_participant",
    metadata,
    _uuid("tenant_id", False),
    _uuid("programme_id", False),
    _uuid("participant_id", False),
    Column("role", Text),
    _uuid("unit_id"),
    _ts("enrolled_at"),
    _ts("withdrawn_at"),
    _ts("first_proposed_at"),
    _ts("first_matched_at"),
    _ts("first_completed_at"),
    PrimaryKeyConstraint("tenant_id", "programme_id", "participant_id"),
)

rm_pair = Table(
    "rm_pair",
    metadata,
    _uuid("tenant_id", False),
    _uuid("pair_id", False),
    _uuid("programme_id", False),
    _uuid("mentor_id"),
    _uuid("mentee_id"),
    _uuid("mentor_unit_id"),
    _uuid("mentee_unit_id"),
    Column("status", Text),
    _ts("proposed_at"),
    _ts("declined_at"),
    _ts("created_at"),
    _ts("ended_at"),
    Column("end_reason", Text),
    _ts("last_session_at"),
    Column("sessions_logged", Integer, nullable=False, server_default="0"),
    # the topic namespace of the deployment that projected the pair: its scans publish only
    # about its own pairs and programmes (several deployments may share one database)
    Column("namespace", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("tenant_id", "pair_id"),
    Index("ix_rm_pair_programme_created", "tenant_id", "programme_id", "created_at"),
    Index("ix_rm_pair_created", "tenant_id", "created_at"),
    Index(
        "ix_rm_pair_active",
        "tenant_id",
        "programme_id",
        postgresql_where=text("status = 'active'"),
    ),
)

rm_pair_month = Table(
    "rm_pair_month",
    metadata,
    _uuid("tenant_id", False),
    _uuid("pair_id", False),
    Column("population", Text, nullable=False),
    Column("month", Date, nullable=False),
    _uuid("programme_id", False),
    PrimaryKeyConstraint("tenant_id", "pair_id", "population", "month"),
)

rm_member = Table(
    "rm_member",
    metadata,
    _uuid("tenant_id", False),
    _uuid("programme_id", False),
    Column("population", Text, nullable=False),
    Column("month", Date, nullable=False),
    _uuid("person_id", False),
    PrimaryKeyConstraint("tenant_id", "programme_id", "population", "month", "person_id"),
)

rm_survey = Table(
    "rm_survey",
    metadata,
    _uuid("tenant_id", False),
    _uuid("survey_id", False),
    _uuid("programme_id", False),
    _uuid("pair_id", False),
    _uuid("participant_id", False),
    Column("instrument", Text, nullable=False),
    Column("wave", Text, nullable=False),
    _ts("due_at"),
    _ts("submitted_at"),
    PrimaryKeyConstraint("tenant_id", "survey_id"),
)

rm_metric_month = Table(
    "rm_metric_month",
    metadata,
    _uuid("tenant_id", False),
    _uuid("programme_id", False),
    Column("month", Date, nullable=False),
    Column("metric", Text, nullable=False),
    Column("amount", Numeric, nullable=False),
    PrimaryKeyConstraint("tenant_id", "programme_id", "month", "metric"),
)

rm_unit_month = Table(
    "rm_unit_month",
    metadata,
    _uuid("tenant_id", False),
    _uuid("programme_id", False),
    Column("month", Date, nullable=False),
    _uuid("mentor_unit_id", False),
    _uuid("mentee_unit_id", False),
    Column("pairs", Integer, nullable=False, server_default="0"),
    Column("people", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("tenant_id", "mentor_unit_id", "mentee_unit_id", "programme_id", "month"),
)

# The read model, in the order the rebuild writes and swaps it.
READ_MODEL_TABLES = (
    "rm_cursor",
    "rm_programme",
    "rm_participant",
    "rm_pair",
    "rm_pair_month",
    "rm_member",
    "rm_survey",
    "rm_metric_month",
    "rm_unit_month",
)

programme_cost = Table(
    "programme_cost",
    metadata,
    _uuid("tenant_id", False),
    _uuid("programme_id", False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("currency", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", Text, nullable=False),
    PrimaryKeyConstraint("tenant_id", "programme_id"),
)

pair_inactivity = Table(
    "pair_inactivity",
    metadata,
    _uuid("tenant_id", False),
    _uuid("pair_id", False),
    Column("last_activity_at", DateTime(timezone=True), nullable=False),
    _uuid("programme_id", False),
    Column("detected_at", DateTime(timezone=True), nullable=False),
    _ts("closed_at"),
    PrimaryKeyConstraint("tenant_id", "pair_id", "last_activity_at"),
    Index(
        "ux_pair_inactivity_open",
        "tenant_id",
        "pair_id",
        unique=True,
        postgresql_where=text("closed_at IS NULL"),
    ),
)

programme_health = Table(
    "programme_health",
    metadata,
    _uuid("tenant_id", False),
    _uuid("programme_id", False),
    Column("health", Text, nullable=False),
    Column("reasons", ARRAY(Text), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("tenant_id", "programme_id"),
)
