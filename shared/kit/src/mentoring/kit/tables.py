"""The kit's own tables, added to each service's metadata: outbox, sequences, inbox, idempotency."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID


class KitTables:
    """Table objects bound to one service's MetaData (each service has its own database)."""

    def __init__(self, metadata: MetaData, *, tenant_replica: bool = False) -> None:
        self.outbox = Table(
            "outbox_message",
            metadata,
            Column("position", BigInteger, Identity(always=True), primary_key=True),
            Column("id", UUID(as_uuid=True), nullable=False, unique=True),
            Column("tenant_id", UUID(as_uuid=True), nullable=False),
            Column("topic", Text, nullable=False),
            Column("key", Text, nullable=False),
            Column("shard", SmallInteger, nullable=False, server_default="0"),
            Column("event_type", Text),
            Column("sequence", Integer),
            Column("headers", JSONB, nullable=False),
            Column("payload", JSONB),
            Column(
                "created_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            Column("sent_at", DateTime(timezone=True)),
            Index(
                "ix_outbox_message_unsent",
                "shard",
                "position",
                postgresql_where=text("sent_at IS NULL"),
            ),
            Index("ix_outbox_message_sent_at", "sent_at"),
        )
        self.sequence = Table(
            "outbox_sequence",
            metadata,
            Column("subject", Text, primary_key=True),
            Column("last_sequence", Integer, nullable=False),
        )
        self.inbox = Table(
            "inbox_message",
            metadata,
            Column("consumer", Text, nullable=False),
            Column("event_id", UUID(as_uuid=True), nullable=False),
            Column("event_type", Text, nullable=False),
            Column(
                "processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            PrimaryKeyConstraint("consumer", "event_id"),
            Index("ix_inbox_message_processed_at", "processed_at"),
        )
        self.inbox_cursor = Table(
            "inbox_cursor",
            metadata,
            Column("consumer", Text, nullable=False),
            Column("source", Text, nullable=False),
            Column("subject", Text, nullable=False),
            Column("last_sequence", Integer, nullable=False),
            PrimaryKeyConstraint("consumer", "source", "subject"),
        )
        self.idempotency = Table(
            "idempotency_key",
            metadata,
            Column("tenant_id", UUID(as_uuid=True), nullable=False),
            Column("principal", Text, nullable=False),
            Column("key", Text, nullable=False),
            Column("request_hash", Text, nullable=False),
            Column("status_code", SmallInteger),
            Column("response_body", LargeBinary),
            Column(
                "created_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            PrimaryKeyConstraint("tenant_id", "principal", "key"),
        )
        self.tenant_replica: Table | None = None
        if tenant_replica:
            self.tenant_replica = Table(
                "tenant_replica",
                metadata,
                Column("tenant_id", UUID(as_uuid=True), primary_key=True),
                Column("name", Text, nullable=False),
                Column("slug", Text, nullable=False),
                Column("default_locale", Text, nullable=False),
                Column("provisioned_at", DateTime(timezone=True), nullable=False),
            )
