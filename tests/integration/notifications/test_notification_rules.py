"""Who hears about what, against real events on the real broker: each rule records in-app
notifications for exactly the right people, sends their e-mails through a real SMTP server in
their own language, and announces every send as `notifications.notification_sent.v1`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from icalendar import Calendar

from mentoring.contracts import topics
from mentoring.contracts.events import analytics, matching, sessions
from mentoring.kit.testing import eventually, read_topic
from tests.integration.notifications.conftest import NotifyEnv, body_of, invites_of, settle


def _kinds(rows: list) -> set[tuple[str, str]]:
    return {(str(r["recipient_id"]), r["kind"]) for r in rows}


async def test_pair_proposed_tells_both_members(notify: NotifyEnv) -> None:
    m = notify.ministry()
    mentor, mentee = m.person("Anna Wiśniewska"), m.person("Jan Kowalski")
    await m.profiles(mentor, mentee)
    pair_id = uuid4()
    await notify.publish(
        m.event(
            matching.PairProposed,
            pair_id=pair_id,
            programme_id=m.programme_id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            score=0.87,
        )
    )
    rows = await m.wait_notifications(2)
    assert _kinds(rows) == {(str(mentor.id), "pair_proposed"), (str(mentee.id), "pair_proposed")}
    params = {str(r["recipient_id"]): json.loads(r["params"]) for r in rows}
    assert params[str(mentor.id)]["partner_id"] == str(mentee.id)
    assert params[str(mentee.id)]["role"] == "mentee"
    await notify.mail_to(mentor.email)
    await notify.mail_to(mentee.email)


async def test_pair_created_tells_both_members_and_the_coordinator(notify: NotifyEnv) -> None:
    m = notify.ministry()
    coordinator = m.person("Katarzyna Zając")
    mentor, mentee = m.person("Łukasz Gołębiowski"), m.person("Zofia Nowak", "en")
    await m.profiles(coordinator, mentor, mentee)
    await m.open_programme(coordinator, name="Ścieżka liderów")
    event = m.event(
        matching.PairCreated,
        pair_id=uuid4(),
        programme_id=m.programme_id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        proposed_at=datetime.now(UTC),
    )
    event_id = await notify.publish(event)
    rows = await m.wait_notifications(3)
    assert _kinds(rows) == {
        (str(mentor.id), "pair_created"),
        (str(mentee.id), "pair_created"),
        (str(coordinator.id), "pair_created_coordinator"),
    }
    assert {r["cause_event_id"] for r in rows} == {event_id}

    # Polish for the Polish-speaking mentor, with every diacritic intact in subject and body
    [pl] = await notify.mail_to(mentor.email)
    assert pl["Subject"] == "Wasza para mentoringowa jest gotowa: Ścieżka liderów"
    assert "=?utf-8?" in pl.as_string().split("Subject:", 1)[1].split("\n", 1)[0].lower()
    text = body_of(pl)
    assert "Dzień dobry, Łukasz Gołębiowski!" in text
    assert "tworzysz parę mentoringową z: Zofia Nowak" in text
    html = body_of(pl, "html")
    assert '<html lang="pl">' in html
    assert pl["Content-Language"] == "pl"
    # English for the English-speaking mentee
    [en] = await notify.mail_to(mentee.email)
    assert en["Subject"] == "Your mentoring pair is ready: Ścieżka liderów"
    assert "you and Łukasz Gołębiowski are a mentoring pair" in body_of(en)
    [coord] = await notify.mail_to(coordinator.email)
    coord_text = body_of(coord)
    assert "mentor: Łukasz Gołębiowski" in coord_text
    assert "mentee: Zofia Nowak" in coord_text

    # every send is recorded, on the real topic: one e-mail to each of the three
    async def sent() -> list[dict]:
        records = await read_topic(
            notify.settings.kafka_bootstrap, notify.namespace + topics.NOTIFICATIONS
        )
        out = [json.loads(r.value) for r in records]
        return [e for e in out if e["tenant_id"] == str(m.tenant)]

    events = await eventually(sent, until=lambda e: len(e) >= 3, what="notification_sent events")
    assert sorted((e["recipient_id"], e["channel"]) for e in events) == sorted(
        (str(p.id), "email") for p in (mentor, mentee, coordinator)
    )
    assert {e["notification_id"] for e in events} == {str(r["notification_id"]) for r in rows}
    assert {e["cause_event_id"] for e in events} == {str(event_id)}
    assert {e["attempts"] for e in events} == {1}


async def test_session_scheduled_tells_the_other_member_with_an_invite(notify: NotifyEnv) -> None:
    m = notify.ministry()
    mentor, mentee = m.person("Maria Dąbrowska"), m.person("Piotr Wójcik", "en")
    await m.profiles(mentor, mentee)
    pair_id, session_id = uuid4(), uuid4()
    await notify.publish(
        m.event(
            matching.PairCreated,
            pair_id=pair_id,
            programme_id=m.programme_id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            proposed_at=datetime.now(UTC),
        )
    )
    await m.wait_notifications(2, kind="pair_created")
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    await notify.publish(
        m.event(
            sessions.SessionScheduled,
            pair_id=pair_id,
            programme_id=m.programme_id,
            session_id=session_id,
            starts_at=starts,
            duration_minutes=45,
            mode="online",
            location="https://meet.example.gov.pl/abc",
            scheduled_by=mentor.id,
        )
    )
    [row] = await m.wait_notifications(1, kind="session_scheduled")
    assert row["recipient_id"] == mentee.id  # not the mentor, who scheduled it

    mails = await notify.mail_to(mentee.email, count=2)
    [mail] = [x for x in mails if x["Subject"].startswith("Mentoring session scheduled: ")]
    [(method, ics)] = invites_of(mail)
    assert method == "REQUEST"
    cal = Calendar.from_ical(ics)
    [vevent] = [c for c in cal.walk() if c.name == "VEVENT"]
    assert str(cal["method"]) == "REQUEST"
    assert str(vevent["uid"]) == f"session-{session_id}@mentoring"
    assert vevent.decoded("dtstart") == starts
    attendees = {str(a).removeprefix("mailto:") for a in vevent.get("attendee")}
    assert attendees == {mentor.email, mentee.email}
    assert len(notify.mail.to(mentor.email)) == 1  # only the pair_created e-mail

    # both members get a reminder before the session; it waits in Postgres until then
    reminders = await notify.db.fetch(
        "select recipient_id, due_at, status from reminder where tenant_id = $1", m.tenant
    )
    assert {r["recipient_id"] for r in reminders} == {mentor.id, mentee.id}
    assert {r["due_at"] for r in reminders} == {starts - timedelta(hours=1)}
    assert {r["status"] for r in reminders} == {"pending"}

    # cancelling sends the CANCEL invite to both and cancels the reminders
    await notify.publish(
        m.event(
            sessions.SessionCancelled,
            pair_id=pair_id,
            programme_id=m.programme_id,
            session_id=session_id,
        )
    )
    await m.wait_notifications(2, kind="session_cancelled")
    mails = await notify.mail_to(mentor.email, count=2)
    [cancel] = [x for x in mails if "Odwołano spotkanie" in x["Subject"]]
    [(method, ics)] = invites_of(cancel)
    assert method == "CANCEL"
    assert b"STATUS:CANCELLED" in ics
    statuses = await notify.db.fetch("select status from reminder where tenant_id = $1", m.tenant)
    assert {r["status"] for r in statuses} == {"cancelled"}


async def test_pair_inactive_nudges_both_and_tells_the_coordinator(notify: NotifyEnv) -> None:
    m = notify.ministry()
    coordinator = m.person("Ewa Szymańska")
    mentor, mentee = m.person("Tomasz Lewandowski"), m.person("Agnieszka Kamińska")
    await m.profiles(coordinator, mentor, mentee)
    await m.open_programme(coordinator)
    pair_id = uuid4()
    await notify.publish(
        m.event(
            matching.PairCreated,
            pair_id=pair_id,
            programme_id=m.programme_id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            proposed_at=datetime.now(UTC),
        )
    )
    await m.wait_notifications(3)
    await notify.publish(
        m.event(
            analytics.PairInactive,
            pair_id=pair_id,
            programme_id=m.programme_id,
            inactive_days=32,
            threshold_days=30,
        )
    )
    nudges = await m.wait_notifications(2, kind="inactivity_nudge")
    assert {r["recipient_id"] for r in nudges} == {mentor.id, mentee.id}
    [told] = await m.wait_notifications(1, kind="pair_inactive")
    assert told["recipient_id"] == coordinator.id
    [nudge] = [x for x in await notify.mail_to(mentee.email, count=2) if "czas na" in x["Subject"]]
    assert "32 dni" in body_of(nudge)
    subjects = {x["Subject"] for x in await notify.mail_to(coordinator.email, count=2)}
    assert "Para bez spotkań od 32 dni: Ścieżka liderów" in subjects


async def test_survey_due_reminds_the_participant(notify: NotifyEnv) -> None:
    m = notify.ministry()
    mentee = m.person("Bartosz Żak")
    await m.profiles(mentee)
    await notify.publish(
        m.event(
            sessions.SurveyDue,
            pair_id=uuid4(),
            programme_id=m.programme_id,
            survey_id=uuid4(),
            participant_id=mentee.id,
            instrument="checkin",
            instrument_version="1",
            wave="checkin-1",
            due_at=datetime.now(UTC),
        )
    )
    [row] = await m.wait_notifications(1)
    assert (row["recipient_id"], row["kind"]) == (mentee.id, "survey_due")
    [mail] = await notify.mail_to(mentee.email)
    assert mail["Subject"] == "Prośba o wypełnienie ankiety: ankieta kontrolna"


async def test_round_completed_tells_the_coordinator(notify: NotifyEnv) -> None:
    m = notify.ministry()
    coordinator = m.person("Grzegorz Brzęczyszczykiewicz", "en")
    await m.profiles(coordinator)
    await m.open_programme(coordinator, name="Mentoring for new hires")
    await notify.publish(
        m.event(
            matching.RoundCompleted,
            round_id=uuid4(),
            programme_id=m.programme_id,
            mode="best_quality",
            proposals=41,
            mentees_in_pool=44,
            mentees_unmatched=3,
            total_score=33.2,
        )
    )
    [row] = await m.wait_notifications(1)
    assert (row["recipient_id"], row["kind"]) == (coordinator.id, "round_completed")
    [mail] = await notify.mail_to(coordinator.email)
    assert mail["Subject"] == "Matching round completed: Mentoring for new hires"
    assert "Left unmatched: 3" in body_of(mail)


async def test_the_coordinator_is_found_when_the_programme_arrives_later(notify: NotifyEnv) -> None:
    """Events on different keys may arrive in any order: the coordinator's message waits."""
    m = notify.ministry()
    coordinator = m.person("Helena Górska")
    mentor, mentee = m.person("Adam Mazur"), m.person("Ola Krawczyk")
    await m.profiles(coordinator, mentor, mentee)
    await notify.publish(
        m.event(
            matching.PairCreated,
            pair_id=uuid4(),
            programme_id=m.programme_id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            proposed_at=datetime.now(UTC),
        )
    )
    await m.wait_notifications(2)
    parked = await notify.db.fetchval(
        "select count(*) from parked_intent where tenant_id = $1", m.tenant
    )
    assert parked == 1
    await m.open_programme(coordinator)
    [told] = await m.wait_notifications(1, kind="pair_created_coordinator")
    assert told["recipient_id"] == coordinator.id
    assert (
        await notify.db.fetchval(
            "select count(*) from parked_intent where tenant_id = $1", m.tenant
        )
        == 0
    )


