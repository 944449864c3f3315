"""The notifications database's tables (SQLAlchemy Core), including the kit's outbox and inbox.

Personal data lives only in `contact` (name, e-mail, locale from the profile topic). Everything
else holds pseudonymous ids; texts are rendered when read or sent, never stored.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from mentoring.kit.tables import KitTables

metadata = MetaData()
kit = KitTables(metadata, tenant_replica=True)


def _now() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


contact = Table(
    "contact",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("display_name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("locale", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

preference = Table(
    "preference",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("email", Boolean, nullable=False, server_default=text("true")),
    Column("quiet_start", Time),
    Column("quiet_end", Time),
    Column("timezone", Text, nullable=False, server_default="Europe/Warsaw"),
    Column("digest", Boolean, nullable=False, server_default=text("false")),
    Column("digest_time", Time, nullable=False, server_default=text("'17:00'")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

erased_person = Table(
    "erased_person",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

programme = Table(
    "programme",
    metadata,
    Column("programme_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("name", Text, nullable=False),
    Column("coordinator_id", UUID(as_uuid=True)),
    Column("inactivity_days", Integer, nullable=False),
)

pair = Table(
    "pair",
    metadata,
    Column("pair_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("programme_id", UUID(as_uuid=True), nullable=False),
    Column("mentor_id", UUID(as_uuid=True), nullable=False),
    Column("mentee_id", UUID(as_uuid=True), nullable=False),
    Column("status", Text, nullable=False),
)

mentoring_session = Table(
    "mentoring_session",
    metadata,
    Column("session_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("pair_id", UUID(as_uuid=True), nullable=False),
    Column("programme_id", UUID(as_uuid=True), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("mode", Text, nullable=False),
    Column("location", Text),
    Column("revision", Integer, nullable=False),
    Column("scheduled_by", UUID(as_uuid=True)),
    Column("cancelled", Boolean, nullable=False, server_default=text("false")),
)

notification = Table(
    "notification",
    metadata,
    # uuid5 of the recipient and the cause (event and kind, or reminder): recording the same
    # notification twice is a conflict, not a second row
    Column("notification_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("recipient_id", UUID(as_uuid=True), nullable=False),
    Column("kind", Text, nullable=False),
    Column("params", JSONB, nullable=False),
    Column("cause_event_id", UUID(as_uuid=True)),
    _now(),
    Column("read_at", DateTime(timezone=True)),
    Index("ix_notification_inbox", "recipient_id", "created_at"),
)

delivery = Table(
    "delivery",
    metadata,
    Column("delivery_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    # the topic namespace of the deployment that queued it: a worker sends only its own
    # (deployments, or test modules, that share a database never send each other's)
    Column("namespace", Text, nullable=False, server_default=""),
    Column("channel", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("notification_id", UUID(as_uuid=True)),
    Column("recipient_id", UUID(as_uuid=True)),
    Column("endpoint_id", UUID(as_uuid=True)),
    Column("cause_event_id", UUID(as_uuid=True)),
    Column("payload", JSONB),
    Column("digest", Boolean, nullable=False, server_default=text("false")),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("lease_token", UUID(as_uuid=True)),
    Column("last_error", Text),
    _now(),
    Column("first_attempt_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Index(
        "ix_delivery_due",
        "namespace",
        "channel",
        "tenant_id",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_delivery_recipient", "recipient_id"),
    Index(
        "ix_delivery_endpoint",
        "endpoint_id",
        "created_at",
        postgresql_where=text("endpoint_id IS NOT NULL"),
    ),
)

reminder = Table(
    "reminder",
    metadata,
    Column("reminder_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("namespace", Text, nullable=False, server_default=""),
    Column("group_key", Text, nullable=False),
    Column("recipient_id", UUID(as_uuid=True), nullable=False),
    Column("pair_id", UUID(as_uuid=True)),
    Column("kind", Text, nullable=False),
    Column("params", JSONB, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("cause_event_id", UUID(as_uuid=True)),
    _now(),
    Column("fired_at", DateTime(timezone=True)),
    UniqueConstraint("tenant_id", "group_key", "recipient_id", name="uq_reminder_group"),
    Index("ix_reminder_due", "namespace", "due_at", postgresql_where=text("status = 'pending'")),
    Index("ix_reminder_pair", "pair_id"),
    Index("ix_reminder_recipient", "recipient_id"),
)

parked_intent = Table(
    "parked_intent",
    metadata,
    Column("parked_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("awaiting", Text, nullable=False),
    Column("awaiting_id", UUID(as_uuid=True), nullable=False),
    Column("intent", JSONB, nullable=False),
    _now(),
    Index("ix_parked_intent_awaiting", "awaiting_id", "awaiting"),
)

webhook_endpoint = Table(
    "webhook_endpoint",
    metadata,
    Column("endpoint_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", ARRAY(Text), nullable=False),
    Column("secret", Text, nullable=False),
    Column("description", Text),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_by", Text, nullable=False),
    _now(),
    Index("ix_webhook_endpoint_tenant", "tenant_id"),
)
