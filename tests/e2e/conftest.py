"""The whole system in the test's process, on the real Postgres and the real broker.

The four APIs (in-process ASGI, their lifespans run) and the four workers (each with its
consumers, relay and periodic jobs) of one topic namespace; an SMTP server and a webhook
receiver on 127.0.0.1; analytics with its own read-model schema and a clock the test moves
forward; and an outside subscriber - a plain aiokafka consumer, no code of ours - that records
every message on the namespace's event topics from their beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mentoring.analytics.adapters import schema as read_model_schema
from mentoring.analytics.bootstrap import build_api as analytics_api
from mentoring.analytics.bootstrap import build_worker as analytics_worker
from mentoring.demo.api import Api, Platform, Tokens
from mentoring.demo.mailbox import Mailbox
from mentoring.kit.settings import KitSettings
from mentoring.kit.testing import Infrastructure, unique
from mentoring.kit.worker import Worker
from mentoring.matching.bootstrap import build_api as matching_api
from mentoring.matching.bootstrap import build_worker as matching_worker
from mentoring.notifications.bootstrap import build_api as notifications_api
from mentoring.notifications.bootstrap import build_worker as notifications_worker
from mentoring.sessions.bootstrap import build_api as sessions_api
from mentoring.sessions.bootstrap import build_worker as sessions_worker

EVENT_TOPICS = (
    "mentoring.matching",
    "mentoring.sessions",
    "mentoring.notifications",
    "mentoring.analytics",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Clock:
    """Analytics' notion of now: the real time plus an offset the test sets."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Receiver:
    """A subscriber's webhook endpoint: every request is verified with the `standardwebhooks`
    package against the secret registered for its path; each webhook-id is accepted once."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.accepted: dict[str, tuple[dict[str, str], Any]] = {}
        self.rejected: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        status = 204
        try:
            payload = Webhook(self.secrets[scope["path"]]).verify(body, headers)
        except (WebhookVerificationError, KeyError) as exc:
            self.rejected.append(f"{scope['path']}: {exc!r}")
            status = 400
        else:
            self.accepted.setdefault(headers["webhook-id"], (headers, payload))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def payloads(self) -> list[Any]:
        return [p for _h, p in self.accepted.values()]


class _Server(uvicorn.Server):
    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


@dataclass
class Outsider:
    """Every record of the event topics, read by a bare aiokafka consumer from the beginning."""

    records: list[Any] = field(default_factory=list)

    def types(self) -> set[str]:
        return {dict(r.headers).get("ce_type", b"").decode() for r in self.records}


@dataclass
class System:
    platform: Platform
    mailbox: Mailbox
    receiver: Receiver
    receiver_url: str
    clock: Clock
    outsider: Outsider
    namespace: str
    databases: dict[str, str]  # service -> superuser DSN of its database


async def _read_everything(consumer: AIOKafkaConsumer, out: Outsider) -> None:
    while True:
        batch = await consumer.getmany(timeout_ms=200)
        for records in batch.values():
            out.records.extend(records)


async def _start_all(workers: list[Worker], timeout: float = 120.0) -> list[asyncio.Task[None]]:
    """Start the workers together; return once every consumer has partitions."""
    tasks = [asyncio.create_task(w.run(serve_health=False)) for w in workers]

    async def all_assigned() -> None:
        await asyncio.gather(*(rt.assigned.wait() for w in workers for rt in w.runtimes))

    assigned = asyncio.create_task(all_assigned())
    done, _ = await asyncio.wait(
        {assigned, *tasks}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    for task in tasks:
        if task in done:
            assigned.cancel()
            task.result()  # a worker that stopped at start-up: its error
    if assigned not in done:
        assigned.cancel()
        raise AssertionError("the workers' consumers got no partitions in time")
    return tasks


@pytest.fixture(scope="module")
async def system(
    infrastructure: Infrastructure,
    migrated: dict[str, KitSettings],
    kafka_bootstrap: str,
    namespace: str,
) -> AsyncIterator[System]:
    async with contextlib.AsyncExitStack() as stack:
        # analytics reads and writes its own read-model schema (its scans see only this module)
        analytics_base = migrated["analytics"]
        rm_schema = f"rm_{unique('e2e')}"
        owner = await asyncpg.connect(
            make_url(analytics_base.migration_database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        stack.push_async_callback(owner.close)
        app_role = make_url(analytics_base.database_url).username or "analytics"
        stack.push_async_callback(read_model_schema.drop_schema, owner, rm_schema)
        await read_model_schema.create_read_model_schema(owner, rm_schema, app_role)

        mailbox = Mailbox(port=free_port()).start()
        stack.callback(mailbox.stop)
        receiver = Receiver()
        receiver_port = free_port()
        server = _Server(
            uvicorn.Config(
                receiver, host="127.0.0.1", port=receiver_port, lifespan="off", log_level="warning"
            )
        )
        server_task = asyncio.create_task(server.serve())

        async def stop_server() -> None:
            server.should_exit = True
            await server_task

        stack.push_async_callback(stop_server)
        clock = Clock()

        def settings(service: str, **overrides: Any) -> Any:
            return migrated[service].model_copy(
                update={
                    "kafka_bootstrap": kafka_bootstrap,
                    "topic_namespace": namespace,
                    "topic_partitions": 3,
                    "consumer_group": unique(f"{service}-e2e-"),
                    "consumer_stall_seconds": 20.0,
                    **overrides,
                }
            )

        config = {
            "matching": settings("matching"),
            "sessions": settings("sessions", survey_scan_seconds=3600.0),
            "notifications": settings(
                "notifications",
                smtp_port=mailbox.port,
                webhook_allow_private=True,
                webhook_retry_base_seconds=0.3,
                webhook_retry_max_delay_seconds=1.0,
                email_retry_base_seconds=0.3,
                dispatch_poll_seconds=0.1,
                reminder_poll_seconds=0.2,
            ),
            "analytics": settings(
                "analytics", read_model_schema=rm_schema, scan_interval_seconds=0.5
            ),
        }
        apps = {
            "matching": matching_api(config["matching"]),
            "sessions": sessions_api(config["sessions"]),
            "notifications": notifications_api(config["notifications"]),
            "analytics": analytics_api(config["analytics"], clock=clock),
        }
        apis: dict[str, Api] = {}
        for name, app in apps.items():
            manager = await stack.enter_async_context(LifespanManager(app))
            client = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=manager.app),
                    base_url=f"http://{name}",
                    timeout=60,
                )
            )
            apis[name] = Api(name, client)

        workers = [
            matching_worker(config["matching"]),
            sessions_worker(config["sessions"]),
            notifications_worker(config["notifications"]),
            analytics_worker(config["analytics"], clock=clock),
        ]
        worker_tasks: list[asyncio.Task[None]] = []

        async def stop_workers() -> None:
            for w in workers:
                w.stop()
            if worker_tasks:
                await asyncio.wait(worker_tasks, timeout=60)

        stack.push_async_callback(stop_workers)
        worker_tasks += await _start_all(workers)

        # the outside subscriber: a bare aiokafka consumer, from the topics' beginning
        outsider = Outsider()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka_bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        stack.push_async_callback(consumer.stop)
        await consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(namespace + topic, p)
            for topic in EVENT_TOPICS
            for p in sorted(consumer.partitions_for_topic(namespace + topic) or ())
        ]
        assert len(partitions) == len(EVENT_TOPICS) * 3, partitions
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        reader = asyncio.create_task(_read_everything(consumer, outsider))

        async def stop_reader() -> None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

        stack.push_async_callback(stop_reader)

        base = infrastructure.admin_database_url.rsplit("/", 1)[0]
        yield System(
            platform=Platform(
                matching=apis["matching"],
                sessions=apis["sessions"],
                notifications=apis["notifications"],
                analytics=apis["analytics"],
                tokens=Tokens.from_settings(config["matching"]),
                kafka_bootstrap=kafka_bootstrap,
                topic_namespace=namespace,
            ),
            mailbox=mailbox,
            receiver=receiver,
            receiver_url=f"http://127.0.0.1:{receiver_port}",
            clock=clock,
            outsider=outsider,
            namespace=namespace,
            databases={s: f"{base}/{s}" for s in apps},
        )
