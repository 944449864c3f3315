"""Surveys: check-ins and pulse waves become due once (even when the scheduler runs twice, or
twice at the same time), the answers are scored (reverse items) and only the score is published."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

from mentoring.kit.db import session_factory
from mentoring.kit.outbox import Outbox
from mentoring.sessions.domain.instruments import PSYCH_SAFETY
from mentoring.sessions.service_layer.surveys import issue_due_surveys
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork
from tests.integration.sessions.conftest import SessionsEnv


async def _run_scheduler(env: SessionsEnv) -> int:
    sessions = session_factory(env.engine)
    outbox = Outbox(namespace=env.settings.topic_namespace)
    return await issue_due_surveys(
        lambda: SessionsUnitOfWork(sessions, outbox, None), datetime.now(UTC)
    )


async def _due_events(env: SessionsEnv) -> list[dict[str, object]]:
    rows = await env.db.fetch(
        "select payload::text from outbox_message where tenant_id = $1 "
        "and event_type = 'sessions.survey_due.v1' order by position",
        env.tenant,
    )
    return [json.loads(r["payload"]) for r in rows]


async def test_due_surveys_are_announced_once_and_answers_are_scored(env: SessionsEnv) -> None:
    today = datetime.now(UTC).date()
    pair = await env.seed_pair(created_at=datetime.now(UTC) - timedelta(days=31))
    await env.open_programme(pair.programme_id, today - timedelta(days=40), today + timedelta(200))
    later = await env.seed_pair(programme_id=pair.programme_id)  # created yesterday: no check-in

    await _run_scheduler(env)
    await _run_scheduler(env)
    await asyncio.gather(_run_scheduler(env), _run_scheduler(env))

    events = await _due_events(env)
    announced = sorted(
        (e["pair_id"], e["participant_id"], e["instrument"], e["wave"]) for e in events
    )
    expected = sorted(
        [(str(pair.id), str(m), "checkin", "checkin-1") for m in (pair.mentor_id, pair.mentee_id)]
        + [
            (str(p.id), str(m), instrument, "start")
            for p in (pair, later)
            for m in (p.mentor_id, p.mentee_id)
            for instrument in (PSYCH_SAFETY.id, "participative_leadership_elq_pdm_6")
        ]
    )
    assert announced == expected
    surveys = await env.count("select count(*) from survey where tenant_id = $1", env.tenant)
    assert surveys == len(expected)

    mentee = env.mentee_of(pair)
    mine = await env.client.get("/api/v1/surveys", params={"submitted": "false"}, headers=mentee)
    assert mine.json()["total"] == 3
    survey = next(s for s in mine.json()["items"] if s["instrument"] == PSYCH_SAFETY.id)
    detail = await env.client.get(f"/api/v1/surveys/{survey['id']}", headers=mentee)
    assert detail.json()["form"]["version"] == "edmondson-1999-7"
    assert [i["reverse_scored"] for i in detail.json()["form"]["items"]].count(True) == 3

    answers = [2, 6, 1, 5, 3, 7, 4]
    reversed_by_hand = [8 - 2, 6, 8 - 1, 5, 8 - 3, 7, 4]
    url = f"/api/v1/surveys/{survey['id']}/responses"
    assert (
        await env.client.post(url, json={"answers": answers}, headers=env.mentor_of(pair))
    ).status_code == 404
    assert (await env.client.post(url, json={"answers": [1, 2]}, headers=mentee)).status_code == 422
    answered = await env.client.post(url, json={"answers": answers}, headers=mentee)
    assert answered.status_code == 200, answered.text
    expected_score = round(sum(reversed_by_hand) / 7, 4)
    assert answered.json()["score"] == expected_score
    assert answered.json()["responses"] == answers
    assert (
        await env.client.post(url, json={"answers": answers}, headers=mentee)
    ).status_code == 409

    rows = await env.db.fetch(
        "select payload::text from outbox_message where tenant_id = $1 "
        "and event_type = 'sessions.survey_submitted.v1'",
        env.tenant,
    )
    submitted = [json.loads(r["payload"]) for r in rows]
    assert [(s["score"], s["instrument_version"], s["wave"]) for s in submitted] == [
        (expected_score, "edmondson-1999-7", "start")
    ]
    assert "responses" not in submitted[0]
    assert "answers" not in submitted[0]
    stored = await env.db.fetchrow(
        "select responses, score, instrument_version from survey where survey_id = $1::uuid",
        survey["id"],
    )
    assert (list(stored["responses"]), stored["instrument_version"]) == (
        answers,
        "edmondson-1999-7",
    )

    figures = await env.client.get(
        "/api/v1/stats", params={"programme_id": str(pair.programme_id)}, headers=env.analyst()
    )
    psych = next(
        s
        for s in figures.json()["surveys"]
        if s["instrument"] == PSYCH_SAFETY.id and s["wave"] == "start"
    )
    assert psych["mean_score"] == {"value": None, "people": 1, "suppressed": True}
    assert figures.json()["pairs_active"]["people"] == 4
    assert figures.json()["pairs_active"]["value"] is None
    coordinator_surveys = await env.client.get("/api/v1/surveys", headers=env.coordinator())
    assert coordinator_surveys.status_code == 403


async def test_a_future_wave_waits_and_an_ended_pair_gets_no_surveys(env: SessionsEnv) -> None:
    today = datetime.now(UTC).date()
    waiting = await env.seed_pair(created_at=datetime.now(UTC) - timedelta(days=10))
    await env.open_programme(waiting.programme_id, today + timedelta(days=5), date(2099, 1, 1))
    ended = await env.seed_pair(created_at=datetime.now(UTC) - timedelta(days=45))
    await env.end_pair(ended)
    await _run_scheduler(env)
    assert await _due_events(env) == []
    state = await env.db.fetchrow(
        "select pulse_wave, pulse_due_on from pair where pair_id = $1", waiting.id
    )
    assert (state["pulse_wave"], state["pulse_due_on"]) == ("start", today + timedelta(days=5))
