"""The demo ministry, seeded through the public APIs only (`mentoring demo seed`, run by `make up`).

Idempotent: when the tenant's slug exists, nothing is written. Otherwise: the tenant, its org
structure (a CSV import), a programme that started about six months ago, a few hundred mentors
and mentees enrolling themselves, a matching round and the answers to it, then six months of
pair life logged in the sessions service (agreements, goals, sessions held in the past,
feedback), the pulse surveys that are due, and the programme's cost - until the analytics
dashboard shows the figures.

A pair is created when both sides accept, which is now: the sessions of the past months are
logged afterwards, as a ministry does when it moves a running programme onto the platform.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from rich.table import Table

from mentoring.demo.activity import (
    PairPlan,
    agreement_body,
    feedback_body,
    goal_body,
    log_body,
    plan_pair,
    schedule_body,
    survey_answers,
)
from mentoring.demo.api import Platform, bounded, poll
from mentoring.demo.orgdata import (
    DEFAULT_DOMAIN,
    DEFAULT_MINISTRY,
    DEFAULT_SEED,
    Employee,
    Ministry,
    generate,
)
from mentoring.demo.report import Reporter, tick
from mentoring.demo.vocabulary import SESSION_TOPICS

DEMO_SLUG = "demo-ministerstwo"
DEMO_PROGRAMME = "Program mentoringu dla nowych pracowników"
PROGRAMME_COST = "240000.00"
CONSENT_VERSION = "zgoda-2026-01"


@dataclass(frozen=True)
class SeedOptions:
    slug: str = DEMO_SLUG
    name: str = DEFAULT_MINISTRY
    domain: str = DEFAULT_DOMAIN
    employees: int = 2000
    mentors: int = 120
    mentees: int = 140
    seed: int = DEFAULT_SEED
    months: int = 6
    concurrency: int = 16
    survey_wait: float = 60.0
    settle_timeout: float = 180.0


@dataclass(frozen=True)
class DemoTenant:
    tenant_id: UUID
    slug: str
    name: str
    coordinator_id: UUID | None
    programme_id: UUID | None


@dataclass
class SeedResult:
    tenant: DemoTenant
    created: bool
    counts: Counter[str] = field(default_factory=Counter)
    figures: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


async def find_demo_tenant(platform: Platform, slug: str = DEMO_SLUG) -> DemoTenant | None:
    """The tenant with this slug, its demo programme and that programme's coordinator."""
    admin = platform.tokens.platform_admin()
    tenants = await platform.matching.all_pages("/api/v1/tenants", token=admin, limit=200)
    found = next((t for t in tenants if t["slug"] == slug), None)
    if found is None:
        return None
    tenant_id = UUID(found["id"])
    reader = platform.tokens.mint(tenant_id, "coordinator", sub="demo-seed")
    programmes = await platform.matching.all_pages(
        "/api/v1/programmes", token=reader, params={"status": "open"}, limit=200
    )
    programme = next((p for p in programmes if p["name"] == DEMO_PROGRAMME), None)
    programme = programme or (programmes[0] if programmes else None)
    coordinator = programme["coordinator_id"] if programme else None
    return DemoTenant(
        tenant_id=tenant_id,
        slug=slug,
        name=found["name"],
        coordinator_id=UUID(coordinator) if coordinator else None,
        programme_id=UUID(programme["id"]) if programme else None,
    )


def choose_coordinator(ministry: Ministry) -> Employee:
    """The head of staff development (HR) runs the programme; in a tiny ministry, a director."""
    for e in ministry.employees:
        if e.unit_code == "BKS-W2" and e.position == "Naczelnik Wydziału":
            return e
    managers = [e for e in ministry.employees if e.manages and e.manager_employee_id is not None]
    return managers[0] if managers else ministry.employees[0]


