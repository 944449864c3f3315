"""Alembic, per service: a shared `env.py` body, and an `upgrade` that also grants the app role.

Migrations run as the owner role. The application role gets DML on the tables but never owns
them, so the forced row-level security holds for it. A transaction-level advisory lock keeps two
migration runs (a Job and a compose one-shot, say) from racing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATION_LOCK = 0x6D6967  # "mig"


def _run_sync(connection: Connection, metadata: MetaData, app_role: str | None) -> None:
    connection.execute(text("select pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    context.run_migrations()
    if app_role:
        quote = connection.dialect.identifier_preparer.quote
        role = quote(app_role)
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        owned = connection.execute(
            text(
                "SELECT c.relname, c.relkind FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S') "
                "AND pg_get_userbyid(c.relowner) = current_user"
            )
        ).all()
        for name, kind in owned:
            privileges = "USAGE, SELECT" if kind == "S" else "SELECT, INSERT, UPDATE, DELETE"
            connection.execute(text(f"GRANT {privileges} ON public.{quote(name)} TO {role}"))


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: set the service's MIGRATION_DATABASE_URL")
    app_role = config.attributes.get("app_role")

    async def main() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.begin() as conn:
            await conn.run_sync(_run_sync, metadata, app_role)
        await engine.dispose()

    asyncio.run(main())


def alembic_config(migrations_dir: Path, url: str, app_role: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["app_role"] = app_role
    return cfg


def upgrade(migrations_dir: Path, url: str, app_database_url: str | None = None) -> None:
    """Upgrade to head. Call it outside a running event loop (or in a thread)."""
    app_role = make_url(app_database_url).username if app_database_url else None
    command.upgrade(alembic_config(migrations_dir, url, app_role), "head")
