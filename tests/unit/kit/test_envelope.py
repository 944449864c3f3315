"""The CloudEvents binary envelope: every header of DESIGN.md §2, strict decoding."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from mentoring.contracts.events.matching import PairCreated
from mentoring.kit.envelope import (
    REQUIRED_HEADERS,
    InvalidEnvelope,
    ce_headers,
    decode,
    encode_data,
    to_kafka_headers,
)


def _event() -> PairCreated:
    return PairCreated(
        tenant_id=uuid4(),
        sequence=1,
        occurred_at=datetime.now(UTC),
        pair_id=uuid4(),
        programme_id=uuid4(),
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        proposed_at=datetime.now(UTC),
    )


def test_headers_carry_every_required_attribute() -> None:
    event = _event()
    headers = ce_headers(event, event_id=uuid4(), time=event.occurred_at)
    assert set(REQUIRED_HEADERS) <= set(headers)
    assert headers["ce_subject"] == str(event.pair_id)
    assert headers["ce_tenantid"] == str(event.tenant_id)
    assert headers["ce_type"] == "matching.pair_created.v1"
    assert headers["traceparent"].startswith("00-")


def test_decode_round_trip() -> None:
    event = _event()
    eid = uuid4()
    raw = to_kafka_headers(ce_headers(event, event_id=eid, time=event.occurred_at))
    env = decode(raw, encode_data(event))
    assert env.id == eid
    assert env.data == event


def test_decode_ignores_unknown_fields() -> None:
    event = _event()
    payload = json.loads(encode_data(event)) | {"added_later": 1}
    raw = to_kafka_headers(ce_headers(event, event_id=uuid4(), time=event.occurred_at))
    assert decode(raw, json.dumps(payload).encode()).data == event


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h, v: ([x for x in h if x[0] != "ce_type"], v), "missing"),
        (lambda h, v: (h, b"{not json"), "schema-invalid"),
        (lambda h, v: (h, json.dumps({"tenant_id": "x"}).encode()), "schema-invalid"),
        (lambda h, v: ([(k, b"other.v1" if k == "ce_type" else x) for k, x in h], v), "unknown"),
        (lambda h, v: (h, None), "without data"),
    ],
)
def test_decode_rejects_malformed(mutate, message) -> None:
    event = _event()
    raw = to_kafka_headers(ce_headers(event, event_id=uuid4(), time=event.occurred_at))
    headers, value = mutate(raw, encode_data(event))
    with pytest.raises(InvalidEnvelope, match=message):
        decode(headers, value)


def test_decode_rejects_tenant_mismatch() -> None:
    event = _event()
    headers = ce_headers(event, event_id=uuid4(), time=event.occurred_at)
    headers["ce_tenantid"] = str(uuid4())
    with pytest.raises(InvalidEnvelope, match="tenant"):
        decode(to_kafka_headers(headers), encode_data(event))
