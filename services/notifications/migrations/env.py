"""Alembic environment of notifications: the kit's shared body with notifications's metadata."""

import os

from alembic import context

from mentoring.kit.migrate import run_env
from mentoring.notifications.adapters.tables import metadata

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option(
        "sqlalchemy.url", os.environ["MENTORING_NOTIFICATIONS_MIGRATION_DATABASE_URL"]
    )
run_env(metadata)
