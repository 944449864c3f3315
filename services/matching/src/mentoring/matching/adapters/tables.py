"""The matching database's tables (SQLAlchemy Core), including the kit's outbox and inbox."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import UUID

from mentoring.kit.tables import KitTables

metadata = MetaData()
kit = KitTables(metadata)

tenant = Table(
    "tenant",
    metadata,
    Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False, unique=True),
    Column("default_locale", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
