"""Settings read from the environment only; built at start-up (never at import time)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "development-only-secret-change-me-0123456789"  # noqa: S105


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class KitSettings(BaseSettings):
    """What every service needs. Shared variables use the `MENTORING_` prefix.

    A service subclasses this and adds its own fields with explicit aliases such as
    `MENTORING_MATCHING_DATABASE_URL`.
    """

    model_config = SettingsConfigDict(env_prefix="MENTORING_", extra="ignore")

    service_name: str = "service"
    environment: Environment = Environment.DEVELOPMENT
    log_level: str = "INFO"

    database_url: str = "postgresql+asyncpg://localhost/postgres"
    migration_database_url: str = "postgresql+asyncpg://localhost/postgres"
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)

    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_namespace: str = Field(
        default="",
        description="Prefix of every topic name (an isolated namespace on a shared cluster).",
    )
    topic_partitions: int = Field(default=12, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    topic_min_insync_replicas: int = Field(default=1, ge=1)
    consumer_group: str | None = None
    consumer_max_in_flight: int = Field(default=200, ge=1)
    consumer_max_per_tenant: int = Field(default=16, ge=1)
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_base_seconds: float = Field(default=0.2, gt=0)
    consumer_stall_seconds: float = Field(default=60.0, gt=0)
    fault_injection: bool = Field(
        default=False,
        description="Honour the mentoring-fault-transient header (chaos tests only; refused in "
        "production).",
    )

    worker_subscriptions: tuple[str, ...] | None = Field(
        default=None,
        description="The subscriptions this worker process runs, as JSON "
        '(`["projection-sessions"]`); unset: all of the service\'s. Gives a subscription '
        "processes (a Deployment) of its own, so a burst on one topic cannot slow another's.",
    )

    relay_shards: int = Field(default=1, ge=1, le=64)
    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_seconds: float = Field(default=0.05, gt=0)
    relay_send_timeout_seconds: float = Field(default=30.0, gt=0)
    outbox_retention_hours: float = Field(default=24.0, gt=0)

    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "mentoring-dev"
    jwt_audience: str = "mentoring"
    jwt_algorithms: tuple[str, ...] = ("HS256",)

    rate_limit_per_second: float = Field(default=200.0, gt=0)
    rate_limit_burst: int = Field(default=400, ge=1)
    bulk_rate_limit_per_second: float = Field(default=2.0, gt=0)
    bulk_rate_limit_burst: int = Field(default=4, ge=1)
    bulk_duty: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="The share of wall time a bulk call (import, matching round, publication) "
        "may spend working: it pauses between chunks so that other tenants find the database "
        "free (0.5: at most twice as long). 1: no pauses.",
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    worker_port: int = 8100

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> KitSettings:
        insecure = self.jwt_jwks_url is None and self.jwt_secret == DEVELOPMENT_JWT_SECRET
        if self.environment is Environment.PRODUCTION and insecure:
            raise ValueError(
                "production needs MENTORING_JWT_JWKS_URL or a real MENTORING_JWT_SECRET"
            )
        if self.environment is Environment.PRODUCTION and self.fault_injection:
            raise ValueError("MENTORING_FAULT_INJECTION is for chaos tests, never production")
        return self

    @property
    def group_id(self) -> str:
        return self.consumer_group or self.service_name
