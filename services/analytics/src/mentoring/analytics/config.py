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
    read_model_schema: str = Field(
        default="public",
        pattern=r"^[a-z_][a-z0-9_]{0,30}$",
        validation_alias="MENTORING_ANALYTICS_READ_MODEL_SCHEMA",
        description="Postgres schema of the read-model tables (rm_*); `mentoring analytics "
        "rebuild` swaps a rebuilt set into it. Tests and benchmarks use one schema each.",
    )
    scan_interval_seconds: float = Field(
        default=300.0,
        gt=0,
        validation_alias="MENTORING_ANALYTICS_SCAN_INTERVAL_SECONDS",
        description="How often the worker looks for inactive pairs and reassesses programme "
        "health.",
    )
