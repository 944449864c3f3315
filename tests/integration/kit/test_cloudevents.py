"""A message read back from the topic parses with the official CloudEvents SDK's Kafka binding
and carries every header of DESIGN.md §2."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.contracts import topics
from mentoring.kit.envelope import REQUIRED_HEADERS
from mentoring.kit.outbox import Outbox
from mentoring.kit.relay import OutboxRelay
from mentoring.kit.testing import read_topic
from tests.integration.kit.conftest import provision


async def test_published_event_is_a_valid_binary_cloudevent(
    engine: AsyncEngine,
    outbox: Outbox,
    make_relay: Callable[..., OutboxRelay],
    kafka_bootstrap: str,
    namespace: str,
) -> None:
    tenant = await provision(engine, outbox)
    relay = make_relay()
    task = asyncio.create_task(relay.run())
    try:
        records: list[Any] = []
        for _ in range(100):
            records = [
                r
                for r in await read_topic(kafka_bootstrap, namespace + topics.MATCHING)
                if json.loads(r.value)["tenant_id"] == str(tenant)
            ]
            if records:
                break
            await asyncio.sleep(0.2)
    finally:
        relay.stop()
        await task
    assert len(records) == 1
    record = records[0]
    headers = dict(record.headers)
    assert set(REQUIRED_HEADERS) <= set(headers)
    event = from_binary_event(KafkaMessage(headers=headers, key=record.key, value=record.value))
    assert event.get_specversion() == "1.0"
    assert event.get_type() == "matching.tenant_provisioned.v1"
    assert event.get_source() == "/mentoring/matching"
    assert event.get_subject() == str(tenant)
    assert UUID(event.get_id())
    assert event.get_extension("tenantid") == str(tenant)
    assert event.get_dataschema() == "urn:mentoring:schema:matching.tenant_provisioned.v1"
    assert event.get_datacontenttype() == "application/json"
    data = event.get_data()
    assert isinstance(data, dict)
    assert data["tenant_id"] == str(tenant)
    assert data["sequence"] == 1
    assert record.key == str(tenant).encode()
    assert headers["traceparent"].decode().count("-") == 3
