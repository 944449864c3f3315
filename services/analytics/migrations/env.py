"""Alembic environment of analytics: the kit's shared body with analytics's metadata."""

import os

from alembic import context

from mentoring.analytics.adapters.tables import metadata
from mentoring.kit.migrate import run_env

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option(
        "sqlalchemy.url", os.environ["MENTORING_ANALYTICS_MIGRATION_DATABASE_URL"]
    )
run_env(metadata)
