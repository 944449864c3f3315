"""Private notes are seen by the pair's two members only: coordinators, analysts, other members
of the ministry and other tenants get 404 for them, and they appear in no list, export, file,
figure or event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tests.conftest import bearer
from tests.integration.sessions.conftest import SessionsEnv


async def test_notes_reach_the_pair_and_no_one_else(env: SessionsEnv) -> None:
    pair = await env.seed_pair()
    await env.add_topics("career")
    mentee_note = f"mentee-secret-{uuid4().hex}"
    mentor_note = f"mentor-secret-{uuid4().hex}"
    comment = f"comment-secret-{uuid4().hex}"
    secrets = (mentee_note, mentor_note, comment)

    logged = await env.client.post(
        f"/api/v1/pairs/{pair.id}/sessions/log",
        json={
            "held_at": (datetime.now(UTC) - timedelta(hours=5)).isoformat(),
            "duration_minutes": 60,
            "topics": ["career"],
            "notes": mentee_note,
        },
        headers=env.mentee_of(pair),
    )
    assert logged.status_code == 201
    sid = logged.json()["id"]
    written = await env.client.put(
        f"/api/v1/sessions/{sid}/notes", json={"body": mentor_note}, headers=env.mentor_of(pair)
    )
    assert written.status_code == 200
    feedback = await env.client.post(
        f"/api/v1/sessions/{sid}/feedback",
        json={"rating": 4, "fit_check": True, "comment": comment},
        headers=env.mentee_of(pair),
    )
    assert feedback.status_code == 201
    assert feedback.json()["comment"] == comment  # its author sees it

    notes_url = f"/api/v1/sessions/{sid}/notes"
    for member in (env.mentee_of(pair), env.mentor_of(pair)):
        seen = await env.client.get(notes_url, headers=member)
        assert seen.status_code == 200
        assert {n["body"] for n in seen.json()} == {mentee_note, mentor_note}

    outsiders = {
        "coordinator": env.coordinator(),
        "analyst": env.analyst(),
        "another member of the ministry": env.member(uuid4(), "mentor"),
        "the mentee, in another tenant": bearer(
            env.token(uuid4(), "mentee", sub=str(pair.mentee_id))
        ),
        "a coordinator of another tenant": bearer(env.token(uuid4(), "coordinator", sub="x")),
        "a platform admin": bearer(env.token(env.tenant, "platform_admin", sub="root")),
    }
    for who, headers in outsiders.items():
        read = await env.client.get(notes_url, headers=headers)
        assert read.status_code == 404, who
        write = await env.client.put(notes_url, json={"body": "x"}, headers=headers)
        assert write.status_code == 404, who

    reads = {
        "session (member)": ("GET", f"/api/v1/sessions/{sid}", env.mentor_of(pair)),
        "session (coordinator)": ("GET", f"/api/v1/sessions/{sid}", env.coordinator()),
        "list (member)": ("GET", "/api/v1/sessions", env.mentee_of(pair)),
        "list (coordinator)": ("GET", "/api/v1/sessions", env.coordinator()),
        "pair sessions": ("GET", f"/api/v1/sessions?pair_id={pair.id}", env.coordinator()),
        "pairs": ("GET", "/api/v1/pairs", env.coordinator()),
        "pair": ("GET", f"/api/v1/pairs/{pair.id}", env.mentor_of(pair)),
        "calendar": ("GET", f"/api/v1/sessions/{sid}/calendar.ics", env.mentee_of(pair)),
        "feedback (partner)": ("GET", f"/api/v1/sessions/{sid}/feedback", env.mentor_of(pair)),
        "feedback (coordinator)": ("GET", f"/api/v1/sessions/{sid}/feedback", env.coordinator()),
        "export": ("GET", "/api/v1/exports/sessions.csv", env.coordinator()),
        "figures": ("GET", "/api/v1/stats", env.analyst()),
    }
    for what, (method, url, headers) in reads.items():
        response = await env.client.request(method, url, headers=headers)
        assert response.status_code == 200, (what, response.text)
        assert not any(s in response.text for s in secrets), what
    export = (await env.client.get("/api/v1/exports/sessions.csv", headers=env.coordinator())).text
    assert sid in export

    rows = await env.db.fetch(
        "select headers::text || payload::text as wire from outbox_message where tenant_id = $1",
        env.tenant,
    )
    assert len(rows) == 2  # session_logged, feedback_submitted
    assert not any(s in r["wire"] for r in rows for s in secrets)
