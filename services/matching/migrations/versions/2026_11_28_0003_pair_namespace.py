"""The topic namespace of the deployment that created each pair.

Several deployments (test modules, environments sharing a cluster) may use one database; the
request-expiry job scans proposed pairs of every tenant, so it must expire only the requests its
own deployment created, announcing them on its own topics. Existing rows belong to the default
(empty) namespace. The job's index leads with the namespace. Not tenant data: the table keeps
its tenant_id and policies.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pair", sa.Column("namespace", sa.Text, nullable=False, server_default=""))
    op.drop_index("ix_pair_expiry", table_name="pair")
    op.create_index(
        "ix_pair_expiry",
        "pair",
        ["namespace", "expires_at"],
        postgresql_where=sa.text("status = 'proposed' AND expires_at IS NOT NULL"),
    )


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
