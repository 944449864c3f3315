"""Read-model schemas: clone the read-model tables into a fresh schema, and swap a rebuilt set in.

Runs as the owner role (DDL). A clone copies the live tables' columns; the rebuild loads it with
COPY while it has neither indexes nor row-level security (COPY FROM refuses tables under forced
RLS), then `finish` adds the live tables' constraints, indexes (same names), policies and grants,
and `swap` moves the old tables out and the new ones in, in one transaction.
"""

from __future__ import annotations

import re

import asyncpg

from mentoring.analytics.adapters.tables import READ_MODEL_TABLES

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def shadow_of(schema: str) -> str:
    return f"{schema}__rebuild"


def retired_of(schema: str) -> str:
    return f"{schema}__retired"


async def create_empty_tables(conn: asyncpg.Connection, source: str, target: str) -> None:
    """`target` (dropped first if it exists) with the read-model tables' columns only."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {_ident(target)} CASCADE")
    await conn.execute(f"CREATE SCHEMA {_ident(target)}")
    for table in READ_MODEL_TABLES:
        await conn.execute(
            f"CREATE TABLE {_ident(target)}.{_ident(table)} "
            f"(LIKE {_ident(source)}.{_ident(table)} INCLUDING DEFAULTS INCLUDING STORAGE)"
        )


async def finish_tables(conn: asyncpg.Connection, source: str, target: str, app_role: str) -> None:
    """Give `target`'s tables the constraints, indexes, policies and grants of `source`'s."""
    await conn.execute(f"GRANT USAGE ON SCHEMA {_ident(target)} TO {_ident(app_role)}")
    for table in READ_MODEL_TABLES:
        new = f"{_ident(target)}.{_ident(table)}"
        for name, definition in await conn.fetch(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = $1::regclass AND contype IN ('p', 'u') ORDER BY conname",
            f"{source}.{table}",
        ):
            await conn.execute(f"ALTER TABLE {new} ADD CONSTRAINT {_ident(name)} {definition}")
        for (definition,) in await conn.fetch(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = $1::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY i.indexrelid",
            f"{source}.{table}",
        ):
            await conn.execute(_retarget_index(definition, source, target, table))
        await conn.execute(f"ALTER TABLE {new} ENABLE ROW LEVEL SECURITY")
        await conn.execute(f"ALTER TABLE {new} FORCE ROW LEVEL SECURITY")
        for policy in await conn.fetch(
            "SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies "
            "WHERE schemaname = $1 AND tablename = $2 ORDER BY policyname",
            source,
            table,
        ):
            await conn.execute(_policy(policy, new))
        await conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {new} TO {_ident(app_role)}")


def _retarget_index(definition: str, source: str, target: str, table: str) -> str:
    for old in (f" ON {source}.{table} ", f' ON "{source}".{table} ', f" ON {table} "):
        if old in definition:
            return definition.replace(old, f" ON {_ident(target)}.{_ident(table)} ", 1)
    raise ValueError(f"cannot retarget index definition: {definition}")


def _policy(row: asyncpg.Record, table: str) -> str:
    roles = ", ".join("PUBLIC" if r == "public" else _ident(r) for r in row["roles"])
    sql = (
        f"CREATE POLICY {_ident(row['policyname'])} ON {table} AS {row['permissive']} "
        f"FOR {row['cmd']} TO {roles}"
    )
    if row["qual"]:
        sql += f" USING ({row['qual']})"
    if row["with_check"]:
        sql += f" WITH CHECK ({row['with_check']})"
    return sql


async def swap(conn: asyncpg.Connection, live: str, shadow: str) -> None:
    """Move the live read-model tables out and the shadow ones in, in one transaction."""
    retired = retired_of(live)
    async with conn.transaction():
        await conn.execute(f"DROP SCHEMA IF EXISTS {_ident(retired)} CASCADE")
        await conn.execute(f"CREATE SCHEMA {_ident(retired)}")
        for table in READ_MODEL_TABLES:
            await conn.execute(
                f"ALTER TABLE IF EXISTS {_ident(live)}.{_ident(table)} SET SCHEMA {_ident(retired)}"
            )
            await conn.execute(
                f"ALTER TABLE {_ident(shadow)}.{_ident(table)} SET SCHEMA {_ident(live)}"
            )
        await conn.execute(f"DROP SCHEMA {_ident(retired)} CASCADE")
        await conn.execute(f"DROP SCHEMA {_ident(shadow)}")


async def create_read_model_schema(
    conn: asyncpg.Connection, schema: str, app_role: str, *, template: str = "public"
) -> None:
    """An empty, complete read model in its own schema (tests and benchmarks use one each)."""
    await create_empty_tables(conn, template, schema)
    await finish_tables(conn, template, schema, app_role)


async def drop_schema(conn: asyncpg.Connection, schema: str) -> None:
    await conn.execute(f"DROP SCHEMA IF EXISTS {_ident(schema)} CASCADE")
