"""The `mentoring` command line: development tokens, outbox state, dead letters shown and replayed
(a dead-lettered event is processed once its handler is fixed)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest
from typer.testing import CliRunner

from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit import cli, dlq
from mentoring.kit.consumer import ConsumerConfig, KafkaConsumerRuntime, Subscription
from mentoring.kit.envelope import Envelope, ce_headers, encode_data, to_kafka_headers
from mentoring.kit.kafka import ensure_topics, make_producer
from mentoring.kit.settings import KitSettings
from mentoring.kit.testing import eventually, unique

runner = CliRunner()


def test_token_command_mints_a_verifiable_token() -> None:
    tenant = uuid4()
    result = runner.invoke(
        cli.app, ["token", "--tenant", str(tenant), "--role", "coordinator", "--role", "analyst"]
    )
    assert result.exit_code == 0, result.output
    claims = jwt.decode(
        result.output.strip(), KitSettings().jwt_secret, algorithms=["HS256"], audience="mentoring"
    )
    assert claims["tenant"] == str(tenant)
    assert claims["roles"] == ["coordinator", "analyst"]


def test_outbox_status_command(migrated: dict[str, Any]) -> None:
    result = runner.invoke(cli.app, ["outbox", "status", "sessions"])
    assert result.exit_code == 0, result.output
    assert '"backlog"' in result.output


@pytest.fixture
async def topic(kafka_bootstrap: str, namespace: str) -> str:
    name = f"{namespace}{unique('replay-')}"
    await ensure_topics(kafka_bootstrap, [name, name + ".dlq"], partitions=2)
    return name


async def test_dead_letters_are_shown_and_replayed(kafka_bootstrap: str, topic: str) -> None:
    fixed = asyncio.Event()
    handled: list[UUID] = []

    async def handler(envelope: Envelope) -> None:
        if not fixed.is_set():
            raise RuntimeError("a bug in the handler")
        handled.append(envelope.tenant_id)

    runtime = KafkaConsumerRuntime(
        Subscription(name="replay", topics=[topic], handler=handler),
        ConsumerConfig(
            bootstrap=kafka_bootstrap,
            group_id=unique("replay-group-"),
            service="kit-test",
            max_attempts=2,
            retry_base_seconds=0.01,
        ),
        lambda: make_producer(kafka_bootstrap, client_id="kit-test"),
    )
    event = TenantProvisioned(
        tenant_id=uuid4(), sequence=1, occurred_at=datetime.now(UTC), name="M", slug="m"
    )
    headers = to_kafka_headers(ce_headers(event, event_id=uuid4(), time=event.occurred_at))
    producer = make_producer(kafka_bootstrap, client_id="kit-test")
    await producer.start()
    task = asyncio.create_task(runtime.run())
    try:
        await asyncio.wait_for(runtime.assigned.wait(), 60)
        await (await producer.send(topic, encode_data(event), key=b"k", headers=headers))
        letters = await eventually(
            lambda: dlq.read_dead_letters(kafka_bootstrap, topic + ".dlq"),
            until=lambda found: len(found) == 1,
            what="the dead letter",
        )
        assert letters[0].headers["dlq_original_topic"] == topic
        assert "a bug in the handler" in letters[0].headers["dlq_error"]
        assert letters[0].headers["ce_type"] == "matching.tenant_provisioned.v1"
        assert handled == []

        fixed.set()
        replayed = await dlq.replay(kafka_bootstrap, topic + ".dlq", group_id=unique("r-"))
        assert replayed == 1
        await eventually(lambda: _list(handled), until=lambda h: h == [event.tenant_id])
    finally:
        runtime.stop()
        await task
        await producer.stop()


async def _list(values: list[UUID]) -> list[UUID]:
    return list(values)