async def test_a_redelivered_event_notifies_once(notify: NotifyEnv) -> None:
    m = notify.ministry()
    mentor, mentee = m.person("Irena Pawlak"), m.person("Marek Zieliński")
    await m.profiles(mentor, mentee)
    event = m.event(
        matching.PairProposed,
        pair_id=uuid4(),
        programme_id=m.programme_id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        score=0.5,
    )
    event_id = await notify.publish(event)
    await notify.publish(event, event_id=event_id)  # the same event again, as a redelivery
    await m.wait_notifications(2)
    await notify.mail_to(mentor.email)
    await notify.publish(event, event_id=event_id)  # and once more after it was processed
    await settle()
    assert len(await m.notifications()) == 2
    assert len(notify.mail.to(mentor.email)) == 1
    assert len(notify.mail.to(mentee.email)) == 1
    deliveries = await notify.db.fetchval(
        "select count(*) from delivery where tenant_id = $1", m.tenant
    )
    assert deliveries == 2


async def test_a_refused_email_is_marked_failed_and_announced(notify: NotifyEnv) -> None:
    m = notify.ministry()
    mentor = m.person("Paweł Nieobecny", mailbox="nobody-")  # the SMTP server answers 550
    mentee = m.person("Lena Obecna")
    await m.profiles(mentor, mentee)
    await notify.publish(
        m.event(
            matching.PairProposed,
            pair_id=uuid4(),
            programme_id=m.programme_id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            score=0.6,
        )
    )
    await notify.mail_to(mentee.email)

    async def refused() -> Any:
        return await notify.db.fetchrow(
            "select delivery_id, notification_id, status, attempts, last_error from delivery "
            "where recipient_id = $1",
            mentor.id,
        )

    row = await eventually(
        refused, until=lambda r: r is not None and r["status"] == "failed", what="a failure"
    )
    assert row["attempts"] == 1  # a permanent refusal is not retried
    assert "550" in row["last_error"]
    failed = await eventually(
        lambda: notify.db.fetchrow(
            "select payload from outbox_message where event_type = $1 "
            "and payload->>'notification_id' = $2",
            "notifications.notification_failed.v1",
            str(row["notification_id"]),
        ),
        what="notification_failed",
    )
    body = json.loads(failed["payload"])
    assert (body["channel"], body["recipient_id"], body["attempts"]) == ("email", str(mentor.id), 1)
    assert "550" in body["error"]
