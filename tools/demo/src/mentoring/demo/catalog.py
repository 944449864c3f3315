"""docs/events.md, the event catalogue for subscribers, generated from the contracts' registry.

    uv run python -m mentoring.demo.catalog > docs/events.md

A test (tests/unit/demo/test_catalog.py) fails when the committed file differs from this output.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.profiles import ParticipantProfile
from mentoring.contracts.registry import EVENT_MODELS, json_schema

PRODUCERS = {
    topics.MATCHING: "matching",
    topics.SESSIONS: "sessions",
    topics.NOTIFICATIONS: "notifications",
    topics.ANALYTICS: "analytics",
}
COMMON_FIELDS = ("tenant_id", "sequence", "occurred_at")

# Descriptions of fields the models leave undescribed (the models' own descriptions win).
FIELD_NOTES = {
    "pair_id": "The pair (mentor and mentee in one programme).",
    "programme_id": "The mentoring programme.",
    "participant_id": "The person (pseudonymous id; the `sub` of their token).",
    "mentor_id": "The mentor's person id.",
    "mentee_id": "The mentee's person id.",
    "mentor_unit_id": "The mentor's org unit when the pair was formed.",
    "mentee_unit_id": "The mentee's org unit when the pair was formed.",
    "round_id": "The matching round.",
    "session_id": "The session.",
    "goal_id": "The goal.",
    "agreement_id": "The mentoring agreement.",
    "survey_id": "The survey sent to one participant.",
    "unit_id": "The participant's org unit.",
    "slug": "The ministry's short name, unique on the platform.",
    "default_locale": "Language of messages when a person has none: `pl` or `en`.",
    "kind": "One of the programme kinds (one to one, reverse, group, flash).",
    "starts_on": "First day of the programme.",
    "ends_on": "Last day of the programme.",
    "max_mentees_per_mentor": "The programme's cap on mentees per mentor.",
    "inactivity_days": "After how many days without a session a pair counts as inactive.",
    "role": "Mentor, mentee, or both.",
    "consented_at": "When the person consented to being matched.",
    "proposals": "Pairs proposed by the round.",
    "mentees_in_pool": "Mentees the round tried to match.",
    "mentees_unmatched": "Mentees left without a proposal.",
    "total_score": "Sum of the proposals' match scores.",
    "score": "The match score (higher is better).",
    "explanation": "The criteria that make up the score, largest first.",
    "proposed_at": "When the pair was proposed.",
    "declined_by": "Who declined.",
    "reason": "Why the pair ended.",
    "flag": "Why the pair needs attention.",
    "meetings_per_month": "The agreed cadence.",
    "signed_at": "When the second member signed.",
    "target_date": "When the goal should be reached.",
    "starts_at": "Start of the session (UTC).",
    "duration_minutes": "Length in minutes.",
    "held_at": "When the session took place (UTC).",
    "topics": "Codes from the ministry's topic list.",
    "rating": "1 (poor) to 5 (excellent).",
    "instrument": "The survey instrument, e.g. `checkin`, `psych_safety_edmondson_7`.",
    "instrument_version": "The instrument's version; scores are comparable within one version.",
    "wave": "`start`, `middle`, `end`, or `checkin-<n>`.",
    "due_at": "When the survey is due.",
    "attempts": "Delivery attempts made.",
    "error": "The last error.",
    "last_session_at": "The pair's last logged session, if any.",
    "inactive_days": "Days since the last session (or since the pair was formed).",
    "threshold_days": "The programme's `inactivity_days`.",
    "health": "The programme's health.",
    "previous": "The health before this change.",
    "reasons": "Why it needs attention.",
    "name": "The programme's name.",
    "notification_id": "The notification (one per recipient and cause).",
    "revision": "0 when first scheduled, +1 per reschedule.",
}


# Per type, where a field's meaning depends on the type.
TYPE_FIELD_NOTES = {
    ("matching.programme_opened.v1", "mode"): "`best_quality`: the highest total score; "
    "`everyone_matched`: as many mentees matched as possible, then the highest score.",
    ("matching.round_completed.v1", "mode"): "The optimisation the round used.",
    ("sessions.session_scheduled.v1", "mode"): "In person, online or by phone.",
}

# What each type means, for the types whose model has no docstring.
EVENT_NOTES = {
    "matching.tenant_provisioned.v1": "A ministry joined the platform.",
    "matching.programme_opened.v1": "A coordinator opened a mentoring programme.",
    "matching.programme_closed.v1": "The programme closed: no enrolments or rounds any more.",
    "matching.participant_enrolled.v1": "A person enrolled in a programme, with their consent.",
    "matching.participant_withdrawn.v1": "A person left a programme; their open proposals were "
    "declined and their active pairs ended.",
    "matching.round_completed.v1": "A coordinator published a matching round (after its "
    "`pair_proposed` events).",
    "matching.pair_proposed.v1": "A mentor and a mentee were proposed to each other, by a round "
    "or by the mentee's own request.",
    "matching.pair_declined.v1": "One side declined the proposal, or a request expired; this "
    "pair is never proposed again in the programme.",
    "matching.pair_created.v1": "Both sides accepted: the pair is active.",
    "matching.pair_ended.v1": "An active pair ended: completed, re-match, withdrawn or inactive.",
    "matching.participant_erased.v1": "A person's personal data was erased everywhere; delete "
    "what you keep about them. Their pseudonymous id stays in statistics.",
    "sessions.agreement_signed.v1": "Both members signed the same revision of their mentoring "
    "agreement (published once per pair).",
    "sessions.goal_set.v1": "The pair set a goal (its text stays private).",
    "sessions.goal_achieved.v1": "The pair reached a goal.",
    "sessions.session_scheduled.v1": "A session was scheduled, or rescheduled (`revision` > 0).",
    "sessions.session_logged.v1": "A session took place and was logged (its notes stay private).",
    "sessions.session_cancelled.v1": "A scheduled session was cancelled (also when its pair "
    "ended).",
    "sessions.feedback_submitted.v1": "A member rated a session; after the pair's first session "
    "also the fit check (a `false` offers the mentee a re-match). Never the comment.",
    "sessions.survey_submitted.v1": "A participant answered a survey: the score only, never the "
    "answers.",
    "notifications.notification_sent.v1": "An e-mail or webhook delivery succeeded.",
    "notifications.notification_failed.v1": "An e-mail or webhook delivery failed for good.",
    "analytics.pair_inactive.v1": "No session for the programme's `inactivity_days`: once per "
    "inactivity episode (a new session ends it). Matching flags the pair; the members are "
    "nudged.",
    "analytics.programme_health_changed.v1": "A programme's health changed (published only on "
    "a change).",
}


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """A JSON Schema property as a short type: `uuid`, `date-time`, `string or null`..."""
    if "$ref" in prop:
        target = defs.get(_ref_name(prop["$ref"]), {})
        if "enum" in target:
            return "one of " + ", ".join(f"`{v}`" for v in target["enum"])
        if target.get("type") == "object":
            inner = ", ".join(
                f"{k}: {_type(v, defs)}" for k, v in target.get("properties", {}).items()
            )
            return f"object ({inner})"
        return _ref_name(prop["$ref"])
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(prop["anyOf"])
        text = " or ".join(_type(o, defs) for o in options)
        return f"{text} or null" if nullable else text
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}), defs)}"
    if kind == "string" and "format" in prop:
        return {"uuid": "uuid", "date-time": "date-time (UTC)", "date": "date"}.get(
            str(prop["format"]), str(prop["format"])
        )
    bounds = []
    if "minimum" in prop:
        bounds.append(f">= {prop['minimum']}")
    if "maximum" in prop:
        bounds.append(f"<= {prop['maximum']}")
    return f"{kind} ({', '.join(bounds)})" if bounds else str(kind)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _fields(schema: dict[str, Any], skip: tuple[str, ...] = (), event_type: str = "") -> list[str]:
    defs = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    rows = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    for name, prop in schema.get("properties", {}).items():
        if name in skip:
            continue
        meaning = (
            prop.get("description")
            or TYPE_FIELD_NOTES.get((event_type, name))
            or FIELD_NOTES.get(name, "")
        )
        rows.append(
            f"| `{name}` | {_cell(_type(prop, defs))} | {'yes' if name in required else 'no'} "
            f"| {_cell(meaning)} |"
        )
    return rows


def _doc(model: type[Any]) -> str:
    own = model.__dict__.get("__doc__")
    return inspect.cleandoc(own) if own else ""


HEADER = """\
# Event catalogue

