"""The CloudEvents 1.0 Kafka binary envelope of DESIGN.md §2: `ce_*` headers, JSON data."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from mentoring.contracts.base import EventData
from mentoring.contracts.registry import UnknownEventType, model_for

CONTENT_TYPE = "application/json"
REQUIRED_HEADERS = (
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_time",
    "ce_subject",
    "ce_tenantid",
    "ce_dataschema",
    "content-type",
    "traceparent",
)

Headers = list[tuple[str, bytes]]


class InvalidEnvelope(ValueError):
    """A message that can never be processed: it goes straight to the dead-letter topic."""


def new_traceparent() -> str:
    return f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode_data(event: EventData) -> bytes:
    return event.model_dump_json().encode()


def ce_headers(
    event: EventData,
    *,
    event_id: UUID,
    time: datetime,
    traceparent: str | None = None,
) -> dict[str, str]:
    return {
        "ce_specversion": "1.0",
        "ce_id": str(event_id),
        "ce_source": event.source,
        "ce_type": event.event_type,
        "ce_time": _iso(time),
        "ce_subject": event.subject,
        "ce_tenantid": str(event.tenant_id),
        "ce_dataschema": event.dataschema(),
        "content-type": CONTENT_TYPE,
        "traceparent": traceparent or new_traceparent(),
    }


def to_kafka_headers(headers: dict[str, str]) -> Headers:
    return [(k, v.encode()) for k, v in headers.items()]


def headers_dict(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in raw or ():
        if value is not None:
            out[key] = value.decode("utf-8", errors="replace")
    return out


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded, validated event as a consumer sees it."""

    id: UUID
    type: str
    source: str
    subject: str
    tenant_id: UUID
    time: datetime
    traceparent: str | None
    data: EventData
    headers: dict[str, str] = field(default_factory=dict)


def decode(raw_headers: Any, value: bytes | None) -> Envelope:
    """Parse a binary-mode CloudEvent; raise InvalidEnvelope for anything malformed."""
    headers = headers_dict(raw_headers)
    missing = [h for h in ("ce_id", "ce_type", "ce_source", "ce_tenantid") if h not in headers]
    if missing:
        raise InvalidEnvelope(f"missing CloudEvents headers: {', '.join(missing)}")
    if headers.get("ce_specversion") != "1.0":
        raise InvalidEnvelope(f"unsupported ce_specversion {headers.get('ce_specversion')!r}")
    try:
        model = model_for(headers["ce_type"])
    except UnknownEventType:
        raise InvalidEnvelope(f"unknown event type {headers['ce_type']!r}") from None
    if value is None:
        raise InvalidEnvelope("an event without data")
    try:
        payload = json.loads(value)
        data = model.model_validate(payload)
        event_id = UUID(headers["ce_id"])
        tenant_id = UUID(headers["ce_tenantid"])
    except (ValueError, ValidationError) as exc:
        raise InvalidEnvelope(f"schema-invalid {headers['ce_type']}: {exc}") from exc
    if data.tenant_id != tenant_id:
        raise InvalidEnvelope("ce_tenantid differs from the data's tenant_id")
    try:
        time = datetime.fromisoformat(headers.get("ce_time", "").replace("Z", "+00:00"))
    except ValueError:
        time = utc_now()
    return Envelope(
        id=event_id,
        type=headers["ce_type"],
        source=headers["ce_source"],
        subject=headers.get("ce_subject", data.subject),
        tenant_id=tenant_id,
        time=time,
        traceparent=headers.get("traceparent"),
        data=data,
        headers=headers,
    )


def new_event_id() -> UUID:
    return uuid4()
