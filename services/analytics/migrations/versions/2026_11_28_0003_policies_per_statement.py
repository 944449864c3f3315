"""Row-level security evaluated once per statement; indexes shaped for the dashboard's reads.

The kit's policies compare each row with `current_setting(...)`, a function called per row (and
not usable by an index). Here the same predicates read the setting in a scalar subquery, which
Postgres evaluates once per statement (an InitPlan): same rows admitted, a fraction of the cost
on the read model's larger scans. Active pairs are indexed by tenant and programme (the people
behind "active pairs" are counted from the first few), and the unit matrix's key leads with the
two units, so summing it over a period needs no sort.

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

TENANT = "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"
SYSTEM = "(SELECT current_setting('app.scope', true)) = 'system'"
WITH_SYSTEM_ACCESS = (
    "rm_cursor",
    "rm_programme",
    "rm_participant",
    "rm_pair",
    "rm_pair_month",
    "rm_member",
    "rm_survey",
    "rm_metric_month",
    "rm_unit_month",
    "pair_inactivity",
    "programme_health",
)
TENANT_ONLY = ("programme_cost",)


def upgrade() -> None:
    for table in (*WITH_SYSTEM_ACCESS, *TENANT_ONLY):
        op.execute(
            f"ALTER POLICY tenant_isolation ON {table} USING ({TENANT}) WITH CHECK ({TENANT})"
        )
    for table in WITH_SYSTEM_ACCESS:
        op.execute(f"ALTER POLICY system_access ON {table} USING ({SYSTEM}) WITH CHECK ({SYSTEM})")
    op.execute(
        "ALTER TABLE rm_unit_month DROP CONSTRAINT rm_unit_month_pkey, ADD CONSTRAINT "
        "rm_unit_month_pkey PRIMARY KEY "
        "(tenant_id, mentor_unit_id, mentee_unit_id, programme_id, month)"
    )
    op.drop_index("ix_rm_pair_active", table_name="rm_pair")
    op.create_index(
        "ix_rm_pair_active",
        "rm_pair",
        ["tenant_id", "programme_id"],
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    raise NotImplementedError("restore from a backup instead (docs/operations.md)")