For systems that subscribe to the mentoring platform's events: HR, intranets, BI, learning
platforms. Generated from the event models (`mentoring.contracts.registry`) by
`uv run python -m mentoring.demo.catalog > docs/events.md`; a test keeps it current. The JSON
Schema of every type is in `shared/contracts/src/mentoring/contracts/schemas/`, and each
service serves an AsyncAPI document at `/asyncapi`.

## How events travel

Every event is a [CloudEvents 1.0](https://cloudevents.io) message in the Kafka protocol
binding's **binary mode**: the attributes are headers, the data is the JSON value.

| header | example | meaning |
| --- | --- | --- |
| `ce_specversion` | `1.0` | |
| `ce_id` | `5f0c2a4e-...` | unique per event (UUID); use it to drop repeats |
| `ce_source` | `/mentoring/matching` | the producing service |
| `ce_type` | `matching.pair_created.v1` | the type (sections below) |
| `ce_time` | `2026-12-01T09:00:00Z` | when it happened |
| `ce_subject` | `<pair id>` | the aggregate; equal to the Kafka key |
| `ce_tenantid` | `<tenant id>` | the ministry (extension attribute) |
| `ce_dataschema` | `urn:mentoring:schema:matching.pair_created.v1` | the JSON Schema's `$id` |
| `content-type` | `application/json` | |
| `traceparent` | `00-<trace>-<span>-01` | W3C trace context |

The guarantees (the platform's contract):

- **No lost events, no orphan events.** A state change and its event are committed in one
  database transaction (a transactional outbox); a relay publishes with the idempotent producer
  and marks an event sent only after the broker acknowledged it.
- **At least once.** An event may arrive twice (a relay restarted between sending and
  recording): drop repeats by `ce_id`.
- **In order per aggregate.** The Kafka key is the aggregate id (the pair id for every pair and
  session event), so one aggregate's events are in one partition, in order. Each event's data
  carries `sequence`: 1, 2, 3... without gaps per aggregate and producer; a `sequence` you have
  already seen is a repeat.
- **Additive change only.** Within `.v1` only optional fields are added; read tolerantly and
  ignore fields you do not know. A breaking change is a new `.v2` type published beside `.v1`.
- **Pseudonymous.** Events carry ids, dates, numbers and codes; never names, e-mail addresses,
  notes, comments, goal or agreement texts, or survey answers. Contact data is only on the
  compacted profile topic (last section).

Reading one with the CloudEvents SDK and a plain Kafka consumer (Python):

```python
from aiokafka import AIOKafkaConsumer
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

consumer = AIOKafkaConsumer(
    "mentoring.matching",
    "mentoring.sessions",
    bootstrap_servers="127.0.0.1:9092",
    group_id="hr-sync",
    enable_auto_commit=False,
    auto_offset_reset="earliest",
)
await consumer.start()
async for record in consumer:
    event = from_binary_event(
        KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    )
    handle(event.get_type(), event.get_extension("tenantid"), event.get_data())
    await consumer.commit()
```

Without Kafka access, a ministry's coordinator can register a webhook: the same events are
POSTed as structured-mode CloudEvents, signed per Standard Webhooks (`docs/notifications.md`).

## Every event's data

Besides its own fields (tables below), the data of every type has:

"""


def render() -> str:
    """The whole of docs/events.md."""
    out = [HEADER.rstrip("\n")]
    common = json_schema(EVENT_MODELS[0])
    defs = common.get("$defs", {})
    out += ["", "| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    for name in COMMON_FIELDS:
        prop = common["properties"][name]
        out.append(
            f"| `{name}` | {_cell(_type(prop, defs))} | yes | {_cell(prop['description'])} |"
        )
    out += ["", "## Topics", ""]
    out += ["| topic | producer | Kafka key | types |", "| --- | --- | --- | --- |"]
    for topic in topics.EVENT_TOPICS:
        models = [m for m in EVENT_MODELS if m.topic == topic]
        keys = sorted({m.subject_field for m in models})
        out.append(
            f"| `{topic}` | {PRODUCERS[topic]} | {', '.join(f'`{k}`' for k in keys)} | "
            f"{len(models)} |"
        )
    out.append(
        f"| `{topics.PROFILES}` | matching | `participant_id` | the contact profile (compacted) |"
    )
    out.append("")
    out.append(
        "Each topic has a dead-letter topic `<topic>.dlq` for messages a consumer could not "
        "process (operator guide, docs/operations.md)."
    )
    for topic in topics.EVENT_TOPICS:
        out += ["", f"## `{topic}`", ""]
        out.append(
            f"Produced by the {PRODUCERS[topic]} service (`ce_source` "
            f"`/mentoring/{PRODUCERS[topic]}`)."
        )
        for model in (m for m in EVENT_MODELS if m.topic == topic):
            out += _event(model)
    out += _profiles()
    return "\n".join(out) + "\n"


def _event(model: type[EventData]) -> list[str]:
    schema = json_schema(model)
    lines = ["", f"### `{model.event_type}`", ""]
    doc = _doc(model) or EVENT_NOTES.get(model.event_type, "")
    if doc:
        lines += [" ".join(doc.split()), ""]
    lines.append(
        f"Key and `ce_subject`: `{model.subject_field}`. Schema: `{schema['$id']}` "
        f"(`schemas/{model.event_type}.json`)."
    )
    lines.append("")
    lines += _fields(schema, skip=COMMON_FIELDS, event_type=model.event_type)
    return lines


def _profiles() -> list[str]:
    schema = json_schema(ParticipantProfile)
    lines = [
        "",
        f"## `{topics.PROFILES}`",
        "",
        "The only place where contact data leaves the matching service. A compacted topic: the "
        "key is the participant id, the value the current profile (plain JSON, no CloudEvents "
        "headers); a null value (tombstone) means the person was erased - delete what you kept "
        "about them. Profiles are published for people who enrolled in a programme or "
        "coordinate one.",
        "",
        f"Schema: `{schema['$id']}` (`schemas/{ParticipantProfile.schema_name}.json`).",
        "",
    ]
    lines += _fields(schema)
    return lines


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
