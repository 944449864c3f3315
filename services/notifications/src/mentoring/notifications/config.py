"""Settings of the notifications service (environment only).

Service-specific variables are `MENTORING_NOTIFICATIONS_<NAME>`; the shared ones (Kafka, JWT,
environment) come from the kit's `MENTORING_` settings.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from mentoring.kit.settings import KitSettings


def _env(name: str, default: Any, **kwargs: Any) -> Any:
    return Field(default=default, validation_alias=f"MENTORING_NOTIFICATIONS_{name}", **kwargs)


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

    # e-mail (SMTP)
    smtp_host: str = _env("SMTP_HOST", "127.0.0.1")
    smtp_port: int = _env("SMTP_PORT", 1025, ge=1, le=65535)
    smtp_username: str | None = _env("SMTP_USERNAME", None)
    smtp_password: SecretStr | None = _env("SMTP_PASSWORD", None)
    smtp_tls: bool = _env("SMTP_TLS", False, description="Implicit TLS (port 465).")
    smtp_starttls: bool = _env("SMTP_STARTTLS", False, description="STARTTLS after connecting.")
    smtp_timeout_seconds: float = _env("SMTP_TIMEOUT_SECONDS", 20.0, gt=0)
    mail_from: str = _env("MAIL_FROM", "Mentoring <no-reply@mentoring.local>")
    message_id_domain: str = _env("MESSAGE_ID_DOMAIN", "mentoring.local")
    app_url: str = _env("APP_URL", "http://127.0.0.1:8003")

    # webhooks
    webhook_allow_private: bool = _env(
        "WEBHOOK_ALLOW_PRIVATE",
        False,
        description="Allow private, loopback and link-local webhook addresses (tests, labs).",
    )
    webhook_timeout_seconds: float = _env("WEBHOOK_TIMEOUT_SECONDS", 10.0, gt=0)

    # retries: exponential backoff from base, capped per step, for the window, then failed
    webhook_retry_base_seconds: float = _env("WEBHOOK_RETRY_BASE_SECONDS", 30.0, gt=0)
    webhook_retry_max_delay_seconds: float = _env(
        "WEBHOOK_RETRY_MAX_DELAY_SECONDS", 4 * 3600.0, gt=0
    )
    webhook_retry_window_seconds: float = _env("WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600.0, gt=0)
    email_retry_base_seconds: float = _env("EMAIL_RETRY_BASE_SECONDS", 60.0, gt=0)
    email_retry_max_delay_seconds: float = _env("EMAIL_RETRY_MAX_DELAY_SECONDS", 4 * 3600.0, gt=0)
    email_retry_window_seconds: float = _env("EMAIL_RETRY_WINDOW_SECONDS", 24 * 3600.0, gt=0)
    contact_wait_seconds: float = _env(
        "CONTACT_WAIT_SECONDS",
        3600.0,
        gt=0,
        description="How long an e-mail waits for its recipient's profile before it fails.",
    )

    # reminders and the delivery loop
    session_reminder_lead_seconds: float = _env("SESSION_REMINDER_LEAD_SECONDS", 24 * 3600.0, gt=0)
    reminder_poll_seconds: float = _env("REMINDER_POLL_SECONDS", 1.0, gt=0)
    dispatch_enabled: bool = _env("DISPATCH_ENABLED", True)
    dispatch_poll_seconds: float = _env("DISPATCH_POLL_SECONDS", 0.5, gt=0)
    dispatch_concurrency: int = _env("DISPATCH_CONCURRENCY", 32, ge=1)
    dispatch_per_tenant: int = _env(
        "DISPATCH_PER_TENANT", 8, ge=1, description="Sends in flight for one tenant at most."
    )
    dispatch_lease_seconds: float = _env("DISPATCH_LEASE_SECONDS", 120.0, gt=0)
    inbox_retention_days: float = _env("INBOX_RETENTION_DAYS", 7.0, gt=0)
