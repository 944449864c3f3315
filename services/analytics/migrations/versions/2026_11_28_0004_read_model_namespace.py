"""The topic namespace of the deployment that projected each pair and programme.

Several deployments (test modules, environments sharing a cluster) may use one database; the
inactivity and health scans look at every tenant, so each must publish only about the pairs and
programmes its own deployment projected, on its own topics. Existing rows belong to the default
(empty) namespace; a rebuild writes the namespace of the deployment that runs it. Not tenant
data: the tables keep their tenant_id and policies.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("rm_programme", "rm_pair"):
        op.add_column(table, sa.Column("namespace", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
