"""Sessions over HTTP: only the members of an active pair of the caller's tenant write them;
schedule, reschedule, cancel and log, with illegal transitions answered 409; the .ics file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from icalendar import Calendar

from tests.conftest import bearer
from tests.integration.sessions.conftest import SessionsEnv


def _ago(**kw: float) -> str:
    return (datetime.now(UTC) - timedelta(**kw)).isoformat()


def _ahead(**kw: float) -> str:
    return (datetime.now(UTC) + timedelta(**kw)).isoformat()


def _log_body(**kw: Any) -> dict[str, Any]:
    return {"held_at": _ago(hours=3), "duration_minutes": 45, "topics": ["career"], **kw}


async def test_only_members_of_an_active_pair_of_their_tenant_log_sessions(
    env: SessionsEnv,
) -> None:
    pair = await env.seed_pair()
    await env.add_topics("career")
    url = f"/api/v1/pairs/{pair.id}/sessions/log"

    ok = await env.client.post(url, json=_log_body(), headers=env.mentee_of(pair))
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "logged"
    assert ok.json()["programme_id"] == str(pair.programme_id)

    other_tenant = bearer(env.token(uuid4(), "mentee", sub=str(pair.mentee_id)))
    stranger = env.member(uuid4(), "mentor")
    for headers in (other_tenant, stranger):
        refused = await env.client.post(url, json=_log_body(), headers=headers)
        assert refused.status_code == 404, refused.text
    for headers in (env.coordinator(), env.analyst()):
        assert (await env.client.post(url, json=_log_body(), headers=headers)).status_code == 403
    unknown_pair = f"/api/v1/pairs/{uuid4()}/sessions/log"
    assert (
        await env.client.post(unknown_pair, json=_log_body(), headers=env.mentee_of(pair))
    ).status_code == 404
    unknown_topic = await env.client.post(
        url, json=_log_body(topics=["career", "astrology"]), headers=env.mentor_of(pair)
    )
    assert unknown_topic.status_code == 422
    assert unknown_topic.json()["unknown_topics"] == ["astrology"]

    ahead = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions",
        json={"starts_at": _ahead(days=7), "duration_minutes": 60, "mode": "phone"},
        headers=env.mentor_of(pair),
    )
    await env.end_pair(pair)
    dropped = await env.client.get(
        f"/api/v1/sessions/{ahead.json()['id']}", headers=env.mentor_of(pair)
    )
    assert dropped.json()["status"] == "cancelled"  # an ended pair's sessions ahead are off
    ended = await env.client.post(url, json=_log_body(), headers=env.mentee_of(pair))
    assert ended.status_code == 409
    schedule = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions",
        json={"starts_at": _ahead(days=2), "duration_minutes": 60, "mode": "phone"},
        headers=env.mentee_of(pair),
    )
    assert schedule.status_code == 409
    # an ended pair stays readable
    listed = await env.client.get(
        "/api/v1/sessions", params={"pair_id": str(pair.id)}, headers=env.mentor_of(pair)
    )
    assert listed.status_code == 200
    assert listed.json()["total"] == 2
    assert await env.count("select count(*) from session where pair_id = $1", pair.id) == 2
    assert await env.outbox_types() == [
        "sessions.session_logged.v1",
        "sessions.session_scheduled.v1",
        "sessions.session_cancelled.v1",
    ]


async def test_schedule_reschedule_cancel_log_and_illegal_transitions(env: SessionsEnv) -> None:
    pair = await env.seed_pair()
    await env.add_topics("career")
    mentor, mentee = env.mentor_of(pair), env.mentee_of(pair)

    scheduled = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions",
        json={
            "starts_at": _ahead(days=2),
            "duration_minutes": 60,
            "mode": "online",
            "location": "https://meet.example.gov.pl/abc",
        },
        headers=mentor,
    )
    assert scheduled.status_code == 201, scheduled.text
    first = scheduled.json()
    assert (first["status"], first["revision"], first["scheduled_by"]) == (
        "scheduled",
        0,
        str(pair.mentor_id),
    )
    sid = first["id"]
    moved = await env.client.post(
        f"/api/v1/sessions/{sid}/reschedule",
        json={"starts_at": _ahead(days=3), "mode": "in_person", "location": "Sala 204"},
        headers=mentee,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["id"], moved.json()["revision"]) == (sid, 1)
    past_start = await env.client.post(
        f"/api/v1/sessions/{sid}/reschedule", json={"starts_at": _ago(hours=1)}, headers=mentee
    )
    assert past_start.status_code == 422
    not_yet = await env.client.post(f"/api/v1/sessions/{sid}/log", json={}, headers=mentee)
    assert not_yet.status_code == 409  # a session ahead cannot be logged as held

    cancelled = await env.client.post(f"/api/v1/sessions/{sid}/cancel", headers=mentee)
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["revision"]) == ("cancelled", 2)
    for action, body in (
        ("reschedule", {"starts_at": _ahead(days=4)}),
        ("cancel", {}),
        ("log", {"held_at": _ago(minutes=5)}),
    ):
        again = await env.client.post(f"/api/v1/sessions/{sid}/{action}", json=body, headers=mentor)
        assert again.status_code == 409, (action, again.text)

    second = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions",
        json={"starts_at": _ahead(hours=1), "duration_minutes": 30, "mode": "phone"},
        headers=mentee,
    )
    sid2 = second.json()["id"]
    held = await env.client.post(
        f"/api/v1/sessions/{sid2}/log",
        json={"held_at": _ago(minutes=10), "duration_minutes": 40, "topics": ["career"]},
        headers=mentor,
    )
    assert held.status_code == 200, held.text
    assert (held.json()["status"], held.json()["duration_minutes"]) == ("logged", 40)
    for action, body in (
        ("cancel", {}),
        ("log", {}),
        ("reschedule", {"starts_at": _ahead(days=1)}),
    ):
        again = await env.client.post(
            f"/api/v1/sessions/{sid2}/{action}", json=body, headers=mentee
        )
        assert again.status_code == 409, (action, again.text)

    assert await env.outbox_types() == [
        "sessions.session_scheduled.v1",
        "sessions.session_scheduled.v1",
        "sessions.session_cancelled.v1",
        "sessions.session_scheduled.v1",
        "sessions.session_logged.v1",
    ]
    payloads = await env.db.fetch(
        "select payload from outbox_message where tenant_id = $1 order by position", env.tenant
    )
    assert [p["payload"].count('"sequence"') for p in payloads] == [1] * 5
    stranger = await env.client.post(
        f"/api/v1/sessions/{sid2}/cancel", headers=env.member(uuid4(), "mentee")
    )
    assert stranger.status_code == 404


def _vevent(body: bytes) -> tuple[Any, Any]:
    cal = Calendar.from_ical(body)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return cal, events[0]


async def test_the_ics_parses_and_follows_reschedule_and_cancel(env: SessionsEnv) -> None:
    pair = await env.seed_pair()
    start = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    created = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions",
        json={
            "starts_at": start.isoformat(),
            "duration_minutes": 50,
            "mode": "in_person",
            "location": "Sala 204, ul. Królewska 27",
        },
        headers=env.mentee_of(pair),
    )
    sid = created.json()["id"]
    url = f"/api/v1/sessions/{sid}/calendar.ics"

    response = await env.client.get(url, headers=env.mentor_of(pair))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    cal, event = _vevent(response.content)
    uid = str(event["uid"])
    assert str(cal["method"]) == "REQUEST"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == start
    assert (event.decoded("dtend") - event.decoded("dtstart")) == timedelta(minutes=50)
    assert str(event["location"]) == "Sala 204, ul. Królewska 27"

    later = start + timedelta(days=1)
    await env.client.post(
        f"/api/v1/sessions/{sid}/reschedule",
        json={"starts_at": later.isoformat()},
        headers=env.mentor_of(pair),
    )
    _cal, moved = _vevent((await env.client.get(url, headers=env.mentee_of(pair))).content)
    assert (str(moved["uid"]), int(moved["sequence"]), moved.decoded("dtstart")) == (
        uid,
        1,
        later,
    )

    await env.client.post(f"/api/v1/sessions/{sid}/cancel", headers=env.mentee_of(pair))
    coordinator_view = await env.client.get(url, headers=env.coordinator())
    assert coordinator_view.status_code == 200
    cal, cancelled = _vevent(coordinator_view.content)
    assert str(cal["method"]) == "CANCEL"
    assert str(cancelled["status"]) == "CANCELLED"
    assert (str(cancelled["uid"]), int(cancelled["sequence"])) == (uid, 2)

    other_tenant = bearer(env.token(uuid4(), "coordinator", sub="c"))
    assert (await env.client.get(url, headers=other_tenant)).status_code == 404
    assert (await env.client.get(url, headers=env.analyst())).status_code == 403


async def test_topics_are_the_ministrys_own_list(env: SessionsEnv) -> None:
    await env.add_topics("onboarding", "career")
    again = await env.client.post(
        "/api/v1/topics",
        json={"code": "career", "label_pl": "Kariera", "label_en": "Career"},
        headers=env.coordinator(),
    )
    assert again.status_code == 409
    pair = await env.seed_pair()
    by_member = await env.client.post(
        "/api/v1/topics",
        json={"code": "x", "label_pl": "X", "label_en": "X"},
        headers=env.mentee_of(pair),
    )
    assert by_member.status_code == 403
    renamed = await env.client.patch(
        "/api/v1/topics/career", json={"label_pl": "Rozwój kariery"}, headers=env.coordinator()
    )
    assert renamed.json()["label_pl"] == "Rozwój kariery"
    assert (
        await env.client.delete("/api/v1/topics/career", headers=env.coordinator())
    ).status_code == 204
    listed = await env.client.get("/api/v1/topics", headers=env.mentee_of(pair))
    assert [t["code"] for t in listed.json()] == ["onboarding"]
    retired = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions/log",
        json=_log_body(topics=["career"]),
        headers=env.mentee_of(pair),
    )
    assert retired.status_code == 422
    elsewhere = await env.client.get(
        "/api/v1/topics", headers=bearer(env.token(uuid4(), "mentee", sub=str(uuid4())))
    )
    assert elsewhere.json() == []


async def test_a_nul_character_is_a_clear_422_and_changes_nothing(env: SessionsEnv) -> None:
    """Postgres cannot store U+0000 in text; a request carrying one is the client's error (a
    problem body that says where), not a 500, and nothing of it is written."""
    await env.add_topics("career")
    before = await env.count("select count(*) from topic where tenant_id = $1", env.tenant)
    created = await env.client.post(
        "/api/v1/topics",
        json={"code": "nul", "label_pl": "Zła\u0000etykieta", "label_en": "Bad"},
        headers=env.coordinator(),
    )
    renamed = await env.client.patch(
        "/api/v1/topics/career", json={"label_en": "Ca\u0000reer"}, headers=env.coordinator()
    )
    in_path = await env.client.patch(
        "/api/v1/topics/ca%00reer", json={"label_en": "Career"}, headers=env.coordinator()
    )
    for response, where in ((created, "body"), (renamed, "body"), (in_path, "path")):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "urn:mentoring:problem:invalid_input"
        assert "U+0000" in body["detail"]
        assert body["errors"][0]["location"] == [where]
    assert await env.count("select count(*) from topic where tenant_id = $1", env.tenant) == before
    listed = await env.client.get("/api/v1/topics", headers=env.coordinator())
    assert [(t["code"], t["label_en"]) for t in listed.json()] == [("career", "Topic career")]


async def test_openapi_and_asyncapi_describe_the_service(env: SessionsEnv) -> None:
    openapi = await env.client.get("/openapi.json")
    assert openapi.status_code == 200
    paths = openapi.json()["paths"]
    assert "/api/v1/pairs/{pair_id}/sessions/log" in paths
    assert "/api/v1/sessions/{session_id}/notes" in paths
    asyncapi = await env.client.get("/asyncapi.json")
    assert asyncapi.status_code == 200
    document = json.dumps(asyncapi.json())
    for event_type in ("sessions.session_logged.v1", "matching.pair_created.v1"):
        assert event_type in document