def choose_participants(
    ministry: Ministry, mentors: int, mentees: int, rng: random.Random, *, exclude: set[str]
) -> tuple[list[Employee], list[Employee]]:
    """Experienced people (8+ years, not directors) to mentor; newcomers (up to 4 years, no
    reports) to be mentored."""
    seniors = [
        e
        for e in ministry.employees
        if e.seniority >= 8 and "Dyrektor" not in e.position and e.employee_id not in exclude
    ]
    chosen_mentors = rng.sample(seniors, min(mentors, len(seniors)))
    taken = exclude | {e.employee_id for e in chosen_mentors}
    juniors = [
        e
        for e in ministry.employees
        if e.seniority <= 4 and not e.manages and e.employee_id not in taken
    ]
    return chosen_mentors, rng.sample(juniors, min(mentees, len(juniors)))


def enrolment(e: Employee, role: str, rng: random.Random, unit_name: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "role": role,
        "languages": list(e.languages),
        "location": e.location,
        "remote": e.remote,
        "hours_per_month": e.hours_per_month,
        "seniority": e.seniority,
        "consent": True,
        "consent_version": CONSENT_VERSION,
    }
    if role == "mentor":
        top = ", ".join(list(e.skills)[:3])
        body |= {
            "skills": e.skills,
            "capacity": rng.choice((1, 1, 2)),
            "about": f"{e.position}, {unit_name}. Chętnie pomogę w tematach: {top}.",
        }
    else:
        body |= {"goals": e.goals}
    return body


def idempotency_key(*parts: object) -> dict[str, str]:
    return {
        "Idempotency-Key": str(uuid5(NAMESPACE_URL, "mentoring-demo:" + ":".join(map(str, parts))))
    }


