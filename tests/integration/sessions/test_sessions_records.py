"""Agreements signed by both (published once), goals with milestones, and feedback with the
fit check after the first session."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tests.integration.sessions.conftest import SeededPair, SessionsEnv

GOALS = "Sprawne wdrożenie w pracę departamentu"
TERMS = {
    "goals": GOALS,
    "meetings_per_month": 2,
    "session_minutes": 60,
}


async def _payloads(env: SessionsEnv, event_type: str) -> list[dict[str, object]]:
    rows = await env.db.fetch(
        "select payload::text from outbox_message where tenant_id = $1 and event_type = $2 "
        "order by position",
        env.tenant,
        event_type,
    )
    return [json.loads(r["payload"]) for r in rows]


async def test_agreement_signed_by_both_is_published_once(env: SessionsEnv) -> None:
    pair = await env.seed_pair()
    url = f"/api/v1/pairs/{pair.id}/agreement"
    mentor, mentee = env.mentor_of(pair), env.mentee_of(pair)

    assert (await env.client.get(url, headers=mentee)).status_code == 404
    draft = await env.client.put(url, json=TERMS, headers=mentee)
    assert draft.status_code == 200, draft.text
    assert (draft.json()["revision"], draft.json()["status"]) == (1, "draft")
    assert (await env.client.post(f"{url}/sign", json={"revision": 1}, headers=mentee)).is_success
    amended = await env.client.put(url, json={**TERMS, "meetings_per_month": 4}, headers=mentor)
    assert amended.json()["revision"] == 2
    assert amended.json()["mentee_signed_at"] is None
    stale = await env.client.post(f"{url}/sign", json={"revision": 1}, headers=mentor)
    assert stale.status_code == 409
    assert (await env.client.post(f"{url}/sign", json={"revision": 2}, headers=mentor)).is_success
    assert await _payloads(env, "sessions.agreement_signed.v1") == []
    signed = await env.client.post(f"{url}/sign", json={"revision": 2}, headers=mentee)
    assert signed.json()["status"] == "signed"

    assert (
        await env.client.post(f"{url}/sign", json={"revision": 2}, headers=mentor)
    ).status_code == 409
    assert (await env.client.put(url, json=TERMS, headers=mentee)).status_code == 409
    events = await _payloads(env, "sessions.agreement_signed.v1")
    assert len(events) == 1
    assert (events[0]["pair_id"], events[0]["meetings_per_month"]) == (str(pair.id), 4)
    assert GOALS not in json.dumps(events)

    seen_by_coordinator = (await env.client.get(url, headers=env.coordinator())).json()
    assert seen_by_coordinator["status"] == "signed"
    assert seen_by_coordinator["goals"] is None
    assert (await env.client.get(url, headers=env.member(uuid4()))).status_code == 404


async def test_goals_progress_milestones_and_achievement(env: SessionsEnv) -> None:
    pair = await env.seed_pair()
    mentee = env.mentee_of(pair)
    title = f"Wystąpienia publiczne {uuid4().hex[:6]}"
    created = await env.client.post(
        f"/api/v1/pairs/{pair.id}/goals",
        json={"title": title, "target_date": "2027-03-31", "milestones": ["Prezentacja"]},
        headers=mentee,
    )
    assert created.status_code == 201, created.text
    goal = created.json()
    gid, milestone = goal["id"], goal["milestones"][0]["id"]
    progressed = await env.client.patch(
        f"/api/v1/goals/{gid}", json={"progress": 60}, headers=env.mentor_of(pair)
    )
    assert progressed.json()["progress"] == 60
    added = await env.client.post(
        f"/api/v1/goals/{gid}/milestones", json={"title": "Debata"}, headers=mentee
    )
    assert len(added.json()["milestones"]) == 2
    done = await env.client.post(
        f"/api/v1/goals/{gid}/milestones/{milestone}/complete", headers=mentee
    )
    assert done.json()["milestones"][0]["done_at"] is not None
    achieved = await env.client.post(f"/api/v1/goals/{gid}/achieve", headers=mentee)
    assert (achieved.json()["status"], achieved.json()["progress"]) == ("achieved", 100)
    assert (
        await env.client.post(f"/api/v1/goals/{gid}/achieve", headers=mentee)
    ).status_code == 409
    assert (
        await env.client.patch(f"/api/v1/goals/{gid}", json={"progress": 10}, headers=mentee)
    ).status_code == 409

    assert [e["goal_id"] for e in await _payloads(env, "sessions.goal_set.v1")] == [gid]
    assert [e["goal_id"] for e in await _payloads(env, "sessions.goal_achieved.v1")] == [gid]
    wire = json.dumps(await _payloads(env, "sessions.goal_set.v1"))
    assert title not in wire
    listed = await env.client.get(f"/api/v1/pairs/{pair.id}/goals", headers=env.coordinator())
    assert [(g["title"], g["progress"]) for g in listed.json()] == [(None, 100)]
    mine = await env.client.get(f"/api/v1/goals/{gid}", headers=mentee)
    assert mine.json()["title"] == title


async def _log(env: SessionsEnv, pair: SeededPair, hours_ago: int) -> str:
    response = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions/log",
        json={
            "held_at": (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(),
            "duration_minutes": 45,
        },
        headers=env.mentee_of(pair),
    )
    assert response.status_code == 201
    return str(response.json()["id"])


async def test_feedback_once_per_member_and_the_fit_check_after_the_first_session(
    env: SessionsEnv,
) -> None:
    pair = await env.seed_pair()
    first, second = await _log(env, pair, 48), await _log(env, pair, 2)
    mentor, mentee = env.mentor_of(pair), env.mentee_of(pair)

    not_a_match = await env.client.post(
        f"/api/v1/sessions/{first}/feedback",
        json={"rating": 2, "fit_check": False, "comment": "nie pasujemy"},
        headers=mentee,
    )
    assert not_a_match.status_code == 201, not_a_match.text
    twice = await env.client.post(
        f"/api/v1/sessions/{first}/feedback", json={"rating": 5}, headers=mentee
    )
    assert twice.status_code == 409
    assert (
        await env.client.post(
            f"/api/v1/sessions/{first}/feedback",
            json={"rating": 4, "fit_check": True},
            headers=mentor,
        )
    ).status_code == 201
    late_fit = await env.client.post(
        f"/api/v1/sessions/{second}/feedback",
        json={"rating": 4, "fit_check": True},
        headers=mentee,
    )
    assert late_fit.status_code == 422
    assert (
        await env.client.post(
            f"/api/v1/sessions/{second}/feedback", json={"rating": 4}, headers=mentee
        )
    ).status_code == 201
    out_of_range = await env.client.post(
        f"/api/v1/sessions/{second}/feedback", json={"rating": 6}, headers=mentor
    )
    assert out_of_range.status_code == 422

    scheduled = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions",
        json={
            "starts_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "duration_minutes": 30,
            "mode": "phone",
        },
        headers=mentor,
    )
    not_held = await env.client.post(
        f"/api/v1/sessions/{scheduled.json()['id']}/feedback", json={"rating": 3}, headers=mentor
    )
    assert not_held.status_code == 409

    events = await _payloads(env, "sessions.feedback_submitted.v1")
    assert [
        (e["session_id"], e["participant_id"], e["rating"], e["fit_check"]) for e in events
    ] == [
        (first, str(pair.mentee_id), 2, False),
        (first, str(pair.mentor_id), 4, True),
        (second, str(pair.mentee_id), 4, None),
    ]
    assert "nie pasujemy" not in json.dumps(events)
    seen_by_mentor = await env.client.get(f"/api/v1/sessions/{first}/feedback", headers=mentor)
    assert [f["comment"] for f in seen_by_mentor.json()] == [None, None]
