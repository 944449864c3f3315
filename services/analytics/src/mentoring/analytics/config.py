"""Settings of the analytics service (environment only)."""

from __future__ import annotations

from pydantic import Field

from mentoring.kit.settings import KitSettings


class AnalyticsSettings(KitSettings):
    service_name: str = "analytics"
    api_port: int = 8004
    worker_port: int = 8104
    database_url: str = Field(
        default="postgresql+asyncpg://analytics:analytics@127.0.0.1:5432/analytics",
        validation_alias="MENTORING_ANALYTICS_DATABASE_URL",
    )
    migration_database_url: str = Field(
        default="postgresql+asyncpg://analytics_owner:analytics_owner@127.0.0.1:5432/analytics",
        validation_alias="MENTORING_ANALYTICS_MIGRATION_DATABASE_URL",
    )