class _Seeder:
    def __init__(self, platform: Platform, options: SeedOptions, report: Reporter) -> None:
        self.p = platform
        self.o = options
        self.r = report
        self.rng = random.Random(options.seed)
        self.counts: Counter[str] = Counter()
        self.now = datetime.now(UTC)
        self.tenant_id: UUID
        self.ministry: Ministry
        self.people: dict[str, UUID] = {}  # employee id -> person id
        self.employee_of: dict[UUID, Employee] = {}
        self.coordinator: str = ""  # token
        self.coordinator_id: UUID
        self.programme_id: UUID
        self.tokens: dict[UUID, str] = {}

    def token_of(self, person: UUID) -> str:
        if person not in self.tokens:
            self.tokens[person] = self.p.tokens.person(self.tenant_id, person)
        return self.tokens[person]

    def rng_for(self, *parts: object) -> random.Random:
        return random.Random(f"{self.o.seed}:" + ":".join(map(str, parts)))

    async def many(self, title: str, jobs: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
        with self.r.progress(title, len(jobs)) as bar:
            return await bounded(jobs, self.o.concurrency, lambda: tick(bar))

    # -- the steps ---------------------------------------------------------------------------

    async def tenant(self) -> None:
        with self.r.step(f"ministry {self.o.name!r} provisioned (slug {self.o.slug})") as info:
            body = {"name": self.o.name, "slug": self.o.slug, "default_locale": "pl"}
            tenant = await self.p.matching.post(
                "/api/v1/tenants", body, token=self.p.tokens.platform_admin()
            )
            self.tenant_id = UUID(tenant["id"])
            info["detail"] = f"tenant {self.tenant_id}"
        with self.r.step("sessions, notifications and analytics heard of it (tenant_provisioned)"):
            probe = self.p.tokens.mint(self.tenant_id, "coordinator", sub="demo-seed")
            for api in (self.p.sessions, self.p.notifications, self.p.analytics):

                async def known(api: Any = api) -> int:
                    response = await api.request(
                        "GET", "/api/v1/tenant", token=probe, expect=(200, 404)
                    )
                    return int(response.status_code)

                await poll(known, lambda s: s == 200, timeout=60, what=f"the tenant in {api.name}")

    async def org(self) -> None:
        self.ministry = generate(
            self.o.employees, seed=self.o.seed, name=self.o.name, domain=self.o.domain
        )
        bootstrap = self.p.tokens.mint(self.tenant_id, "coordinator", sub="demo-seed")
        with self.r.step("org structure imported from the HR export (CSV)") as info:
            summary = await self.p.matching.post(
                "/api/v1/org/import",
                token=bootstrap,
                content=self.ministry.to_csv().encode(),
                headers={"Content-Type": "text/csv"},
            )
            info["detail"] = (
                f"{summary['people_created']} people, {summary['units_created']} units "
                f"(departments, divisions, teams)"
            )
        people = await self.p.matching.all_pages("/api/v1/org/people", token=bootstrap, limit=500)
        self.people = {p["employee_id"]: UUID(p["id"]) for p in people}
        self.employee_of = {self.people[e.employee_id]: e for e in self.ministry.employees}
        self.counts["employees"] = len(people)
        self.counts["units"] = summary["units_created"]
        coordinator = choose_coordinator(self.ministry)
        self.coordinator_id = self.people[coordinator.employee_id]
        self.coordinator = self.p.tokens.mint(
            self.tenant_id, "coordinator", sub=self.coordinator_id, hours=12
        )
        self.r.say(
            f"  coordinator: {coordinator.display_name}, {coordinator.position} "
            f"({self.ministry.unit(coordinator.unit_code).name}), person {self.coordinator_id}"
        )

    async def programme(self) -> None:
        starts = self.now.date() - timedelta(days=round(self.o.months * 30.4))
        ends = starts + timedelta(days=365)
        with self.r.step("topics of the ministry's sessions defined"):
            for code, pl, en in SESSION_TOPICS:
                await self.p.sessions.request(
                    "POST",
                    "/api/v1/topics",
                    token=self.coordinator,
                    json={"code": code, "label_pl": pl, "label_en": en},
                    expect=(201, 409),
                )
        with self.r.step(f"programme {DEMO_PROGRAMME!r} opened") as info:
            programme = await self.p.matching.post(
                "/api/v1/programmes",
                {
                    "name": DEMO_PROGRAMME,
                    "kind": "one_to_one",
                    "mode": "best_quality",
                    "starts_on": starts.isoformat(),
                    "ends_on": ends.isoformat(),
                    "max_mentees_per_mentor": 2,
                    "forbid_same_unit": True,
                    "inactivity_days": 30,
                },
                token=self.coordinator,
            )
            self.programme_id = UUID(programme["id"])
            info["detail"] = f"{starts} - {ends}, programme {self.programme_id}"

    async def enrol(self) -> None:
        exclude = {self.employee_of[self.coordinator_id].employee_id}
        mentors, mentees = choose_participants(
            self.ministry, self.o.mentors, self.o.mentees, self.rng, exclude=exclude
        )
        path = f"/api/v1/programmes/{self.programme_id}/participants"

        def job(e: Employee, role: str) -> Callable[[], Awaitable[Any]]:
            person = self.people[e.employee_id]
            body = enrolment(
                e, role, self.rng_for("enrol", e.employee_id), self.ministry.unit(e.unit_code).name
            )
            return lambda: self.p.matching.post(path, body, token=self.token_of(person))

        jobs = [job(e, "mentor") for e in mentors] + [job(e, "mentee") for e in mentees]
        with self.r.step("mentors and mentees enrolled themselves, with consent") as info:
            await self.many("enrolling", jobs)
            info["detail"] = f"{len(mentors)} mentors, {len(mentees)} mentees"
        self.counts["mentors"] = len(mentors)
        self.counts["mentees"] = len(mentees)

    async def round(self, label: str) -> list[dict[str, Any]]:
        """Run a round, publish it; the proposed pairs (empty when nobody could be matched)."""
        with self.r.step(f"{label} matching round computed and published") as info:
            draft = await self.p.matching.post(
                f"/api/v1/programmes/{self.programme_id}/rounds", {}, token=self.coordinator
            )
            if draft["proposals"] == 0:
                await self.p.matching.post(
                    f"/api/v1/rounds/{draft['id']}/discard", token=self.coordinator
                )
                info["detail"] = f"nobody to match ({draft['mentees_in_pool']} mentees in pool)"
                return []
            published = await self.p.matching.post(
                f"/api/v1/rounds/{draft['id']}/publish", token=self.coordinator
            )
            proposals = await self.p.matching.all_pages(
                f"/api/v1/rounds/{draft['id']}/proposals", token=self.coordinator, limit=500
            )
            info["detail"] = (
                f"{draft['mentees_in_pool']} mentees and {draft['mentors_in_pool']} mentors in "
                f"the pool, {published['published']} pairs proposed, total score "
                f"{draft['total_score']:.1f}"
            )
        self.counts["proposals"] += published["published"]
        return [p for p in proposals if p["pair_id"] is not None and p["status"] != "dropped"]

    async def answer(self, proposals: list[dict[str, Any]], decline_rate: float) -> list[UUID]:
        """Both sides answer each proposal; returns the mentees whose pair was declined."""
        declined: list[UUID] = []

        def job(p: dict[str, Any]) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                pair, mentee, mentor = p["pair_id"], UUID(p["mentee_id"]), UUID(p["mentor_id"])
                rng = self.rng_for("answer", pair)
                if rng.random() < decline_rate:
                    who = rng.choice((mentee, mentor))
                    await self.p.matching.post(
                        f"/api/v1/pairs/{pair}/decline", token=self.token_of(who)
                    )
                    declined.append(mentee)
                    self.counts["declined"] += 1
                    return
                for who in rng.sample((mentee, mentor), 2):
                    await self.p.matching.post(
                        f"/api/v1/pairs/{pair}/accept", token=self.token_of(who)
                    )
                self.counts["accepted"] += 1

            return run

        with self.r.step("mentors and mentees answered their proposals") as info:
            await self.many("answering", [job(p) for p in proposals])
            info["detail"] = f"{len(proposals) - len(declined)} accepted, {len(declined)} declined"
        return declined

    async def pairs(self) -> list[dict[str, Any]]:
        active = await self.p.matching.all_pages(
            "/api/v1/pairs",
            token=self.coordinator,
            params={"programme_id": str(self.programme_id), "status": "active"},
            limit=500,
        )
        with self.r.step("sessions knows every pair (matching.pair_created.v1)") as info:

            async def known() -> int:
                page = await self.p.sessions.get(
                    "/api/v1/pairs",
                    token=self.coordinator,
                    params={"programme_id": str(self.programme_id), "status": "active", "limit": 1},
                )
                return int(page["total"])

            await poll(known, lambda n: n >= len(active), timeout=120, what="the pairs in sessions")
            info["detail"] = f"{len(active)} active pairs"
        self.counts["pairs"] = len(active)
        return active

    async def history(self, pairs: list[dict[str, Any]], late: set[UUID]) -> None:
        topics = tuple(code for code, _pl, _en in SESSION_TOPICS)
        plans: list[tuple[dict[str, Any], PairPlan]] = []
        for pair in pairs:
            mentee = UUID(pair["mentee_id"])
            rng = self.rng_for("history", self.employee_of[mentee].employee_id)
            started = rng.randint(40, 90) if mentee in late else rng.randint(120, 170)
            plans.append(
                (pair, plan_pair(rng, now=self.now, started_days_ago=started, topics=topics))
            )
        with self.r.step("six months of pair life logged (sessions held in the past)") as info:
            await self.many("logging", [self._life(pair, plan) for pair, plan in plans])
            kinds = Counter(plan.kind for _pair, plan in plans)
            info["detail"] = (
                f"{self.counts['sessions']} sessions, {self.counts['feedback']} ratings, "
                f"{self.counts['agreements']} agreements, {self.counts['goals']} goals, "
                f"{self.counts['scheduled']} sessions ahead; {kinds['stalled']} pairs stalled, "
                f"{kinds['silent']} never met"
            )

    def _life(self, pair: dict[str, Any], plan: PairPlan) -> Callable[[], Awaitable[None]]:
        pair_id = pair["id"]
        side = {
            "mentee": self.token_of(UUID(pair["mentee_id"])),
            "mentor": self.token_of(UUID(pair["mentor_id"])),
        }
        mentee = self.employee_of[UUID(pair["mentee_id"])]
        api = self.p.sessions

        async def run() -> None:
            if plan.agreement:
                terms = agreement_body(plan, mentee.first_name, list(mentee.goals))
                draft = await api.put(
                    f"/api/v1/pairs/{pair_id}/agreement", terms, token=side["mentee"]
                )
                for who in ("mentor", "mentee"):
                    await api.post(
                        f"/api/v1/pairs/{pair_id}/agreement/sign",
                        {"revision": draft["revision"]},
                        token=side[who],
                        headers=idempotency_key(pair_id, "sign", who),
                    )
                self.counts["agreements"] += 1
            for n, goal in enumerate(plan.goals):
                created = await api.post(
                    f"/api/v1/pairs/{pair_id}/goals",
                    goal_body(goal),
                    token=side["mentee"],
                    headers=idempotency_key(pair_id, "goal", n),
                )
                self.counts["goals"] += 1
                if goal.achieved:
                    await api.post(f"/api/v1/goals/{created['id']}/achieve", token=side["mentee"])
                    self.counts["goals_achieved"] += 1
                else:
                    await api.request(
                        "PATCH",
                        f"/api/v1/goals/{created['id']}",
                        token=side["mentee"],
                        json={"progress": goal.progress},
                    )
            for n, s in enumerate(plan.sessions):
                logged = await api.post(
                    f"/api/v1/pairs/{pair_id}/sessions/log",
                    log_body(s),
                    token=side[s.logged_by],
                    headers=idempotency_key(pair_id, "log", n),
                )
                self.counts["sessions"] += 1
                for fb in s.feedback:
                    await api.post(
                        f"/api/v1/sessions/{logged['id']}/feedback",
                        feedback_body(fb),
                        token=side[fb.side],
                        headers=idempotency_key(pair_id, "feedback", n, fb.side),
                    )
                    self.counts["feedback"] += 1
            if plan.upcoming is not None:
                link = f"https://spotkania.{self.o.domain}/m/{str(pair_id)[:8]}"
                await api.post(
                    f"/api/v1/pairs/{pair_id}/sessions",
                    schedule_body(plan, link),
                    token=side["mentee"],
                    headers=idempotency_key(pair_id, "schedule"),
                )
                self.counts["scheduled"] += 1

        return run

    async def surveys(self, pairs: list[dict[str, Any]]) -> None:
        members = sorted({UUID(p[k]) for p in pairs for k in ("mentee_id", "mentor_id")}, key=str)
        if not members:
            return
        sample = members[:5]

        async def due() -> int:
            total = 0
            for person in sample:
                page = await self.p.sessions.get(
                    "/api/v1/surveys", token=self.token_of(person), params={"limit": 1}
                )
                total += int(page["total"])
            return total

        with self.r.step("pulse surveys answered (start wave)") as info:
            try:
                await poll(
                    due, lambda n: n > 0, timeout=self.o.survey_wait, interval=2, what="surveys"
                )
            except TimeoutError:
                info["detail"] = (
                    "none due yet: the sessions worker looks for them every "
                    "MENTORING_SESSIONS_SURVEY_SCAN_SECONDS; answer them later with "
                    "`mentoring demo answer-surveys`"
                )
                return
            answered = await answer_surveys(
                self.p, self.tenant_id, members, seed=self.o.seed, concurrency=self.o.concurrency
            )
            self.counts["surveys"] = answered
            info["detail"] = f"{answered} answers"

    async def figures(self) -> dict[str, Any]:
        expected = self.counts["sessions"]
        params = {"programme_id": str(self.programme_id)}
        with self.r.step("analytics shows the figures (dashboard JSON)") as info:

            async def dashboard() -> dict[str, Any]:
                data: dict[str, Any] = await self.p.analytics.get(
                    "/api/v1/dashboard", token=self.coordinator, params=params
                )
                return data

            def caught_up(d: dict[str, Any]) -> bool:
                return bool(d["figures"].get("sessions_logged", {}).get("value") == expected)

            board = await poll(
                dashboard, caught_up, timeout=self.o.settle_timeout, interval=2, what="figures"
            )
            await self.p.analytics.put(
                f"/api/v1/programmes/{self.programme_id}/cost",
                {"amount": PROGRAMME_COST, "currency": "PLN"},
                token=self.coordinator,
            )
            board = await dashboard()
            info["detail"] = f"{expected} sessions counted"
        figures: dict[str, Any] = board["figures"]
        return figures


async def answer_surveys(
    platform: Platform,
    tenant_id: UUID,
    people: list[UUID],
    *,
    seed: int = DEFAULT_SEED,
    share: float = 0.8,
    concurrency: int = 16,
) -> int:
    """Each person answers (most of) their open surveys; returns the number of answers."""
    any_token = platform.tokens.mint(tenant_id, "coordinator", sub="demo-seed")
    instruments = {
        (i["id"], i["version"]): (len(i["items"]), i["scale_min"], i["scale_max"])
        for i in await platform.sessions.get("/api/v1/instruments", token=any_token)
    }
    answered = 0

    def job(person: UUID) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            nonlocal answered
            token = platform.tokens.person(tenant_id, person)
            open_ = await platform.sessions.all_pages(
                "/api/v1/surveys", token=token, params={"submitted": "false"}
            )
            for survey in open_:
                rng = random.Random(f"{seed}:survey:{survey['id']}")
                if rng.random() > share:
                    continue
                items, low, high = instruments[(survey["instrument"], survey["instrument_version"])]
                await platform.sessions.post(
                    f"/api/v1/surveys/{survey['id']}/responses",
                    {"answers": survey_answers(rng, items, low, high)},
                    token=token,
                    headers=idempotency_key(survey["id"], "answer"),
                )
                answered += 1

        return run

    await bounded([job(p) for p in people], concurrency)
    return answered


async def seed(platform: Platform, options: SeedOptions, report: Reporter) -> SeedResult:
    """Seed the demo ministry unless its slug exists (then report it and change nothing)."""
    existing = await find_demo_tenant(platform, options.slug)
    if existing is not None:
        report.say(
            f"[green]✓[/green] the demo ministry exists already: {existing.name!r} "
            f"(slug {existing.slug}, tenant {existing.tenant_id}); nothing to seed"
        )
        return SeedResult(existing, created=False)
    s = _Seeder(platform, options, report)
    report.say(
        f"Seeding the demo ministry {options.name!r}: {options.employees} employees, "
        f"{options.mentors} mentors and {options.mentees} mentees, {options.months} months of "
        "activity, through the public APIs"
    )
    await s.tenant()
    await s.org()
    await s.programme()
    await s.enrol()
    first = await s.round("first")
    declined = await s.answer(first, decline_rate=0.08)
    late: set[UUID] = set()
    if declined:
        second = await s.round("second (for the mentees who were declined)")
        await s.answer(second, decline_rate=0.0)
        late = {UUID(p["mentee_id"]) for p in second}
    pairs = await s.pairs()
    await s.history(pairs, late)
    await s.surveys(pairs)
    figures = await s.figures()
    tenant = DemoTenant(s.tenant_id, options.slug, options.name, s.coordinator_id, s.programme_id)
    result = SeedResult(tenant, True, s.counts, figures, report.elapsed)
    report.say(_summary(result, platform.calls))
    return result


def _summary(result: SeedResult, calls: int) -> Any:
    c = result.counts
    table = Table(title=f"The demo ministry, seeded in {result.seconds:.0f} s ({calls} API calls)")
    table.add_column("what")
    table.add_column("how many", justify="right")
    rows = (
        ("employees (org units)", f"{c['employees']} ({c['units']})"),
        ("mentors / mentees enrolled", f"{c['mentors']} / {c['mentees']}"),
        (
            "pairs proposed / accepted / declined",
            f"{c['proposals']} / {c['accepted']} / {c['declined']}",
        ),
        ("active pairs", str(c["pairs"])),
        ("agreements signed", str(c["agreements"])),
        ("goals set / achieved", f"{c['goals']} / {c['goals_achieved']}"),
        ("sessions logged / scheduled ahead", f"{c['sessions']} / {c['scheduled']}"),
        ("session ratings", str(c["feedback"])),
        ("survey answers", str(c["surveys"])),
    )
    for what, n in rows:
        table.add_row(what, n)
    for name in (
        "active_pairs",
        "sessions_logged",
        "mentoring_hours",
        "average_rating",
        "acceptance_rate",
        "cost_per_active_pair",
    ):
        figure = result.figures.get(name)
        if figure is not None:
            table.add_row(f"dashboard: {name}", _figure(figure))
    return table


def _figure(figure: dict[str, Any]) -> str:
    if figure.get("suppressed"):
        return "withheld (fewer than 5 people)"
    value = figure.get("value")
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)
