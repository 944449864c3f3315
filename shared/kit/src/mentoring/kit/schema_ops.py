"""Versioned DDL of the kit's tables, called from each service's Alembic migrations.

These are frozen snapshots: a later change to the kit's tables adds `kit_tables_v2`, it never
edits v1, so an old migration keeps meaning what it meant.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from mentoring.kit.rls import enable_tenant_rls


def create_kit_tables_v1(*, tenant_replica: bool = False) -> None:
    op.create_table(
        "outbox_message",
        sa.Column("position", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("shard", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("event_type", sa.Text),
        sa.Column("sequence", sa.Integer),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("payload", JSONB),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "ix_outbox_message_unsent",
        "outbox_message",
        ["shard", "position"],
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_index("ix_outbox_message_sent_at", "outbox_message", ["sent_at"])
    enable_tenant_rls("outbox_message", system_access=True)

    op.create_table(
        "outbox_sequence",
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("last_sequence", sa.Integer, nullable=False),
    )
    op.create_table(
        "inbox_message",
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_index("ix_inbox_message_processed_at", "inbox_message", ["processed_at"])
    op.create_table(
        "inbox_cursor",
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("last_sequence", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "source", "subject"),
    )
    op.create_table(
        "idempotency_key",
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("principal", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status_code", sa.SmallInteger),
        sa.Column("response_body", sa.LargeBinary),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("tenant_id", "principal", "key"),
    )
    enable_tenant_rls("idempotency_key")
    if tenant_replica:
        op.create_table(
            "tenant_replica",
            sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("slug", sa.Text, nullable=False),
            sa.Column("default_locale", sa.Text, nullable=False),
            sa.Column("provisioned_at", sa.DateTime(timezone=True), nullable=False),
        )
        enable_tenant_rls("tenant_replica", system_access=True)
