"""The sessions database's tables (SQLAlchemy Core), including the kit's outbox and inbox."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from mentoring.kit.tables import KitTables

metadata = MetaData()
kit = KitTables(metadata, tenant_replica=True)


def _uuid(name: str, **kw: object) -> Column[object]:
    return Column(name, UUID(as_uuid=True), **kw)  # type: ignore[arg-type]


def _ts(name: str, **kw: object) -> Column[object]:
    return Column(name, DateTime(timezone=True), **kw)  # type: ignore[arg-type]


programme = Table(
    "programme",
    metadata,
    _uuid("tenant_id", nullable=False),
    _uuid("programme_id", primary_key=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    _ts("opened_at", nullable=False),
)

pair = Table(
    "pair",
    metadata,
    _uuid("tenant_id", nullable=False),
    _uuid("pair_id", primary_key=True),
    _uuid("programme_id", nullable=False),
    _uuid("mentor_id", nullable=False),
    _uuid("mentee_id", nullable=False),
    Column("status", Text, nullable=False),
    _ts("created_at", nullable=False),
    _ts("ended_at"),
    Column("end_reason", Text),
    # survey scheduler state (the worker's PeriodicJob keeps it here, not in memory)
    _ts("next_checkin_at"),
    Column("pulse_wave", Text, server_default="start"),
    Column("pulse_due_on", Date),
    # the topic namespace of the deployment that recorded the pair: its scheduler announces
    # surveys only for its own pairs (several deployments may share one database)
    Column("namespace", Text, nullable=False, server_default=""),
    Index("ix_pair_mentor", "tenant_id", "mentor_id"),
    Index("ix_pair_mentee", "tenant_id", "mentee_id"),
    Index("ix_pair_programme", "tenant_id", "programme_id"),
    Index(
        "ix_pair_next_checkin",
        "namespace",
        "next_checkin_at",
        postgresql_where=text("status = 'active'"),
    ),
    Index(
        "ix_pair_pulse_due",
        "namespace",
        "pulse_due_on",
        postgresql_where=text("status = 'active' AND pulse_wave IS NOT NULL"),
    ),
)

topic = Table(
    "topic",
    metadata,
    _uuid("tenant_id", nullable=False),
    Column("code", Text, nullable=False),
    Column("label_pl", Text, nullable=False),
    Column("label_en", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    _ts("created_at", nullable=False),
    PrimaryKeyConstraint("tenant_id", "code"),
)

session = Table(
    "session",
    metadata,
    _uuid("tenant_id", nullable=False),
    _uuid("session_id", primary_key=True),
    _uuid("pair_id", nullable=False),
    _uuid("programme_id", nullable=False),
    Column("status", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("location", Text),
    _ts("starts_at", nullable=False),
    Column("duration_minutes", SmallInteger, nullable=False),
    Column("revision", Integer, nullable=False, server_default="0"),
    _ts("held_at"),
    Column("topics", ARRAY(Text), nullable=False, server_default="{}"),
    _uuid("scheduled_by"),
    _uuid("logged_by"),
    _ts("logged_at"),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    Index("ix_session_pair", "pair_id", "starts_at"),
    Index("ix_session_programme", "tenant_id", "programme_id", "status"),
)

session_note = Table(
    "session_note",
    metadata,
    _uuid("tenant_id", nullable=False),
    _uuid("session_id", nullable=False),
    _uuid("author_id", nullable=False),
    Column("body", Text, nullable=False),
    _ts("updated_at", nullable=False),
    PrimaryKeyConstraint("session_id", "author_id"),
    Index("ix_session_note_author", "tenant_id", "author_id"),
)

agreement = Table(
    "agreement",
    metadata,
    _uuid("tenant_id", nullable=False),
    _uuid("agreement_id", primary_key=True),
    _uuid("pair_id", nullable=False, unique=True),
    _uuid("programme_id", nullable=False),
    Column("goals", Text, nullable=False),
    Column("meetings_per_month", SmallInteger, nullable=False),
    Column("session_minutes", SmallInteger, nullable=False),
    Column("confidentiality", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    _ts("mentor_signed_at"),
    _ts("mentee_signed_at"),
    _ts("signed_at"),
    _ts("updated_at", nullable=False),
)

goal = Table(
    "goal",
    metadata,
    _uuid("tenant_id", nullable=False),
    _uuid("goal_id", primary_key=True),
    _uuid("pair_id", nullable=False),
    _uuid("programme_id", nullable=False),
    _uuid("author_id"),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("target_date", Date),
    Column("progress", SmallInteger, nullable=False, server_default="0"),
    Column("status", Text, nullable=False),
    Column("milestones", JSONB, nullable=False, server_default="[]"),
    _ts("created_at", nullable=False),
    _ts("achieved_at"),
    Index("ix_goal_pair", "pair_id"),
    Index("ix_goal_author", "tenant_id", "author_id"),
)

feedback = Table(
    "feedback",
    metadata,
    _uuid("tenant_id", nullable=False),
    _uuid("session_id", nullable=False),
    _uuid("participant_id", nullable=False),
    _uuid("pair_id", nullable=False),
    _uuid("programme_id", nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("fit_check", Boolean),
    Column("comment", Text),
    _ts("created_at", nullable=False),
    PrimaryKeyConstraint("session_id", "participant_id"),
    Index("ix_feedback_programme", "tenant_id", "programme_id"),
)

survey = Table(
    "survey",
    metadata,
    _uuid("tenant_id", nullable=False),
    _uuid("survey_id", primary_key=True),
    _uuid("pair_id", nullable=False),
    _uuid("programme_id", nullable=False),
    _uuid("participant_id", nullable=False),
    Column("instrument", Text, nullable=False),
    Column("instrument_version", Text, nullable=False),
    Column("wave", Text, nullable=False),
    Column("dedupe_key", Text, nullable=False),
    _ts("due_at", nullable=False),
    _ts("created_at", nullable=False),
    _ts("submitted_at"),
    Column("responses", ARRAY(SmallInteger)),
    Column("score", Float),
    UniqueConstraint("tenant_id", "participant_id", "dedupe_key", name="uq_survey_once"),
    Index("ix_survey_participant", "tenant_id", "participant_id", "due_at"),
    Index("ix_survey_programme", "tenant_id", "programme_id", "instrument", "wave"),
)
