"""Fixtures of the notifications integration tests: a real SMTP server (aiosmtpd) in the test, a
producer that publishes events and profiles into the module's namespace on the real broker, and
one notifications worker per module (its start-up is the slow part)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller

from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching
from mentoring.kit.envelope import ce_headers, encode_data, to_kafka_headers
from mentoring.kit.testing import Infrastructure, eventually, running, unique
from mentoring.notifications.bootstrap import build_worker
from mentoring.notifications.config import NotificationsSettings


def body_of(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body((kind,))
    assert part is not None, f"no text/{kind} part"
    return str(part.get_content())


def invites_of(message: EmailMessage) -> list[tuple[str, bytes]]:
    """The text/calendar parts: (their `method` parameter, their bytes)."""
    out = []
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            out.append((str(part.get_param("method")), payload))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailSink:
    """An SMTP server for the test: every message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.startswith("nobody-"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]


@dataclass
class Person:
    id: UUID
    name: str
    email: str
    locale: str


@dataclass
class Ministry:
    """One test's tenant: people on the profile topic, events on the platform topics."""

    env: NotifyEnv
    tenant: UUID = field(default_factory=uuid4)
    programme_id: UUID = field(default_factory=uuid4)
    _sequences: dict[str, int] = field(default_factory=dict)

    def person(self, name: str, locale: str = "pl", *, mailbox: str = "p") -> Person:
        return Person(uuid4(), name, f"{unique(mailbox)}@example.gov.pl", locale)

    def seq(self, subject: str) -> int:
        self._sequences[subject] = self._sequences.get(subject, 0) + 1
        return self._sequences[subject]

    def event(self, cls: type[EventData], **fields: Any) -> EventData:
        draft = cls(tenant_id=self.tenant, sequence=1, occurred_at=datetime.now(UTC), **fields)
        return cls(
            tenant_id=self.tenant,
            sequence=self.seq(f"{cls.topic}/{draft.subject}"),
            occurred_at=datetime.now(UTC),
            **fields,
        )

    async def profiles(self, *people: Person) -> None:
        for p in people:
            await self.env.publish_profile(self.tenant, p)
        await eventually(
            lambda: self.env.db.fetchval(
                "select count(*) from contact where person_id = any($1::uuid[])",
                [p.id for p in people],
            ),
            until=lambda n: n == len(people),
            what="contacts",
        )

    async def open_programme(
        self, coordinator: Person | None, name: str = "Ścieżka liderów"
    ) -> None:
        await self.env.publish(
            self.event(
                matching.ProgrammeOpened,
                programme_id=self.programme_id,
                name=name,
                kind="one_to_one",
                mode="best_quality",
                starts_on=date.today(),
                ends_on=date.today() + timedelta(days=180),
                max_mentees_per_mentor=2,
                coordinator_id=coordinator.id if coordinator else None,
            )
        )

    async def notifications(self, *, kind: str | None = None) -> list[asyncpg.Record]:
        return list(
            await self.env.db.fetch(
                "select * from notification where tenant_id = $1 and ($2::text is null "
                "or kind = $2) order by created_at",
                self.tenant,
                kind,
            )
        )

    async def wait_notifications(
        self, count: int, *, kind: str | None = None, timeout: float = 30
    ) -> list[asyncpg.Record]:
        return await eventually(
            lambda: self.notifications(kind=kind),
            until=lambda rows: len(rows) >= count,
            timeout=timeout,
            what=f"{count} notifications ({kind or 'any'})",
        )


@dataclass
class NotifyEnv:
    settings: NotificationsSettings
    producer: AIOKafkaProducer
    db: asyncpg.Connection
    mail: MailSink
    namespace: str

    def ministry(self) -> Ministry:
        return Ministry(self)

    async def publish(self, event: EventData, *, event_id: UUID | None = None) -> UUID:
        eid = event_id or uuid4()
        headers = ce_headers(event, event_id=eid, time=event.occurred_at)
        await self.producer.send_and_wait(
            self.namespace + event.topic,
            value=encode_data(event),
            key=event.subject.encode(),
            headers=to_kafka_headers(headers),
        )
        return eid

    async def publish_profile(self, tenant: UUID, person: Person, *, erase: bool = False) -> None:
        value = None
        if not erase:
            value = json.dumps(
                {
                    "participant_id": str(person.id),
                    "tenant_id": str(tenant),
                    "display_name": person.name,
                    "email": person.email,
                    "locale": person.locale,
                }
            ).encode()
        await self.producer.send_and_wait(
            self.namespace + topics.PROFILES, value=value, key=str(person.id).encode()
        )

    async def mail_to(
        self, address: str, count: int = 1, timeout: float = 30
    ) -> list[EmailMessage]:
        async def probe() -> list[EmailMessage]:
            return self.mail.to(address)

        return await eventually(
            probe, until=lambda m: len(m) >= count, timeout=timeout, what=f"mail to {address}"
        )


async def superuser_db(infrastructure: Infrastructure) -> asyncpg.Connection:
    """For assertions: the superuser sees every tenant's rows."""
    base = infrastructure.admin_database_url.rsplit("/", 1)[0]
    return await asyncpg.connect(f"{base}/notifications")


@pytest.fixture(scope="module")
def mail_sink() -> Any:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def notifications_settings(
    migrated: dict[str, Any], kafka_bootstrap: str, namespace: str, smtp_port: int, **overrides: Any
) -> NotificationsSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap": kafka_bootstrap,
        "topic_namespace": namespace,
        "topic_partitions": 3,
        "consumer_group": unique("notifications-test-"),
        "consumer_stall_seconds": 20.0,
        "smtp_port": smtp_port,
        "webhook_allow_private": True,
        "webhook_retry_base_seconds": 0.3,
        "webhook_retry_max_delay_seconds": 1.0,
        "email_retry_base_seconds": 0.3,
        "dispatch_poll_seconds": 0.1,
        "reminder_poll_seconds": 0.2,
        "session_reminder_lead_seconds": 3600.0,
        **overrides,
    }
    settings: NotificationsSettings = migrated["notifications"].model_copy(update=values)
    return settings


@pytest.fixture(scope="module")
async def notify(
    infrastructure: Infrastructure,
    migrated: dict[str, Any],
    kafka_bootstrap: str,
    namespace: str,
    mail_sink: Any,
) -> AsyncIterator[NotifyEnv]:
    """A running notifications worker for the module, with its SMTP server and a producer."""
    sink, port = mail_sink
    settings = notifications_settings(migrated, kafka_bootstrap, namespace, port)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    db = await superuser_db(infrastructure)
    try:
        async with running(build_worker(settings)):
            yield NotifyEnv(settings, producer, db, sink, namespace)
    finally:
        await producer.stop()
        await db.close()


@pytest.fixture
def settings_maker(
    migrated: dict[str, Any], kafka_bootstrap: str, namespace: str, mail_sink: Any
) -> Callable[..., NotificationsSettings]:
    def make(**overrides: Any) -> NotificationsSettings:
        return notifications_settings(
            migrated, kafka_bootstrap, namespace, mail_sink[1], **overrides
        )

    return make


async def settle(seconds: float = 1.5) -> None:
    """Let the worker run a few more rounds before asserting that nothing more happened."""
    await asyncio.sleep(seconds)
