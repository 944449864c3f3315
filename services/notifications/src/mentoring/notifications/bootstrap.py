"""Composition root of notifications: build the API and the worker from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts import topics
from mentoring.kit.asyncapi import models_on
from mentoring.kit.bootstrap import build_standard_api, build_standard_worker
from mentoring.kit.consumer import Subscription
from mentoring.kit.outbox import Outbox
from mentoring.kit.service import ServiceDefinition
from mentoring.kit.settings import Environment
from mentoring.kit.worker import PeriodicJob, Worker
from mentoring.notifications.adapters.email import SmtpConfig, SmtpSender
from mentoring.notifications.adapters.templates import Renderer
from mentoring.notifications.adapters.webhooks import UrlPolicy, WebhookSender
from mentoring.notifications.config import NotificationsSettings
from mentoring.notifications.domain.schedule import RetryPolicy
from mentoring.notifications.entrypoints import api, worker
from mentoring.notifications.service_layer.dispatch import DispatchConfig, Dispatcher

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def url_policy(settings: NotificationsSettings) -> UrlPolicy:
    return UrlPolicy(
        require_https=settings.environment == Environment.PRODUCTION,
        allow_private=settings.webhook_allow_private,
    )


def build_api(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    return build_standard_api(
        settings,
        title="Mentoring: notifications",
        version=VERSION,
        description="Contact directory, templates, in-app inbox, e-mail, webhooks and reminders.",
        routers=[api.router],
        produces=models_on(topics.NOTIFICATIONS),
        consumes=[
            *models_on(topics.MATCHING),
            *models_on(topics.SESSIONS),
            *models_on(topics.ANALYTICS),
        ],
        subscription_names=worker.SUBSCRIPTIONS,
        extras={
            "renderer": Renderer(app_url=settings.app_url),
            "url_policy": url_policy(settings),
        },
    )


def build_dispatcher(
    settings: NotificationsSettings, sessions: async_sessionmaker[AsyncSession], outbox: Outbox
) -> Dispatcher:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return Dispatcher(
        sessions,
        outbox,
        DispatchConfig(
            concurrency=settings.dispatch_concurrency,
            per_tenant=settings.dispatch_per_tenant,
            lease_seconds=settings.dispatch_lease_seconds,
            email_retry=RetryPolicy(
                settings.email_retry_base_seconds,
                settings.email_retry_max_delay_seconds,
                settings.email_retry_window_seconds,
            ),
            webhook_retry=RetryPolicy(
                settings.webhook_retry_base_seconds,
                settings.webhook_retry_max_delay_seconds,
                settings.webhook_retry_window_seconds,
            ),
            contact_wait_seconds=settings.contact_wait_seconds,
            message_id_domain=settings.message_id_domain,
            sender=settings.mail_from,
        ),
        renderer=Renderer(app_url=settings.app_url),
        smtp=SmtpSender(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.mail_from,
                username=settings.smtp_username,
                password=password,
                tls=settings.smtp_tls,
                starttls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
        ),
        webhooks=WebhookSender(url_policy(settings), settings.webhook_timeout_seconds),
    )


def build_worker(settings: NotificationsSettings | None = None) -> Worker:
    s = settings or NotificationsSettings()

    def subscriptions(
        sessions: async_sessionmaker[AsyncSession], outbox: Outbox
    ) -> list[Subscription]:
        return worker.subscriptions(sessions, outbox, s)

    def jobs(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> list[PeriodicJob]:
        return worker.jobs(sessions, outbox, s, build_dispatcher(s, sessions, outbox))

    return build_standard_worker(s, subscriptions, jobs=jobs)


service = ServiceDefinition(
    name="notifications",
    settings=NotificationsSettings,
    build_api=build_api,
    build_worker=build_worker,
    migrations=MIGRATIONS,
)
