"""Settings of the notifications service (environment only)."""

from __future__ import annotations

from pydantic import Field

from mentoring.kit.settings import KitSettings


class NotificationsSettings(KitSettings):
    service_name: str = "notifications"
    api_port: int = 8003
    worker_port: int = 8103
    database_url: str = Field(
        default="postgresql+asyncpg://notifications:notifications@127.0.0.1:5432/notifications",
        validation_alias="MENTORING_NOTIFICATIONS_DATABASE_URL",
    )
    migration_database_url: str = Field(
        default="postgresql+asyncpg://notifications_owner:notifications_owner@127.0.0.1:5432/notifications",
        validation_alias="MENTORING_NOTIFICATIONS_MIGRATION_DATABASE_URL",
    )
