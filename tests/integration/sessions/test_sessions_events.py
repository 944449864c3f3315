"""End to end on the real broker: matching's events build the pair read model (a duplicate
delivery has one effect), sessions' events reach the topic keyed by pair with no private text,
erasure removes notes, an ended pair is read-only, and a due check-in is announced once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer

from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching
from mentoring.kit.envelope import ce_headers, encode_data, to_kafka_headers
from mentoring.kit.kafka import make_producer
from mentoring.kit.testing import eventually, read_topic, running
from mentoring.sessions.bootstrap import build_worker
from tests.integration.sessions.conftest import SeededPair, SessionsEnv


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, client_id="sessions-test-matching")
    await p.start()
    yield p
    await p.stop()


async def publish(
    producer: AIOKafkaProducer, namespace: str, event: EventData, event_id: UUID | None = None
) -> None:
    """Publish as the matching service would: CloudEvents headers, key = the aggregate id."""
    headers = ce_headers(event, event_id=event_id or uuid4(), time=event.occurred_at)
    await producer.send_and_wait(
        namespace + topics.MATCHING,
        value=encode_data(event),
        key=event.subject.encode(),
        headers=to_kafka_headers(headers),
    )


async def test_matching_events_in_sessions_events_out(
    env: SessionsEnv, producer: AIOKafkaProducer, kafka_bootstrap: str
) -> None:
    ns = env.settings.topic_namespace
    now = datetime.now(UTC)
    pair = SeededPair(uuid4(), uuid4(), uuid4(), uuid4())
    created = matching.PairCreated(
        tenant_id=env.tenant,
        sequence=2,
        occurred_at=now - timedelta(days=31),  # its first check-in is due
        pair_id=pair.id,
        programme_id=pair.programme_id,
        mentor_id=pair.mentor_id,
        mentee_id=pair.mentee_id,
        proposed_at=now - timedelta(days=33),
    )
    worker = build_worker(env.settings.model_copy(update={"survey_scan_seconds": 0.3}))
    async with running(worker):
        created_id = uuid4()
        await publish(producer, ns, created, created_id)
        await publish(producer, ns, created, created_id)  # redelivered: same event id
        await publish(producer, ns, created)  # re-sent with a new id: same sequence
        await eventually(
            lambda: env.count("select count(*) from pair where pair_id = $1", pair.id),
            what="the pair in the read model",
        )
        await env.add_topics("career")
        notes = f"private-{uuid4().hex}"
        logged = await env.client.post(
            f"/api/v1/pairs/{pair.id}/sessions/log",
            json={
                "held_at": (now - timedelta(hours=1)).isoformat(),
                "duration_minutes": 55,
                "mode": "online",
                "topics": ["career"],
                "notes": notes,
            },
            headers=env.mentee_of(pair),
        )
        assert logged.status_code == 201, logged.text
        sid = logged.json()["id"]
        feedback = await env.client.post(
            f"/api/v1/sessions/{sid}/feedback",
            json={"rating": 2, "fit_check": False},
            headers=env.mentor_of(pair),
        )
        assert feedback.status_code == 201

        records = await read_topic(kafka_bootstrap, ns + topics.SESSIONS, expect=4)
        mine = [r for r in records if dict(r.headers)["ce_tenantid"].decode() == str(env.tenant)]
        types = sorted(dict(r.headers)["ce_type"].decode() for r in mine)
        assert types == [
            "sessions.feedback_submitted.v1",
            "sessions.session_logged.v1",
            "sessions.survey_due.v1",
            "sessions.survey_due.v1",
        ]
        assert {r.key.decode() for r in mine} == {str(pair.id)}
        assert not any(notes.encode() in r.value for r in mine)
        by_type = {dict(r.headers)["ce_type"].decode(): json.loads(r.value) for r in mine}
        assert by_type["sessions.feedback_submitted.v1"]["fit_check"] is False
        assert by_type["sessions.session_logged.v1"]["mode"] == "online"
        assert by_type["sessions.session_logged.v1"]["topics"] == ["career"]
        assert by_type["sessions.survey_due.v1"]["wave"] == "checkin-1"

        goal = await env.client.post(
            f"/api/v1/pairs/{pair.id}/goals",
            json={"title": "Moje prywatne cele", "milestones": ["Krok pierwszy"]},
            headers={**env.mentee_of(pair), "Idempotency-Key": f"goal-{uuid4()}"},
        )
        assert goal.status_code == 201
        stored = (
            "select count(*) from idempotency_key where position($1::bytea in response_body) > 0"
        )
        assert await env.count(stored, b"Krok pierwszy") == 1, "the response is stored with its key"
        await publish(
            producer,
            ns,
            matching.ParticipantErased(
                tenant_id=env.tenant, sequence=9, occurred_at=now, participant_id=pair.mentee_id
            ),
        )
        await eventually(
            lambda: env.count("select count(*) from session_note where session_id = $1::uuid", sid),
            until=lambda n: n == 0,
            what="the erased mentee's notes gone",
        )
        erased_goal = await env.db.fetchrow(
            "select title, milestones::text as milestones from goal where goal_id = $1::uuid",
            goal.json()["id"],
        )
        assert erased_goal["title"] == ""
        assert "Krok pierwszy" not in erased_goal["milestones"]
        assert await env.count(stored, b"Krok pierwszy") == 0, "no stored response repeats it"
        await publish(
            producer,
            ns,
            matching.PairEnded(
                tenant_id=env.tenant,
                sequence=3,
                occurred_at=now,
                pair_id=pair.id,
                programme_id=pair.programme_id,
                mentor_id=pair.mentor_id,
                mentee_id=pair.mentee_id,
                reason=matching.PairEndReason.REMATCH,
            ),
        )
        await eventually(
            lambda: env.db.fetchval("select status from pair where pair_id = $1", pair.id),
            until=lambda s: s == "ended",
            what="the pair ended",
        )
        refused = await env.client.post(
            f"/api/v1/pairs/{pair.id}/sessions/log",
            json={"held_at": now.isoformat(), "duration_minutes": 30},
            headers=env.mentor_of(pair),
        )
        assert refused.status_code == 409

    assert await env.count("select count(*) from pair where pair_id = $1", pair.id) == 1
    assert (
        await env.count(
            "select count(*) from inbox_message where consumer = 'sessions.pairs' "
            "and event_id = $1",
            created_id,
        )
        == 1
    )
    assert await env.count("select count(*) from session where session_id = $1::uuid", sid) == 1
    announced = await env.count(
        "select count(*) from outbox_message where tenant_id = $1 "
        "and event_type = 'sessions.survey_due.v1'",
        env.tenant,
    )
    assert announced == 2  # the job ran many times meanwhile
