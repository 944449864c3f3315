"""The topic namespace of the deployment that recorded each pair.

Several deployments (test modules, environments sharing a cluster) may use one database; the
survey scheduler scans pairs of every tenant, so it must announce surveys only for the pairs its
own deployment recorded, on its own topics. Existing rows belong to the default (empty)
namespace. The scheduler's indexes lead with the namespace. Not tenant data: the table keeps its
tenant_id and policies.

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
    op.drop_index("ix_pair_next_checkin", table_name="pair")
    op.create_index(
        "ix_pair_next_checkin",
        "pair",
        ["namespace", "next_checkin_at"],
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index("ix_pair_pulse_due", table_name="pair")
    op.create_index(
        "ix_pair_pulse_due",
        "pair",
        ["namespace", "pulse_due_on"],
        postgresql_where=sa.text("status = 'active' AND pulse_wave IS NOT NULL"),
    )


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
