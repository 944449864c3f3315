"""The whole journey across the four services, through the real broker and the real Postgres.

A ministry is provisioned and its org imported; five mentors and five mentees enrol; a round
matches them; both sides accept; the pairs reach sessions; one pair signs its agreement and
schedules a session (the invitation with its .ics arrives over SMTP); every pair logs a session
and rates it; the figures appear in the dashboard JSON. Then time moves on (analytics' clock):
no session for more than the programme's one day of `inactivity_days`, so each pair is reported
inactive, matching flags it and the members are nudged by e-mail and in the app.

Beside it, an outside subscriber (a bare aiokafka consumer) must have received every event the
services put in their outboxes, each a valid binary-mode CloudEvent, in sequence per aggregate;
and a registered webhook receives signed deliveries (verified with `standardwebhooks`).
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from statistics import fmean
from typing import Any
from uuid import UUID

import asyncpg
import icalendar
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from mentoring.demo.api import poll
from mentoring.demo.eventtap import EventTap
from mentoring.demo.journey import journey
from mentoring.demo.mailbox import invitations, text_of
from mentoring.demo.orgdata import generate
from mentoring.demo.report import Reporter
from mentoring.demo.seed import choose_coordinator, choose_participants, enrolment
from tests.e2e.conftest import System

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
PAIRS = 5
TIMEOUT = 120.0  # generous: a loaded 2-core machine is slow, a quiet one takes seconds


async def test_the_whole_journey(system: System) -> None:
    p = system.platform
    tokens = p.tokens

    # -- a ministry, its org structure, a coordinator, a webhook subscription ------------------
    created = await p.matching.post(
        "/api/v1/tenants",
        {"name": "Ministerstwo Testów Całościowych", "slug": f"e2e-{system.namespace[1:11]}"},
        token=tokens.platform_admin(),
    )
    tenant = UUID(created["id"])
    hr = tokens.mint(tenant, "coordinator", sub="e2e-hr")
    for api in (p.sessions, p.notifications, p.analytics):

        async def known(api: Any = api) -> int:
            r = await api.request("GET", "/api/v1/tenant", token=hr, expect=(200, 404))
            return r.status_code

        await poll(known, lambda s: s == 200, timeout=TIMEOUT, what=f"the tenant in {api.name}")

    subscribable = await p.notifications.get("/api/v1/webhooks/event-types", token=hr)
    hook = await p.notifications.post(
        "/api/v1/webhooks",
        {"url": f"{system.receiver_url}/hooks/hr", "event_types": subscribable},
        token=hr,
    )
    system.receiver.secrets["/hooks/hr"] = hook["secret"]

    ministry = generate(60, seed=7, domain="e2e.gov.pl")
    imported = await p.matching.post(
        "/api/v1/org/import",
        token=hr,
        content=ministry.to_csv().encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported["people_created"] == 60
    people = {
        row["employee_id"]: UUID(row["id"])
        for row in await p.matching.all_pages("/api/v1/org/people", token=hr, limit=500)
    }
    boss = choose_coordinator(ministry)
    coordinator_id = people[boss.employee_id]
    coordinator = tokens.mint(tenant, "coordinator", sub=coordinator_id)

    # -- a programme whose pairs count as inactive after one day without a session -----------
    # It starts next week, so no pulse survey falls due during the test: the database is shared
    # with other deployments (other test modules, `make up`), and their sessions workers' survey
    # scheduler announces any due survey on their own topics, leaving a gap in our sequence.
    today = date.today()
    programme = await p.matching.post(
        "/api/v1/programmes",
        {
            "name": "Program całościowy",
            "starts_on": (today + timedelta(days=7)).isoformat(),
            "ends_on": (today + timedelta(days=187)).isoformat(),
            "mode": "everyone_matched",
            "inactivity_days": 1,
        },
        token=coordinator,
    )
    pid = programme["id"]
    assert programme["coordinator_id"] == str(coordinator_id)

    # -- enrolment, a round, both sides accept ------------------------------------------------
    rng = random.Random(11)
    mentors, mentees = choose_participants(ministry, PAIRS, PAIRS, rng, exclude={boss.employee_id})
    assert len(mentors) == len(mentees) == PAIRS
    unit_name = {u.code: u.name for u in ministry.units}
    for e, role in [(m, "mentor") for m in mentors] + [(m, "mentee") for m in mentees]:
        body = enrolment(e, role, rng, unit_name[e.unit_code]) | {"capacity": 1}
        if role == "mentee":
            body.pop("capacity")
        await p.matching.post(
            f"/api/v1/programmes/{pid}/participants",
            body,
            token=tokens.person(tenant, people[e.employee_id]),
        )
    draft = await p.matching.post(f"/api/v1/programmes/{pid}/rounds", {}, token=coordinator)
    assert draft["proposals"] == PAIRS
    published = await p.matching.post(f"/api/v1/rounds/{draft['id']}/publish", token=coordinator)
    assert published["published"] == PAIRS
    proposed = await p.matching.all_pages(
        "/api/v1/pairs", token=coordinator, params={"programme_id": pid}
    )
    assert {x["status"] for x in proposed} == {"proposed"}
    for pair in proposed:
        for member in (pair["mentee_id"], pair["mentor_id"]):
            await p.matching.post(
                f"/api/v1/pairs/{pair['id']}/accept", token=tokens.person(tenant, UUID(member))
            )
    active = await p.matching.all_pages(
        "/api/v1/pairs", token=coordinator, params={"programme_id": pid, "status": "active"}
    )
    assert len(active) == PAIRS

    async def pairs_in_sessions() -> int:
        page = await p.sessions.get(
            "/api/v1/pairs", token=coordinator, params={"programme_id": pid, "status": "active"}
        )
        return int(page["total"])

    await poll(pairs_in_sessions, lambda n: n == PAIRS, timeout=TIMEOUT, what="pairs in sessions")

    email_of = {people[e.employee_id]: e.email for e in ministry.employees}
    story = active[0]
    pair_id = story["id"]
    mentor, mentee = UUID(story["mentor_id"]), UUID(story["mentee_id"])
    as_mentor, as_mentee = tokens.person(tenant, mentor), tokens.person(tenant, mentee)

    # -- the agreement ------------------------------------------------------------------------
    terms = await p.sessions.put(
        f"/api/v1/pairs/{pair_id}/agreement",
        {
            "goals": "Wdrożenie i pierwsze wystąpienie.",
            "meetings_per_month": 2,
            "session_minutes": 60,
        },
        token=as_mentee,
    )
    for who in (as_mentor, as_mentee):
        await p.sessions.post(
            f"/api/v1/pairs/{pair_id}/agreement/sign", {"revision": terms["revision"]}, token=who
        )
    agreement = await p.sessions.get(f"/api/v1/pairs/{pair_id}/agreement", token=coordinator)
    assert agreement["status"] == "signed"

    # -- a session scheduled: the invitation with its .ics arrives over SMTP ------------------
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    scheduled = await p.sessions.post(
        f"/api/v1/pairs/{pair_id}/sessions",
        {
            "starts_at": starts.isoformat(),
            "duration_minutes": 60,
            "mode": "online",
            "location": "https://spotkania.e2e.gov.pl/abc",
        },
        token=as_mentee,
    )
    invite = await system.mailbox.wait_for(
        email_of[mentor], lambda m: bool(invitations(m)), timeout=TIMEOUT
    )
    [(method, ics)] = invitations(invite)
    assert method == "REQUEST"
    event = next(iter(icalendar.Calendar.from_ical(ics).walk("VEVENT")))
    assert scheduled["id"] in str(event["UID"])
    assert event.decoded("DTSTART") == starts
    download = await p.sessions.request(
        "GET", f"/api/v1/sessions/{scheduled['id']}/calendar.ics", token=as_mentor
    )
    assert str(icalendar.Calendar.from_ical(download.content).walk("VEVENT")[0]["UID"]) == str(
        event["UID"]
    )

    # -- every pair logs a session held three hours ago, and rates it -------------------------
    held = datetime.now(UTC) - timedelta(hours=3)
    ratings: list[int] = []
    topic = "wdrozenie"
    await p.sessions.request(
        "POST",
        "/api/v1/topics",
        token=coordinator,
        json={"code": topic, "label_pl": "Wdrożenie", "label_en": "Onboarding"},
        expect=(201,),
    )
    for n, pair in enumerate(active):
        by_mentee = tokens.person(tenant, UUID(pair["mentee_id"]))
        by_mentor = tokens.person(tenant, UUID(pair["mentor_id"]))
        logged = await p.sessions.post(
            f"/api/v1/pairs/{pair['id']}/sessions/log",
            {
                "held_at": held.isoformat(),
                "duration_minutes": 60,
                "mode": "in_person",
                "topics": [topic],
                "notes": "tylko dla nas",
            },
            token=by_mentee,
        )
        for who, rating, fit in ((by_mentee, 5 - n % 2, True), (by_mentor, 4, None)):
            feedback: dict[str, Any] = {"rating": rating}
            if fit is not None:
                feedback["fit_check"] = fit
            await p.sessions.post(f"/api/v1/sessions/{logged['id']}/feedback", feedback, token=who)
            ratings.append(rating)

    # -- the figures appear in the dashboard JSON ---------------------------------------------
    async def dashboard() -> dict[str, Any]:
        answer: dict[str, Any] = await p.analytics.get(
            "/api/v1/dashboard", token=coordinator, params={"programme_id": pid}
        )
        return answer

    board = await poll(
        dashboard,
        lambda b: (
            b["figures"]["sessions_logged"]["value"] == PAIRS
            and b["figures"]["average_rating"]["value"] == round(fmean(ratings), 4)
        ),
        timeout=TIMEOUT,
        what="the sessions in the dashboard",
    )
    figures = board["figures"]
    assert figures["pairs_started"]["value"] == PAIRS
    assert figures["active_pairs"]["value"] == PAIRS
    assert figures["mentoring_hours"]["value"] == PAIRS
    assert figures["average_rating"]["value"] == round(fmean(ratings), 4)
    assert board["funnel"][1] == {
        "stage": "matched",
        "mentees": {"value": PAIRS, "suppressed": False, "reason": None},
    }

    # -- no session for more than a day: pair inactive, flagged, the nudge arrives ------------
    system.clock.offset = timedelta(days=2)
    try:

        async def flags() -> dict[str, Any]:
            pair = await p.matching.get(f"/api/v1/pairs/{pair_id}", token=coordinator)
            return dict(pair["flags"])

        await poll(flags, lambda f: "inactive" in f, timeout=TIMEOUT, what="the inactive flag")
        nudge = await system.mailbox.wait_for(email_of[mentee], _is_nudge, timeout=TIMEOUT)
        assert text_of(nudge)

        async def inbox() -> list[str]:
            page = await p.notifications.get("/api/v1/me/notifications", token=as_mentee)
            return [item["kind"] for item in page["items"]]

        kinds = await poll(
            inbox, lambda k: "inactivity_nudge" in k, timeout=TIMEOUT, what="the in-app nudge"
        )
        assert {"pair_proposed", "pair_created"} <= set(kinds)
    finally:
        system.clock.offset = timedelta(0)

    # -- the outside subscriber got every event, each a valid CloudEvent ----------------------
    published_ids = await _outbox_ids(system)
    assert published_ids

    def received() -> dict[str, Any]:
        return {dict(r.headers)["ce_id"].decode(): r for r in system.outsider.records}

    await poll(
        _async(received),
        lambda got: published_ids <= set(got),
        timeout=TIMEOUT,
        what="every outbox event at the outside subscriber",
    )
    expected_types = {
        "matching.tenant_provisioned.v1",
        "matching.programme_opened.v1",
        "matching.participant_enrolled.v1",
        "matching.round_completed.v1",
        "matching.pair_proposed.v1",
        "matching.pair_created.v1",
        "matching.pair_flagged.v1",
        "sessions.agreement_signed.v1",
        "sessions.session_scheduled.v1",
        "sessions.session_logged.v1",
        "sessions.feedback_submitted.v1",
        "notifications.notification_sent.v1",
        "analytics.pair_inactive.v1",
    }
    assert expected_types <= system.outsider.types()
    nudges = [
        json.loads(r.value)
        for r in system.outsider.records
        if dict(r.headers)["ce_type"] == b"notifications.notification_sent.v1"
        and json.loads(r.value)["kind"] == "inactivity_nudge"
    ]
    assert {(n["recipient_id"], n["channel"]) for n in nudges} >= {(str(mentee), "email")}
    sequences: dict[tuple[str, bytes], list[int]] = defaultdict(list)
    for record in system.outsider.records:
        headers = dict(record.headers)
        _check_cloudevent(record, headers)
        if headers["ce_tenantid"] == str(tenant).encode():
            sequences[(record.topic, record.key)].append(json.loads(record.value)["sequence"])
    for (topic, key), seen in sequences.items():
        assert seen == list(range(1, len(seen) + 1)), (topic, key, seen)

    # -- the webhook received signed deliveries of the journey's events -----------------------
    by_id = received()

    async def hooked() -> set[str]:
        return {
            payload["type"]
            for payload in system.receiver.payloads()
            if payload["tenantid"] == str(tenant)
        }

    await poll(
        hooked,
        lambda types: (
            {"matching.pair_created.v1", "sessions.session_logged.v1", "analytics.pair_inactive.v1"}
            <= types
        ),
        timeout=TIMEOUT,
        what="signed webhook deliveries",
    )
    assert system.receiver.rejected == []
    for headers, payload in system.receiver.accepted.values():
        assert headers["webhook-id"].startswith("msg_")
        assert payload["specversion"] == "1.0"
        original = by_id[payload["id"]]
        assert dict(original.headers)["ce_type"].decode() == payload["type"]
        assert json.loads(original.value) == payload["data"]
    received_by_hook = len([x for x in system.receiver.payloads() if x["tenantid"] == str(tenant)])

    async def sent() -> int:
        page = await p.notifications.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries", token=hr, params={"status": "sent"}
        )
        return int(page["total"])

    await poll(sent, lambda n: n >= received_by_hook, timeout=TIMEOUT, what="sent deliveries")


async def test_the_demo_journey_command_walks_the_same_path(system: System) -> None:
    """`mentoring demo journey` against the in-process services: a ministry of its own, every
    step done, each step's events read back from the broker, the invitation e-mail received."""
    tap = await EventTap(system.platform.kafka_bootstrap, system.namespace).start()
    try:
        result = await journey(
            system.platform,
            Reporter(quiet=True),
            slug=None,
            tap=tap,
            mailbox=system.mailbox,
            timeout=TIMEOUT,
        )
    finally:
        await tap.stop()
    assert len(result.steps) == 10
    assert result.pair_id is not None
    types = {e.type for e in result.events}
    assert {
        "matching.pair_created.v1",
        "sessions.session_scheduled.v1",
        "sessions.session_logged.v1",
        "notifications.notification_sent.v1",
    } <= types
    assert len(result.mail) == 1  # the mentor's invitation, its .ics attached
    assert result.figures["sessions_logged"]["suppressed"] is True  # one pair: two people


