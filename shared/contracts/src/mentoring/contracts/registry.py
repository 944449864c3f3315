"""The registry of every event type (`ce_type` -> model) and the JSON Schemas made from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mentoring.contracts.base import EventData
from mentoring.contracts.events import analytics, matching, notifications, sessions
from mentoring.contracts.profiles import ParticipantProfile

EVENT_MODELS: tuple[type[EventData], ...] = (
    matching.TenantProvisioned,
    matching.ProgrammeOpened,
    matching.ProgrammeClosed,
    matching.ParticipantEnrolled,
    matching.ParticipantWithdrawn,
    matching.RoundCompleted,
    matching.PairProposed,
    matching.PairDeclined,
    matching.PairCreated,
    matching.PairEnded,
    matching.ParticipantErased,
    matching.PairFlagged,
    sessions.AgreementSigned,
    sessions.GoalSet,
    sessions.GoalAchieved,
    sessions.SessionScheduled,
    sessions.SessionLogged,
    sessions.SessionCancelled,
    sessions.FeedbackSubmitted,
    sessions.SurveyDue,
    sessions.SurveySubmitted,
    notifications.NotificationSent,
    notifications.NotificationFailed,
    analytics.PairInactive,
    analytics.ProgrammeHealthChanged,
)

REGISTRY: dict[str, type[EventData]] = {m.event_type: m for m in EVENT_MODELS}

SCHEMA_DIR = Path(__file__).parent / "schemas"


class UnknownEventType(KeyError):
    pass


def model_for(event_type: str) -> type[EventData]:
    try:
        return REGISTRY[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def types_on_topic(topic: str) -> list[str]:
    return [t for t, m in REGISTRY.items() if m.topic == topic]


def json_schema(model: type[EventData] | type[ParticipantProfile]) -> dict[str, Any]:
    """The committed form of a model's schema: draft 2020-12 with a stable `$id`."""
    name = model.event_type if issubclass(model, EventData) else model.schema_name
    schema = model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:mentoring:schema:{name}",
        **schema,
    }


def generated_schemas() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {t: json_schema(m) for t, m in REGISTRY.items()}
    out[ParticipantProfile.schema_name] = json_schema(ParticipantProfile)
    return out


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def committed_schemas(directory: Path = SCHEMA_DIR) -> dict[str, dict[str, Any]]:
    return {
        p.name.removesuffix(".json"): json.loads(p.read_text("utf-8"))
        for p in sorted(directory.glob("*.json"))
    }
