"""The analytics database's tables (SQLAlchemy Core), including the kit's outbox and inbox."""

from __future__ import annotations

from sqlalchemy import MetaData

from mentoring.kit.tables import KitTables

metadata = MetaData()
kit = KitTables(metadata, tenant_replica=True)