NUDGE_SUBJECTS = ("Dawno się nie widzieliście", "It has been a while")  # pl, en templates


def _is_nudge(message: Any) -> bool:
    return str(message["Subject"]).startswith(NUDGE_SUBJECTS)


def _async(fn: Any) -> Any:
    async def probe() -> Any:
        return fn()

    return probe


async def _outbox_ids(system: System) -> set[str]:
    """The id of every event the four services staged in their outboxes for this namespace."""
    ids: set[str] = set()
    for dsn in system.databases.values():
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "select id from outbox_message where topic like $1 and topic not like $2",
                system.namespace + "%",
                "%.participants.profiles",
            )
        finally:
            await conn.close()
        ids |= {str(r["id"]) for r in rows}
    return ids


def _check_cloudevent(record: Any, headers: dict[str, bytes]) -> None:
    text = {k: v.decode() for k, v in headers.items()}
    assert text["ce_specversion"] == "1.0"
    assert UUID(text["ce_id"])
    assert text["ce_source"].startswith("/mentoring/")
    assert text["ce_type"].endswith(".v1")
    assert datetime.fromisoformat(text["ce_time"].replace("Z", "+00:00")).tzinfo is not None
    assert text["ce_subject"] == record.key.decode()
    assert text["ce_dataschema"] == f"urn:mentoring:schema:{text['ce_type']}"
    assert text["content-type"] == "application/json"
    assert TRACEPARENT.match(text["traceparent"])
    event = from_binary_event(KafkaMessage(headers=headers, key=record.key, value=record.value))
    assert event.get_type() == text["ce_type"]
    assert event.get_extension("tenantid") == text["ce_tenantid"]
    data = event.get_data()
    assert isinstance(data, dict)
    assert data["tenant_id"] == text["ce_tenantid"]
    assert data["sequence"] >= 1
