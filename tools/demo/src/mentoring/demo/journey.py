"""The journey, narrated (`mentoring demo journey`): two people go from enrolment to their first
rated session, through the four services, and each step shows its HTTP calls and the events
they caused - read back from Kafka by a plain consumer, as any outside subscriber would.

It runs in a fresh small programme of the demo ministry (or of its own new ministry when there
is no demo ministry, or when asked to). A failed step ends it with an error (exit code 1).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from rich.markup import escape

from mentoring.demo.api import Platform, poll
from mentoring.demo.eventtap import EventTap, Seen
from mentoring.demo.mailbox import Mailbox, invitations
from mentoring.demo.orgdata import generate
from mentoring.demo.report import Reporter
from mentoring.demo.seed import find_demo_tenant
from mentoring.demo.vocabulary import SESSION_TOPICS

SENIOR = ("Ekspert", "Główny specjalista", "Starszy specjalista")
JUNIOR = ("Stażysta", "Referent", "Starszy referent", "Specjalista")
MENTOR_SKILLS = {"komunikacja": 5, "zarządzanie projektami": 4, "legislacja": 4, "przywództwo": 4}
MENTEE_GOALS = {"komunikacja": 3, "zarządzanie projektami": 3, "wdrożenie w pracę urzędu": 4}


@dataclass
class JourneyResult:
    tenant_id: UUID | None = None
    programme_id: UUID | None = None
    pair_id: UUID | None = None
    session_ids: list[UUID] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    events: list[Seen] = field(default_factory=list)
    mail: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


class _Journey:
    def __init__(
        self,
        platform: Platform,
        report: Reporter,
        tap: EventTap | None,
        mailbox: Mailbox | None,
        timeout: float,
    ) -> None:
        self.p = platform
        self.r = report
        self.tap = tap
        self.mailbox = mailbox
        self.timeout = timeout
        self.result = JourneyResult()
        self.shown: set[tuple[str, int, int]] = set()
        self.number = 0
        self.in_demo = False  # in the demo ministry (else in a new one of its own)

    # -- narration -----------------------------------------------------------------------------

    def step(self, title: str) -> None:
        self.number += 1
        self.result.steps.append(title)
        self.r.say(f"\n[bold]{self.number}. {escape(title)}[/bold]")

    def call(self, service: str, method: str, path: str, status: int) -> None:
        shown = re.sub(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            lambda m: m.group(0)[:8] + "…",
            path,
        )
        colour = "green" if status < 400 else "red"
        self.r.say(
            f"   [cyan]→[/cyan] {method:5} {service:13} {shown} [{colour}]{status}[/{colour}]"
        )

    def note(self, text: str) -> None:
        self.r.say(f"     [dim]{escape(text)}[/dim]")

    async def event(
        self, event_type: str, where: Callable[[Seen], bool] = lambda _e: True, count: int = 1
    ) -> list[Seen]:
        """Wait for the event(s) on Kafka and show them (nothing to show without a tap)."""
        if self.tap is None:
            return []
        found = await self.tap.wait_for(event_type, where, count=count, timeout=self.timeout)
        for e in found:
            mark = (e.topic, e.partition, e.offset)
            if mark in self.shown:
                continue
            self.shown.add(mark)
            self.result.events.append(e)
            self.r.say(
                f"   [magenta]←[/magenta] {e.type:38} [dim]on {e.topic}, key {e.key[:8]}…, "
                f"sequence {e.data.get('sequence')}, partition {e.partition} "
                f"offset {e.offset}[/dim]"
            )
        return found

    # -- the ministry --------------------------------------------------------------------------

    async def ministry(self, slug: str | None) -> tuple[UUID, UUID | None]:
        """The demo ministry (tenant, coordinator) or a new small one."""
        tenant = await find_demo_tenant(self.p, slug) if slug else None
        if tenant is not None:
            self.in_demo = True
            self.step(f"In the demo ministry {tenant.name!r}, a coordinator opens a programme")
            return tenant.tenant_id, tenant.coordinator_id
        self.step("A platform admin provisions a small ministry and imports its org structure")
        admin = self.p.tokens.platform_admin()
        suffix = uuid4().hex[:8]
        created = await self.p.matching.post(
            "/api/v1/tenants",
            {"name": f"Ministerstwo Ścieżki ({suffix})", "slug": f"journey-{suffix}"},
            token=admin,
        )
        tenant_id = UUID(created["id"])
        await self.event("matching.tenant_provisioned.v1", lambda e: e.key == str(tenant_id))
        org = generate(40, seed=random.randrange(1_000_000), domain=f"journey-{suffix}.gov.pl")
        hr = self.p.tokens.mint(tenant_id, "coordinator", sub="journey-hr")
        summary = await self.p.matching.post(
            "/api/v1/org/import",
            token=hr,
            content=org.to_csv().encode(),
            headers={"Content-Type": "text/csv"},
        )
        self.note(f"{summary['people_created']} people in {summary['units_created']} units")
        people = await self.p.matching.get("/api/v1/org/people", token=hr, params={"limit": 1})
        coordinator = UUID(people["items"][0]["id"])
        for api in (self.p.sessions, self.p.notifications, self.p.analytics):

            async def known(api: Any = api) -> int:
                r = await api.request("GET", "/api/v1/tenant", token=hr, expect=(200, 404))
                return int(r.status_code)

            await poll(known, lambda s: s == 200, timeout=self.timeout, what=f"{api.name} tenant")
        self.note("sessions, notifications and analytics know the ministry (tenant_provisioned)")
        return tenant_id, coordinator

    # -- the walk ------------------------------------------------------------------------------

    async def run(self, slug: str | None) -> JourneyResult:
        tenant, coordinator_id = await self.ministry(slug)
        self.result.tenant_id = tenant
        coordinator = self.p.tokens.mint(
            tenant, "coordinator", sub=coordinator_id or "journey-coordinator"
        )
        before = await self.sessions_logged(coordinator, None) if self.in_demo else None
        today = datetime.now(UTC).date()
        programme = await self.p.matching.post(
            "/api/v1/programmes",
            {
                "name": f"Ścieżka demonstracyjna {datetime.now(UTC):%Y-%m-%d %H:%M:%S}",
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=180)).isoformat(),
                "mode": "everyone_matched",
            },
            token=coordinator,
        )
        pid = UUID(programme["id"])
        self.result.programme_id = pid
        await self.event("matching.programme_opened.v1", lambda e: e.key == str(pid))

        people = await self.p.matching.all_pages("/api/v1/org/people", token=coordinator, limit=500)
        rng = random.Random()
        seniors = [p for p in people if p["position"] in SENIOR and p["id"] != str(coordinator_id)]
        juniors = [p for p in people if p["position"] in JUNIOR and p["id"] != str(coordinator_id)]
        mentor_p = rng.choice(seniors or people)
        mentee_p = rng.choice([p for p in (juniors or people) if p["id"] != mentor_p["id"]])
        mentor, mentee = UUID(mentor_p["id"]), UUID(mentee_p["id"])
        as_mentor = self.p.tokens.person(tenant, mentor)
        as_mentee = self.p.tokens.person(tenant, mentee)

        self.step(
            f"{mentor_p['display_name']} ({mentor_p['position']}) enrols as a mentor, "
            f"{mentee_p['display_name']} ({mentee_p['position']}) as a mentee"
        )
        base = {"consent": True, "consent_version": "zgoda-2026-01", "languages": ["pl", "en"]}
        await self.p.matching.post(
            f"/api/v1/programmes/{pid}/participants",
            {**base, "role": "mentor", "skills": MENTOR_SKILLS, "seniority": 12, "capacity": 1},
            token=as_mentor,
        )
        await self.p.matching.post(
            f"/api/v1/programmes/{pid}/participants",
            {**base, "role": "mentee", "goals": MENTEE_GOALS, "seniority": 1},
            token=as_mentee,
        )
        await self.event(
            "matching.participant_enrolled.v1", lambda e: e.key in (str(mentor), str(mentee)), 2
        )
        self.note(
            "their contact profiles go to the compacted topic mentoring.participants.profiles"
        )

        self.step("The coordinator runs a matching round, reviews the draft and publishes it")
        draft = await self.p.matching.post(
            f"/api/v1/programmes/{pid}/rounds", {}, token=coordinator
        )
        proposals = await self.p.matching.get(
            f"/api/v1/rounds/{draft['id']}/proposals", token=coordinator
        )
        if not proposals["items"]:
            raise RuntimeError("the round proposed no pair")
        proposal = proposals["items"][0]
        why = ", ".join(
            f"{c['criterion']} {c['contribution']:.1f}" for c in proposal["explanation"]
        )
        self.note(f"proposal score {proposal['score']:.1f} ({why})")
        await self.p.matching.post(f"/api/v1/rounds/{draft['id']}/publish", token=coordinator)
        pairs = await self.p.matching.get(
            "/api/v1/pairs", token=coordinator, params={"programme_id": str(pid)}
        )
        pair = UUID(pairs["items"][0]["id"])
        self.result.pair_id = pair
        await self.event("matching.pair_proposed.v1", lambda e: e.key == str(pair))
        await self.event("matching.round_completed.v1", lambda e: e.key == draft["id"])
        self.note("notifications tells both of them about the proposal (in-app and e-mail)")

        self.step("Both accept: the pair is created")
        await self.p.matching.post(f"/api/v1/pairs/{pair}/accept", token=as_mentee)
        await self.p.matching.post(f"/api/v1/pairs/{pair}/accept", token=as_mentor)
        await self.event("matching.pair_created.v1", lambda e: e.key == str(pair))

        async def sessions_knows() -> int:
            r = await self.p.sessions.request(
                "GET", f"/api/v1/pairs/{pair}", token=as_mentee, expect=(200, 404)
            )
            return int(r.status_code)

        await poll(sessions_knows, lambda s: s == 200, timeout=self.timeout, what="the pair")
        self.note("the sessions service has the pair (it consumed pair_created)")

        self.step("They agree on how they will work together and both sign")
        agreement = await self.p.sessions.put(
            f"/api/v1/pairs/{pair}/agreement",
            {
                "goals": "Wdrożenie w pracę ministerstwa i pewność w rozmowach z interesariuszami",
                "meetings_per_month": 2,
                "session_minutes": 60,
            },
            token=as_mentee,
        )
        for token in (as_mentor, as_mentee):
            await self.p.sessions.post(
                f"/api/v1/pairs/{pair}/agreement/sign",
                {"revision": agreement["revision"]},
                token=token,
            )
        await self.event("sessions.agreement_signed.v1", lambda e: e.key == str(pair))

        self.step("The mentee schedules their next session: an invitation with an .ics goes out")
        starts = (datetime.now(UTC) + timedelta(days=7)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        scheduled = await self.p.sessions.post(
            f"/api/v1/pairs/{pair}/sessions",
            {
                "starts_at": starts.isoformat(),
                "duration_minutes": 60,
                "mode": "online",
                "location": "https://spotkania.example.gov.pl/mentoring",
            },
            token=as_mentee,
        )
        self.result.session_ids.append(UUID(scheduled["id"]))
        cause = await self.event("sessions.session_scheduled.v1", lambda e: e.key == str(pair))
        ics = await self.p.sessions.request(
            "GET", f"/api/v1/sessions/{scheduled['id']}/calendar.ics", token=as_mentor
        )
        for line in ics.text.splitlines():
            if line.split(":", 1)[0] in ("METHOD", "UID", "SEQUENCE", "DTSTART", "SUMMARY"):
                self.note(line)
        await self.mail(mentor_p["email"], cause[0].headers.get("ce_id") if cause else None)

        self.step("They had already met yesterday: the mentee logs that session")
        held = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        topics = await self.p.sessions.get("/api/v1/topics", token=as_mentee)
        if not topics:
            code, pl, en = SESSION_TOPICS[0]
            await self.p.sessions.post(
                "/api/v1/topics", {"code": code, "label_pl": pl, "label_en": en}, token=coordinator
            )
            topics = [{"code": code}]
        logged = await self.p.sessions.post(
            f"/api/v1/pairs/{pair}/sessions/log",
            {
                "held_at": held.isoformat(),
                "duration_minutes": 60,
                "mode": "in_person",
                "topics": [topics[0]["code"]],
                "notes": "Prywatna notatka: widoczna tylko dla nas dwojga.",
            },
            token=as_mentee,
        )
        self.result.session_ids.append(UUID(logged["id"]))
        await self.event(
            "sessions.session_logged.v1", lambda e: e.data.get("session_id") == logged["id"]
        )
        self.note("the private note stays in sessions: no event, figure or export carries it")

        self.step("Both rate the session; the mentee answers the fit check (a good match)")
        await self.p.sessions.post(
            f"/api/v1/sessions/{logged['id']}/feedback",
            {"rating": 5, "fit_check": True, "comment": "Bardzo konkretna rozmowa."},
            token=as_mentee,
        )
        await self.p.sessions.post(
            f"/api/v1/sessions/{logged['id']}/feedback", {"rating": 4}, token=as_mentor
        )
        await self.event(
            "sessions.feedback_submitted.v1",
            lambda e: e.data.get("session_id") == logged["id"],
            2,
        )

        self.step("The coordinator's dashboard counts the session")
        await self.figures(coordinator, pid, before)

        self.step("The mentee's in-app inbox")
        inbox = await self.p.notifications.get(
            "/api/v1/me/notifications", token=as_mentee, params={"limit": 10}
        )
        for item in inbox["items"]:
            self.note(f"[{item['kind']}] {item['subject']}")
        return self.result

    async def mail(self, address: str, cause_id: str | None) -> None:
        if self.mailbox is None:
            self.note(
                "the mentor gets it by e-mail with the .ics attached (run `mentoring demo "
                "mailbox` to see e-mails; nothing listened on the SMTP port now)"
            )
            return

        def invitation(m: Any) -> bool:
            return any(b"UID" in body for _method, body in invitations(m))

        message = await self.mailbox.wait_for(address, invitation, timeout=self.timeout)
        [(method, body)] = invitations(message)[:1]
        self.result.mail.append(str(message["Subject"]))
        self.r.say(f"   [yellow]✉[/yellow] to {address}: {escape(str(message['Subject']))}")
        self.note(f"attachment text/calendar; method={method}, {len(body)} bytes")
        await self.event(
            "notifications.notification_sent.v1",
            lambda e: e.data.get("channel") == "email" and e.data.get("cause_event_id") == cause_id,
        )

    async def sessions_logged(self, coordinator: str, programme: UUID | None) -> float | None:
        """The figure over the whole ministry (programme None), None when withheld."""
        params = {"programme_id": str(programme)} if programme else {}
        board = await self.p.analytics.get("/api/v1/dashboard", token=coordinator, params=params)
        value = board["figures"].get("sessions_logged", {}).get("value")
        return float(value) if value is not None else None

    async def figures(self, coordinator: str, programme: UUID, before: float | None) -> None:
        params = {"programme_id": str(programme)}

        async def board() -> dict[str, Any]:
            answer: dict[str, Any] = await self.p.analytics.get(
                "/api/v1/dashboard", token=coordinator, params=params
            )
            return answer

        def counted(b: dict[str, Any]) -> bool:
            """The session and its ratings are in (a figure withheld is one computed)."""
            return all(
                b["figures"].get(name, {}).get("suppressed")
                or (b["figures"].get(name, {}).get("value") or 0) > 0
                for name in ("sessions_logged", "average_rating")
            )

        found = await poll(board, counted, timeout=self.timeout, what="the session in analytics")
        self.result.figures = found["figures"]
        for name in ("pairs_started", "active_pairs", "sessions_logged", "average_rating"):
            v = found["figures"].get(name, {})
            shown = "withheld: fewer than 5 people" if v.get("suppressed") else v.get("value")
            self.note(f"{name}: {shown}")
        self.note(
            "one pair is two people: analytics withholds any figure computed from fewer than 5"
        )
        if before is not None:
            after = await poll(
                lambda: self.sessions_logged(coordinator, None),
                lambda v: v is not None and v > before,
                timeout=self.timeout,
                what="the session in the ministry's figures",
            )
            self.note(f"the whole ministry: sessions_logged {before:g} -> {after:g}")


async def journey(
    platform: Platform,
    report: Reporter,
    *,
    slug: str | None,
    tap: EventTap | None = None,
    mailbox: Mailbox | None = None,
    timeout: float = 90.0,
) -> JourneyResult:
    """Walk the journey; raises on the first step that fails."""
    walk = _Journey(platform, report, tap, mailbox, timeout)
    platform.observe(walk.call)
    began = time.monotonic()
    try:
        result = await walk.run(slug)
    finally:
        platform.observe(None)
    report.say(
        f"\n[green]The journey took {time.monotonic() - began:.1f} s: "
        f"{len(result.steps)} steps, {len(result.events)} events seen on Kafka.[/green]"
    )
    return result
