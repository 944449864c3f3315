"""Row-level security for Alembic migrations: forced, per-transaction tenant policies.

`tenant_isolation` admits the rows of the tenant set for the current transaction. Tables that
platform-level processes must read across tenants (the outbox for the relay, for example) also
get `system_access`, admitted only when the transaction set `app.scope` to `system`.
"""

from __future__ import annotations

from alembic import op

# The settings are read in scalar subqueries: Postgres evaluates them once per statement (an
# InitPlan) and can use the tenant as an index condition, instead of calling the function per row.
TENANT_PREDICATE = "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"
SYSTEM_PREDICATE = "(SELECT current_setting('app.scope', true)) = 'system'"


def enable_tenant_rls(table: str, *, system_access: bool = False) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    if system_access:
        op.execute(
            f"CREATE POLICY system_access ON {table} "
            f"USING ({SYSTEM_PREDICATE}) WITH CHECK ({SYSTEM_PREDICATE})"
        )
