"""Contacts, preferences, read models, the in-app inbox, the delivery queue, reminders, webhooks.

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


def _tenant() -> sa.Column[object]:
    return _uuid("tenant_id", nullable=False)


def _ts(name: str, *, required: bool = False, default_now: bool = False) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=not required,
        server_default=sa.func.now() if default_now else None,
    )


def upgrade() -> None:
    op.create_table(
        "contact",
        _uuid("person_id", primary_key=True),
        _tenant(),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("locale", sa.Text, nullable=False),
        _ts("updated_at", required=True, default_now=True),
    )
    # Tombstones carry no tenant: erasure finds a person across tenants (system scope).
    enable_tenant_rls("contact", system_access=True)

    op.create_table(
        "preference",
        _uuid("person_id", primary_key=True),
        _tenant(),
        sa.Column("email", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("quiet_start", sa.Time),
        sa.Column("quiet_end", sa.Time),
        sa.Column("timezone", sa.Text, nullable=False, server_default="Europe/Warsaw"),
        sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("digest_time", sa.Time, nullable=False, server_default=sa.text("'17:00'")),
        _ts("updated_at", required=True, default_now=True),
    )
    enable_tenant_rls("preference", system_access=True)

    op.create_table(
        "erased_person",
        _uuid("person_id", primary_key=True),
        _tenant(),
        _ts("erased_at", required=True, default_now=True),
    )
    enable_tenant_rls("erased_person", system_access=True)

    op.create_table(
        "programme",
        _uuid("programme_id", primary_key=True),
        _tenant(),
        sa.Column("name", sa.Text, nullable=False),
        _uuid("coordinator_id"),
        sa.Column("inactivity_days", sa.Integer, nullable=False),
    )
    enable_tenant_rls("programme")

    op.create_table(
        "pair",
        _uuid("pair_id", primary_key=True),
        _tenant(),
        _uuid("programme_id", nullable=False),
        _uuid("mentor_id", nullable=False),
        _uuid("mentee_id", nullable=False),
        sa.Column("status", sa.Text, nullable=False),
    )
    enable_tenant_rls("pair")

    op.create_table(
        "mentoring_session",
        _uuid("session_id", primary_key=True),
        _tenant(),
        _uuid("pair_id", nullable=False),
        _uuid("programme_id", nullable=False),
        _ts("starts_at", required=True),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("revision", sa.Integer, nullable=False),
        _uuid("scheduled_by"),
        sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    enable_tenant_rls("mentoring_session")

    op.create_table(
        "notification",
        _uuid("notification_id", primary_key=True),
        _tenant(),
        _uuid("recipient_id", nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("params", JSONB, nullable=False),
        _uuid("cause_event_id"),
        _ts("created_at", required=True, default_now=True),
        _ts("read_at"),
    )
    op.create_index("ix_notification_inbox", "notification", ["recipient_id", "created_at"])
    enable_tenant_rls("notification", system_access=True)

    op.create_table(
        "delivery",
        _uuid("delivery_id", primary_key=True),
        _tenant(),
        sa.Column("namespace", sa.Text, nullable=False, server_default=""),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        _uuid("notification_id"),
        _uuid("recipient_id"),
        _uuid("endpoint_id"),
        _uuid("cause_event_id"),
        sa.Column("payload", JSONB),
        sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        _ts("next_attempt_at", required=True),
        _uuid("lease_token"),
        sa.Column("last_error", sa.Text),
        _ts("created_at", required=True, default_now=True),
        _ts("first_attempt_at"),
        _ts("finished_at"),
    )
    op.create_index(
        "ix_delivery_due",
        "delivery",
        ["namespace", "channel", "tenant_id", "next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_delivery_recipient", "delivery", ["recipient_id"])
    op.create_index(
        "ix_delivery_endpoint",
        "delivery",
        ["endpoint_id", "created_at"],
        postgresql_where=sa.text("endpoint_id IS NOT NULL"),
    )
    # The delivery loop claims due rows of every tenant.
    enable_tenant_rls("delivery", system_access=True)

    op.create_table(
        "reminder",
        _uuid("reminder_id", primary_key=True),
        _tenant(),
        sa.Column("namespace", sa.Text, nullable=False, server_default=""),
        sa.Column("group_key", sa.Text, nullable=False),
        _uuid("recipient_id", nullable=False),
        _uuid("pair_id"),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("params", JSONB, nullable=False),
        _ts("due_at", required=True),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        _uuid("cause_event_id"),
        _ts("created_at", required=True, default_now=True),
        _ts("fired_at"),
        sa.UniqueConstraint("tenant_id", "group_key", "recipient_id", name="uq_reminder_group"),
    )
    op.create_index(
        "ix_reminder_due",
        "reminder",
        ["namespace", "due_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_reminder_pair", "reminder", ["pair_id"])
    op.create_index("ix_reminder_recipient", "reminder", ["recipient_id"])
    # The reminder scheduler fires due reminders of every tenant.
    enable_tenant_rls("reminder", system_access=True)

    op.create_table(
        "parked_intent",
        _uuid("parked_id", primary_key=True),
        _tenant(),
        sa.Column("awaiting", sa.Text, nullable=False),
        _uuid("awaiting_id", nullable=False),
        sa.Column("intent", JSONB, nullable=False),
        _ts("created_at", required=True, default_now=True),
    )
    op.create_index("ix_parked_intent_awaiting", "parked_intent", ["awaiting_id", "awaiting"])
    enable_tenant_rls("parked_intent", system_access=True)

    op.create_table(
        "webhook_endpoint",
        _uuid("endpoint_id", primary_key=True),
        _tenant(),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", ARRAY(sa.Text), nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("created_by", sa.Text, nullable=False),
        _ts("created_at", required=True, default_now=True),
    )
    op.create_index("ix_webhook_endpoint_tenant", "webhook_endpoint", ["tenant_id"])
    enable_tenant_rls("webhook_endpoint")


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
