"""Alembic environment of sessions: the kit's shared body with sessions's metadata."""

import os

from alembic import context

from mentoring.kit.migrate import run_env
from mentoring.sessions.adapters.tables import metadata

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option(
        "sqlalchemy.url", os.environ["MENTORING_SESSIONS_MIGRATION_DATABASE_URL"]
    )
run_env(metadata)
