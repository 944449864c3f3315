"""Initial schema of notifications: the kit's tables and the tenant replica.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from mentoring.kit.schema_ops import create_kit_tables_v1

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kit_tables_v1(tenant_replica=True)


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
