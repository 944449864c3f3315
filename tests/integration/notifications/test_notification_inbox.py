"""A person's side: the in-app inbox over HTTP (list, unread filter, mark read, mark all read,
private to its owner and tenant), preferences (no e-mail, quiet hours, the daily digest), and
erasure: a tombstone on the profile topic removes the contact and everything sent to them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from mentoring.contracts.events import matching
from mentoring.kit.testing import eventually
from mentoring.notifications.bootstrap import build_api
from tests.conftest import bearer
from tests.integration.notifications.conftest import (
    Ministry,
    NotifyEnv,
    Person,
    body_of,
    settle,
)


def _proposal(m: Ministry, mentor: Person, mentee: Person) -> Any:
    return m.event(
        matching.PairProposed,
        pair_id=uuid4(),
        programme_id=m.programme_id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        score=0.7,
    )


async def test_the_inbox_lists_marks_read_and_stays_private(
    notify: NotifyEnv, api_client: Callable[..., Any], token: Callable[..., str]
) -> None:
    api = await api_client(build_api(notify.settings))
    m = notify.ministry()
    mentor, mentee = m.person("Wanda Rutkowska"), m.person("Kamil Jabłoński", "en")
    await m.profiles(mentor, mentee)
    await m.open_programme(None, name="Ścieżka ekspertów")
    await notify.publish(_proposal(m, mentor, mentee))
    await notify.publish(_proposal(m, mentor, mentee))
    await m.wait_notifications(4)
    me = bearer(token(m.tenant, "mentor", sub=str(mentor.id)))

    page = (await api.get("/api/v1/me/notifications", headers=me)).json()
    assert (page["total"], page["unread"], len(page["items"])) == (2, 2, 2)
    first = page["items"][0]
    assert first["kind"] == "pair_proposed"
    assert first["subject"] == "Propozycja pary mentoringowej: Ścieżka ekspertów"
    assert "Druga osoba w parze: Kamil Jabłoński" in first["body"]
    assert first["locale"] == "pl"
    assert first["read_at"] is None
    theirs = (
        await api.get(
            "/api/v1/me/notifications",
            headers=bearer(token(m.tenant, "mentee", sub=str(mentee.id))),
        )
    ).json()
    assert theirs["items"][0]["subject"] == "Mentoring pair proposal: Ścieżka ekspertów"

    paged = (await api.get("/api/v1/me/notifications?limit=1&offset=1", headers=me)).json()
    assert [i["id"] for i in paged["items"]] == [page["items"][1]["id"]]

    read = await api.post(f"/api/v1/me/notifications/{first['id']}/read", headers=me)
    assert read.status_code == 200, read.text
    assert read.json()["read_at"] is not None
    unread = (await api.get("/api/v1/me/notifications?unread=true", headers=me)).json()
    assert (unread["total"], unread["unread"]) == (1, 1)
    assert [i["id"] for i in unread["items"]] == [page["items"][1]["id"]]

    # someone else's notification: 404 for another person and for another tenant
    other = bearer(token(m.tenant, "mentee", sub=str(mentee.id)))
    assert (
        await api.post(f"/api/v1/me/notifications/{first['id']}/read", headers=other)
    ).status_code == 404
    elsewhere = bearer(token(uuid4(), "mentor", sub=str(mentor.id)))
    assert (await api.get("/api/v1/me/notifications", headers=elsewhere)).json()["total"] == 0
    assert (
        await api.post(f"/api/v1/me/notifications/{first['id']}/read", headers=elsewhere)
    ).status_code == 404
    not_a_person = bearer(token(m.tenant, "coordinator", sub="service-account"))
    assert (await api.get("/api/v1/me/notifications", headers=not_a_person)).status_code == 403

    marked = await api.post("/api/v1/me/notifications/read-all", headers=me)
    assert marked.json() == {"marked": 1}
    after = (await api.get("/api/v1/me/notifications", headers=me)).json()
    assert (after["total"], after["unread"]) == (2, 0)


async def test_preferences_no_email_and_quiet_hours(
    notify: NotifyEnv, api_client: Callable[..., Any], token: Callable[..., str]
) -> None:
    api = await api_client(build_api(notify.settings))
    m = notify.ministry()
    mentor, mentee = m.person("Julia Kaczmarek"), m.person("Oskar Piotrowski")
    await m.profiles(mentor, mentee)
    mentee_auth = bearer(token(m.tenant, "mentee", sub=str(mentee.id)))
    mentor_auth = bearer(token(m.tenant, "mentor", sub=str(mentor.id)))

    defaults = (await api.get("/api/v1/me/preferences", headers=mentee_auth)).json()
    assert defaults["channels"] == ["in_app", "email"]
    assert defaults["quiet_hours"] is None
    assert defaults["digest"] is False
    off = await api.put(
        "/api/v1/me/preferences", json={"channels": ["in_app"]}, headers=mentee_auth
    )
    assert off.status_code == 200, off.text

    warsaw = ZoneInfo("Europe/Warsaw")
    now = datetime.now(warsaw)
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=1)).strftime("%H:%M")
    quiet = await api.put(
        "/api/v1/me/preferences",
        json={"quiet_hours": {"start": start, "end": end}, "timezone": "Europe/Warsaw"},
        headers=mentor_auth,
    )
    assert quiet.status_code == 200, quiet.text
    assert quiet.json()["quiet_hours"] == {"start": f"{start}:00", "end": f"{end}:00"}
    bad = await api.put(
        "/api/v1/me/preferences", json={"timezone": "Mars/Olympus"}, headers=mentor_auth
    )
    assert bad.status_code == 422

    await notify.publish(_proposal(m, mentor, mentee))
    await m.wait_notifications(2)  # in-app is always on

    async def deliveries() -> dict[UUID, Any]:
        rows = await notify.db.fetch(
            "select recipient_id, status, next_attempt_at, attempts from delivery "
            "where tenant_id = $1",
            m.tenant,
        )
        return {r["recipient_id"]: r for r in rows}

    decided = await eventually(
        deliveries,
        until=lambda d: (
            mentor.id in d
            and d[mentor.id]["next_attempt_at"] > datetime.now(UTC) + timedelta(minutes=30)
        ),
        what="the e-mails decided by the preferences",
    )
    # the mentee chose no e-mail: none is even queued; the mentor's waits for the quiet hours
    assert mentee.id not in decided
    waiting = decided[mentor.id]
    assert (waiting["status"], waiting["attempts"]) == ("pending", 0)
    assert waiting["next_attempt_at"].astimezone(warsaw).strftime("%H:%M") == end
    await settle(1.0)
    assert notify.mail.to(mentor.email) == []
    assert notify.mail.to(mentee.email) == []


async def test_the_daily_digest_collects_the_days_emails(
    notify: NotifyEnv, api_client: Callable[..., Any], token: Callable[..., str]
) -> None:
    api = await api_client(build_api(notify.settings))
    m = notify.ministry()
    mentor, mentee = m.person("Dorota Wróbel"), m.person("Filip Sikora")
    await m.profiles(mentor, mentee)
    auth = bearer(token(m.tenant, "mentor", sub=str(mentor.id)))
    on = await api.put(
        "/api/v1/me/preferences", json={"digest": True, "digest_time": "18:30"}, headers=auth
    )
    assert on.status_code == 200, on.text
    await notify.publish(_proposal(m, mentor, mentee))
    await notify.publish(_proposal(m, mentor, mentee))
    await m.wait_notifications(4)
    await notify.mail_to(mentee.email, count=2)  # the mentee gets each e-mail at once
    digest_rows = await eventually(
        lambda: notify.db.fetch(
            "select delivery_id, next_attempt_at from delivery where recipient_id = $1 and digest",
            mentor.id,
        ),
        until=lambda rows: len(rows) == 2,
        what="the mentor's e-mails collected for the digest",
    )
    local = {r["next_attempt_at"].astimezone(ZoneInfo("Europe/Warsaw")) for r in digest_rows}
    assert {t.strftime("%H:%M") for t in local} == {"18:30"}
    assert notify.mail.to(mentor.email) == []

    # the digest time comes
    await notify.db.execute(
        "update delivery set next_attempt_at = now() where recipient_id = $1 and digest", mentor.id
    )
    [digest] = await notify.mail_to(mentor.email)
    assert digest["Subject"] == "Podsumowanie dnia: 2 powiadomienia"
    text = body_of(digest)
    assert text.count("Propozycja pary mentoringowej") == 2
    await settle(1.0)
    assert len(notify.mail.to(mentor.email)) == 1
    statuses = await notify.db.fetch(
        "select status from delivery where recipient_id = $1 and digest", mentor.id
    )
    assert [r["status"] for r in statuses] == ["sent", "sent"]


async def test_a_tombstone_erases_the_contact_and_what_was_sent_to_them(
    notify: NotifyEnv,
) -> None:
    m = notify.ministry()
    mentor, mentee = m.person("Stefan Czerwiński"), m.person("Natalia Duda")
    await m.profiles(mentor, mentee)
    await notify.db.execute(
        "insert into preference (person_id, tenant_id, digest) values ($1, $2, true)",
        mentee.id,
        m.tenant,
    )  # the mentee's e-mail waits in the queue (for the digest) when the erasure comes
    await notify.publish(_proposal(m, mentor, mentee))
    await m.wait_notifications(2)
    queued = await notify.db.fetchval(
        "select count(*) from delivery where recipient_id = $1 and status = 'pending'", mentee.id
    )
    assert queued == 1

    await notify.publish_profile(m.tenant, mentee, erase=True)

    async def gone() -> list[int]:
        return [
            await notify.db.fetchval(f"select count(*) from {table} where {column} = $1", mentee.id)
            for table, column in (
                ("contact", "person_id"),
                ("preference", "person_id"),
                ("notification", "recipient_id"),
                ("delivery", "recipient_id"),
            )
        ]

    await eventually(gone, until=lambda counts: counts == [0, 0, 0, 0], what="the erasure")
    erased = await notify.db.fetchval(
        "select tenant_id from erased_person where person_id = $1", mentee.id
    )
    assert erased == m.tenant
    # the partner's notification stays, and no longer names the erased person
    [kept] = await m.notifications()
    assert kept["recipient_id"] == mentor.id
    assert json.loads(kept["params"])["partner_id"] == str(mentee.id)  # a pseudonymous id only

    # later events about them notify nobody new
    await notify.publish(_proposal(m, mentor, mentee))
    await m.wait_notifications(2)
    await settle()
    assert {r["recipient_id"] for r in await m.notifications()} == {mentor.id}
    assert (
        await notify.db.fetchval("select count(*) from contact where person_id = $1", mentee.id)
        == 0
    )


async def test_participant_erased_event_erases_too(notify: NotifyEnv) -> None:
    m = notify.ministry()
    mentor, mentee = m.person("Roman Jasiński"), m.person("Beata Urban")
    await m.profiles(mentor, mentee)
    await notify.publish(_proposal(m, mentor, mentee))
    await m.wait_notifications(2)
    await notify.publish(m.event(matching.ParticipantErased, participant_id=mentor.id))

    async def mine() -> int:
        return int(
            await notify.db.fetchval(
                "select count(*) from notification where recipient_id = $1", mentor.id
            )
        )

    await eventually(mine, until=lambda n: n == 0, what="the mentor's notifications erased")
    assert (
        await notify.db.fetchval("select count(*) from contact where person_id = $1", mentor.id)
        == 0
    )
    remaining: list[UUID] = [r["recipient_id"] for r in await m.notifications()]
    assert remaining == [mentee.id]
