"""Idempotency-Key: a client's retry returns the first result and writes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integration.sessions.conftest import SeededPair, SessionsEnv


def _body(**kw: Any) -> dict[str, Any]:
    return {
        "held_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "duration_minutes": 45,
        "topics": ["career"],
        "notes": "notatka",
        **kw,
    }


async def _written(env: SessionsEnv, pair: SeededPair) -> tuple[int, int, int]:
    return (
        await env.count("select count(*) from session where pair_id = $1", pair.id),
        await env.count("select count(*) from session_note where tenant_id = $1", env.tenant),
        await env.count("select count(*) from outbox_message where tenant_id = $1", env.tenant),
    )


async def test_a_retry_returns_the_first_result_and_writes_nothing(env: SessionsEnv) -> None:
    pair = await env.seed_pair()
    await env.add_topics("career")
    url = f"/api/v1/pairs/{pair.id}/sessions/log"
    body = _body()
    headers = {**env.mentee_of(pair), "Idempotency-Key": "log-2026-11-27-a"}

    first = await env.client.post(url, json=body, headers=headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    after_first = await _written(env, pair)
    assert after_first == (1, 1, 1)

    retry = await env.client.post(url, json=body, headers=headers)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert await _written(env, pair) == after_first

    other_body = await env.client.post(url, json=_body(duration_minutes=90), headers=headers)
    assert other_body.status_code == 422
    assert await _written(env, pair) == after_first

    # a concurrent double submit with a new key still logs one session
    both = await asyncio.gather(
        *(
            env.client.post(
                url, json=body, headers={**env.mentee_of(pair), "Idempotency-Key": "double"}
            )
            for _ in range(2)
        )
    )
    assert [r.status_code for r in both] == [201, 201]
    assert both[0].json()["id"] == both[1].json()["id"]
    assert await _written(env, pair) == (2, 2, 2)


async def test_a_failed_attempt_is_not_remembered(env: SessionsEnv) -> None:
    pair = await env.seed_pair()
    url = f"/api/v1/pairs/{pair.id}/sessions/log"
    headers = {**env.mentor_of(pair), "Idempotency-Key": "first-try-fails"}
    failed = await env.client.post(url, json=_body(), headers=headers)
    assert failed.status_code == 422  # the topic is not on the list yet
    assert await _written(env, pair) == (0, 0, 0)
    await env.add_topics("career")
    again = await env.client.post(url, json=_body(), headers=headers)
    assert again.status_code == 201
    assert await _written(env, pair) == (1, 1, 1)


async def test_every_post_takes_the_key(env: SessionsEnv) -> None:
    pair = await env.seed_pair()
    headers = {**env.mentee_of(pair), "Idempotency-Key": "schedule-once"}
    body = {
        "starts_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        "duration_minutes": 30,
        "mode": "phone",
    }
    url = f"/api/v1/pairs/{pair.id}/sessions"
    first = await env.client.post(url, json=body, headers=headers)
    second = await env.client.post(url, json=body, headers=headers)
    assert first.json() == second.json()
    sid = first.json()["id"]
    cancel_headers = {**env.mentee_of(pair), "Idempotency-Key": "cancel-once"}
    cancel = await env.client.post(f"/api/v1/sessions/{sid}/cancel", headers=cancel_headers)
    replay = await env.client.post(f"/api/v1/sessions/{sid}/cancel", headers=cancel_headers)
    assert (cancel.status_code, replay.status_code) == (200, 200)  # not 409: it is a replay
    assert replay.json()["revision"] == cancel.json()["revision"] == 1
    assert await env.outbox_types() == [
        "sessions.session_scheduled.v1",
        "sessions.session_cancelled.v1",
    ]
