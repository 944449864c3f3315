"""Settings of the sessions service (environment only)."""

from __future__ import annotations

from pydantic import Field

from mentoring.kit.settings import KitSettings


class SessionsSettings(KitSettings):
    service_name: str = "sessions"
    api_port: int = 8002
    worker_port: int = 8102
    database_url: str = Field(
        default="postgresql+asyncpg://sessions:sessions@127.0.0.1:5432/sessions",
        validation_alias="MENTORING_SESSIONS_DATABASE_URL",
    )
    migration_database_url: str = Field(
        default="postgresql+asyncpg://sessions_owner:sessions_owner@127.0.0.1:5432/sessions",
        validation_alias="MENTORING_SESSIONS_MIGRATION_DATABASE_URL",
    )
    survey_scan_seconds: float = Field(
        default=300.0,
        gt=0,
        validation_alias="MENTORING_SESSIONS_SURVEY_SCAN_SECONDS",
        description="How often the worker looks for check-ins and pulse surveys that became due.",
    )
