"""Settings of the matching service (environment only)."""

from __future__ import annotations

from pydantic import Field

from mentoring.kit.settings import KitSettings


class MatchingSettings(KitSettings):
    service_name: str = "matching"
    api_port: int = 8001
    worker_port: int = 8101
    database_url: str = Field(
        default="postgresql+asyncpg://matching:matching@127.0.0.1:5432/matching",
        validation_alias="MENTORING_MATCHING_DATABASE_URL",
    )
    migration_database_url: str = Field(
        default="postgresql+asyncpg://matching_owner:matching_owner@127.0.0.1:5432/matching",
        validation_alias="MENTORING_MATCHING_MIGRATION_DATABASE_URL",
    )
    import_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, validation_alias="MENTORING_MATCHING_IMPORT_MAX_BYTES"
    )
    expiry_scan_seconds: float = Field(
        default=60.0, gt=0, validation_alias="MENTORING_MATCHING_EXPIRY_SCAN_SECONDS"
    )
