"""A multi-tenant load generator: many ministries set up and used through the public APIs.

For each of --ministries ministries (default 100) of --employees employees (default 2,000; each
a synthetic HR export from the demo's generator, mentoring.demo.orgdata): provision the tenant,
import its org (CSV), open a programme, let --mentors mentors and --mentees mentees enrol
themselves, compute and publish a matching round, and let both sides accept every proposal.
Ministries are set up --parallel at a time. Then a steady flow of session logging across all
pairs (--session-rate per second for --session-seconds) and a drain until every consumer has
caught up and analytics counts every logged session.

It prints what it did (counts, durations, rates), the events the run published per ministry, the
events per ministry per month at an assumed activity (the assumptions are printed), the database
size per 100,000 employees (pg_database_size of the four databases, growth during the run,
scaled), the total matching time of all rounds, the measured consumer throughput of one worker
process, and partition sizing advice. docs/operations.md ("Capacity planning") holds a run's
figures.

Run it against a private infrastructure instance (it starts the four services itself, on ports
28001-28004 / 28101-28104, and stops them at the end):

    export MENTORING_STATE_DIR=/var/tmp/mentoring-scale MENTORING_PG_PORT=25432 \\
        MENTORING_KAFKA_PORT=29092 MENTORING_KAFKA_CONTROLLER_PORT=29093
    bash deploy/local/infra.sh start && eval "$(bash deploy/local/infra.sh env)"
    uv run mentoring migrate all && uv run mentoring topics ensure
    uv run python bench/load_generator.py            # 100 ministries x 2,000 employees
    uv run python bench/load_generator.py --quick    # 10 ministries, a shorter session flow
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: bench.scaling

import asyncpg

from bench.scaling import drain
from bench.scaling import ministry as m
from bench.scaling.ministry import recent
from bench.scaling.stack import (
    RECOMMENDED_SPLIT,
    SERVICES,
    Stack,
    admin_url,
    cpu_seconds,
    cpu_table,
    database_sizes,
    kafka_bootstrap,
    percentile,
    settle,
)
from mentoring.contracts import topics
from mentoring.demo.api import Platform

PARTITIONS = 12  # MENTORING_TOPIC_PARTITIONS of the run (the default)


# -- the assumed activity of a ministry in a month (printed with the figures) -------------------


@dataclass(frozen=True)
class Activity:
    """What a ministry of `employees` people does in a month, in steady state."""

    employees: int = 2000
    participation: float = 0.20  # share of employees in a programme at any time
    mentee_share: float = 0.60  # of the participants (mentors take 1-2 mentees)
    programme_months: float = 9.0  # a pair's life: every participant enrols once per programme
    decline_rate: float = 0.10  # proposals declined (the mentee is proposed again)
    sessions_per_pair: float = 2.0  # sessions held per active pair per month
    scheduled_share: float = 0.8  # of those, scheduled first (session_scheduled + reminder)
    cancel_rate: float = 0.1  # scheduled sessions cancelled or rescheduled
    feedback_per_session: float = 1.5  # ratings given per session (of the two members)
    goals_per_pair: float = 0.3  # goals set per pair per month (a third of them achieved)
    checkins_per_member: float = 0.5  # check-in surveys due per member per month (every 60 d)
    pulse_per_member: float = 0.5  # pulse surveys: 2 instruments x 3 waves per 12 months
    survey_response: float = 0.7
    emails_per_notified_event: float = 1.0  # e-mail (or webhook) per notification: an event each

    def monthly(self) -> dict[str, dict[str, float]]:
        """Events per topic and type, per month, for one ministry."""
        participants = self.employees * self.participation
        mentees = participants * self.mentee_share
        pairs = mentees  # active pairs: every mentee in one
        members = 2 * pairs
        enrol = participants / self.programme_months
        proposals = mentees / self.programme_months * (1 + self.decline_rate)
        created = mentees / self.programme_months
        sessions = pairs * self.sessions_per_pair
        scheduled = sessions * self.scheduled_share
        surveys_due = members * (self.checkins_per_member + self.pulse_per_member)
        matching = {
            "participant_enrolled": enrol,
            "participant_withdrawn": enrol * 0.05,
            "round_completed": 2.0,
            "pair_proposed": proposals,
            "pair_declined": proposals - created,
            "pair_created": created,
            "pair_ended": created,
            "profiles (compacted topic)": enrol,
        }
        sessions_topic = {
            "agreement_signed": created,
            "goal_set": pairs * self.goals_per_pair,
            "goal_achieved": pairs * self.goals_per_pair / 3,
            "session_scheduled": scheduled * (1 + self.cancel_rate),
            "session_cancelled": scheduled * self.cancel_rate / 2,
            "session_logged": sessions,
            "feedback_submitted": sessions * self.feedback_per_session,
            "survey_due": surveys_due,
            "survey_submitted": surveys_due * self.survey_response,
        }
        notified = (
            2 * proposals  # both members hear of a proposal
            + 3 * created  # both members and the coordinator hear of a pair
            + scheduled * (1 + self.cancel_rate)  # the other member: an invitation (.ics)
            + 2 * scheduled  # the reminders, 24 h before, to both members
            + scheduled * self.cancel_rate / 2 * 2  # cancellations, to both
            + surveys_due  # the participant
            + 2.0  # round results to the coordinator
        )
        notifications = {"notification_sent / _failed": notified * self.emails_per_notified_event}
        analytics = {"pair_inactive": pairs * 0.05, "programme_health_changed": 0.2}
        return {
            topics.MATCHING: matching,
            topics.SESSIONS: sessions_topic,
            topics.NOTIFICATIONS: notifications,
            topics.ANALYTICS: analytics,
        }

    def describe(self) -> list[str]:
        participants = self.employees * self.participation
        mentees = participants * self.mentee_share
        return [
            f"{self.employees:,} employees, {self.participation:.0%} of them in a programme "
            f"({participants:,.0f}: {mentees:,.0f} mentees, {participants - mentees:,.0f} mentors)",
            f"every mentee in an active pair; a programme lasts {self.programme_months:g} months "
            f"(enrolments, rounds and pair ends spread over it); {self.decline_rate:.0%} of "
            "proposals declined",
            f"{self.sessions_per_pair:g} sessions per pair per month, {self.scheduled_share:.0%} "
            f"scheduled first (with a reminder), {self.cancel_rate:.0%} cancelled or moved; "
            f"{self.feedback_per_session:g} ratings per session",
            f"surveys per member per month: {self.checkins_per_member:g} check-in, "
            f"{self.pulse_per_member:g} pulse; {self.survey_response:.0%} answered; "
            f"{self.goals_per_pair:g} goals per pair per month",
            "every notification to a person is an e-mail (one notification_sent event)",
        ]


# -- the run ------------------------------------------------------------------------------------

# The e-mail queue is not waited for at the end: notifications sends it at its own pace (the
# report gives the rate and what was still queued), and each e-mail sent is an event of its own
# (notification_sent) for analytics.
EMAILS = ("e-mails due", "notifications outbox", "analytics.projection-notifications")
MEASURED_WORKERS = ("sessions", "notifications", "analytics")  # consumers of the matching topic


@dataclass
class Run:
    args: argparse.Namespace
    platforms: list[Platform]  # one per matching API process; ministries take turns
    stack: Stack
    calls: m.CallLog = field(default_factory=m.CallLog)
    tenants: list[m.Tenant] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    sessions_logged: int = 0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    drains: list[Any] = field(default_factory=list)
    backlog_ministries: int = 0
    sizes_after_setup: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, tuple[dict[str, float], dict[str, float], float]] = field(default_factory=dict)
    began: float = field(default_factory=time.monotonic)

    async def ministry(self, index: int) -> None:
        a = self.args
        seed = a.seed + index
        platform = self.platforms[index % len(self.platforms)]
        t = await m.provision(platform, f"Ministerstwo {index + 1:03d}", f"bench-{a.run}-{index}")
        await m.org(t, a.employees, seed)
        await m.programme(t, max_mentees_per_mentor=a.capacity)
        await m.enrol(
            t, a.mentors, a.mentees, capacity=a.capacity, seed=seed, concurrency=a.requests
        )
        draft = await m.run_round(t)
        self.rounds.append(draft)
        items = await m.proposals(t, draft["id"]) if draft["proposals"] else []
        await m.accept_all(t, items, a.requests)
        self.tenants.append(t)
        done = len(self.tenants)
        if done % max(1, a.ministries // 10) == 0 or done == a.ministries:
            print(
                f"  {done}/{a.ministries} ministries set up "
                f"({time.monotonic() - self.began:.0f} s)",
                flush=True,
            )

    async def ministries(self, indexes: range) -> None:
        gate = asyncio.Semaphore(self.args.parallel)

        async def one(i: int) -> None:
            async with gate:
                await self.ministry(i)

        await asyncio.gather(*(one(i) for i in indexes))

    async def setup(self) -> None:
        """Most ministries with every worker running; the last tenth while the consumers of the
        matching topic are stopped, so that their restart shows how fast a worker works off a
        backlog (its saturated throughput)."""
        n = self.args.ministries
        held = max(min(3, n - 1), n // 10) if n >= 2 else 0
        began = time.monotonic()
        await self.ministries(range(n - held))
        groups = []
        for service in MEASURED_WORKERS:
            groups += [str(c["group"]) for c in await self.stack.consumers(service)]
        if held:
            print(f"  consumers stopped for the last {held} ministries (a backlog to measure)")
            for service in MEASURED_WORKERS:
                self.stack.stop_one(service, "worker")
            await self.ministries(range(n - held, n))
            self.backlog_ministries = held
        self.phase_seconds["setup"] = time.monotonic() - began
        if held:
            taken = await drain.snapshot(kafka_bootstrap(), groups)
            following = asyncio.create_task(drain.follow(kafka_bootstrap(), taken))
            for service in MEASURED_WORKERS:
                await self.stack.start_one(service, "worker")
            self.drains = await following
            for d in self.drains:
                if d.backlog:
                    print(f"  {d.group}: {d.backlog:,} events worked off in {d.seconds:.1f} s")

    async def wait_pairs(self) -> None:
        began = time.monotonic()
        for t in self.tenants:
            await m.pairs_in_sessions(t, len(t.pairs))
        self.phase_seconds["pairs known to sessions"] = time.monotonic() - began

    async def sessions(self) -> None:
        """A steady flow: `session_rate` logs per second, each to a random pair (one request per
        pair at a time), for `session_seconds`."""
        a = self.args
        pairs = [(t, p) for t in self.tenants for p in t.pairs]
        rng = random.Random(a.seed)
        busy: set[str] = set()
        tasks: set[asyncio.Task[None]] = set()

        async def log(t: m.Tenant, p: dict[str, Any]) -> None:
            try:
                await t.platform.sessions.post(
                    f"/api/v1/pairs/{p['pair_id']}/sessions/log",
                    {"held_at": recent(), "duration_minutes": 60},
                    token=t.person_token(UUID(p["mentee_id"])),
                    headers={"Idempotency-Key": str(uuid4())},
                )
                self.sessions_logged += 1
            except Exception as exc:  # counted and reported; the flow goes on
                self.failures[type(exc).__name__] += 1
            finally:
                busy.discard(p["pair_id"])

        began = time.monotonic()
        n = 0
        while time.monotonic() - began < a.session_seconds:
            await m.sleep_until(began + n / a.session_rate)
            n += 1
            t, p = rng.choice(pairs)
            if p["pair_id"] in busy:
                continue
            busy.add(p["pair_id"])
            task = asyncio.create_task(log(t, p))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks)
        self.phase_seconds["session flow"] = time.monotonic() - began

    async def drain(self) -> None:
        """Until no work is left anywhere and analytics counts every session logged."""
        began = time.monotonic()
        tenant_ids = [t.tenant_id for t in self.tenants]
        conn = await asyncpg.connect(admin_url("analytics"))
        try:
            try:
                await settle(self.stack, "the end of the run", timeout=1800, ignore=EMAILS)
            except TimeoutError as exc:
                raise SystemExit(str(exc)) from None
            counted = await conn.fetchval(
                "select coalesce(sum(sessions_logged), 0) from rm_pair "
                "where tenant_id = any($1::uuid[])",
                tenant_ids,
            )
        finally:
            await conn.close()
        if counted != self.sessions_logged:
            self.failures[f"analytics counts {counted} sessions"] += 1
        self.phase_seconds["drain"] = time.monotonic() - began


async def emails(since: float) -> dict[str, float]:
    """E-mails queued by notifications since `since`: sent, still pending, the send rate."""
    conn = await asyncpg.connect(admin_url("notifications"))
    try:
        row = await conn.fetchrow(
            "select count(*) filter (where status = 'sent') as sent, "
            "count(*) filter (where status = 'pending') as pending, "
            "extract(epoch from max(finished_at) - min(first_attempt_at)) as seconds "
            "from delivery where channel = 'email' and created_at >= to_timestamp($1)",
            since,
        )
    finally:
        await conn.close()
    assert row is not None
    seconds = float(row["seconds"] or 0.0)
    return {
        "sent": int(row["sent"]),
        "pending": int(row["pending"]),
        "rate": int(row["sent"]) / seconds if seconds else float("nan"),
    }


async def outbox_events(since: float) -> dict[str, Counter[str]]:
    """Events each service put in its outbox since `since` (epoch seconds), by topic and type."""
    out: dict[str, Counter[str]] = {}
    for service in SERVICES:
        conn = await asyncpg.connect(admin_url(service))
        try:
            rows = await conn.fetch(
                "select topic, coalesce(event_type, 'record') as type, count(*) as n "
                "from outbox_message where created_at >= to_timestamp($1) group by 1, 2",
                since,
            )
        finally:
            await conn.close()
        for r in rows:
            out.setdefault(r["topic"], Counter())[r["type"]] += int(r["n"])
    return out


# -- the report ---------------------------------------------------------------------------------


def _mb(value: float) -> str:
    return f"{value / 2**20:,.1f} MB"


def report(
    run: Run,
    *,
    before: dict[str, int],
    after: dict[str, int],
    events: dict[str, Counter[str]],
    mail: dict[str, float],
    wall: float,
) -> dict[str, Any]:
    a = run.args
    n = len(run.tenants)
    employees = sum(len(t.people) for t in run.tenants)
    pairs = sum(len(t.pairs) for t in run.tenants)
    calls = sum(len(v) for v in run.calls.latencies.values())
    print()
    print(f"== What it did ({wall:,.0f} s in all) ==")
    print(
        f"{n} ministries, {employees:,} employees imported, "
        f"{sum(r.get('mentees_in_pool', 0) for r in run.rounds):,} mentees and "
        f"{sum(r.get('mentors_in_pool', 0) for r in run.rounds):,} mentors in the rounds, "
        f"{sum(r.get('published', 0) for r in run.rounds):,} pairs proposed, {pairs:,} "
        f"accepted by both sides, {run.sessions_logged:,} sessions logged"
    )
    print(
        f"{calls:,} API calls, statuses {dict(sorted(run.calls.statuses.items()))}; "
        f"failures: {dict(run.failures) or 'none'}"
    )
    for phase, seconds in run.phase_seconds.items():
        print(f"  phase {phase:<26}{seconds:>8.1f} s")
    setup = run.phase_seconds.get("setup", 0.0)
    print(
        f"  setup: {n / setup * 60:,.1f} ministries/min, {employees / setup:,.0f} employees/s "
        f"imported, {calls / max(1e-9, wall):,.0f} calls/s over the whole run"
    )
    print(f"{'service':<10}{'call':<52}{'calls':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for (service, method, route), values in sorted(
        run.calls.latencies.items(), key=lambda kv: -len(kv[1])
    ):
        ms = [v * 1000 for v in values]
        print(
            f"{service:<10}{method + ' ' + route:<52}{len(ms):>8,}{percentile(ms, 0.5):>9.0f}"
            f"{percentile(ms, 0.95):>9.0f}{max(ms):>9.0f}"
        )
    if run.cpu:
        print("where the CPU went (cores used on average; 'others': processes not of this run)")
        for row in cpu_table(run.cpu):
            print(f"  {row}")
    print()
    print("== Events the run published (outbox rows) ==")
    total_events = 0
    for topic, counter in sorted(events.items()):
        count = sum(counter.values())
        total_events += count
        top = ", ".join(f"{k.split('.', 1)[-1]} {v:,}" for k, v in counter.most_common(6))
        print(f"{topic:<34}{count:>10,}  ({top})")
    print(f"{'in all':<34}{total_events:>10,}  = {total_events / max(1, n):,.0f} per ministry")
    print(
        f"e-mails: {mail['sent']:,.0f} sent at {mail['rate']:,.1f}/s, {mail['pending']:,.0f} still "
        "queued at the end (notifications sends them at its own pace; not waited for)"
    )

    activity = Activity(employees=a.employees)
    monthly = activity.monthly()
    per_month = {topic: sum(v.values()) for topic, v in monthly.items()}
    month_total = sum(per_month.values())
    print()
    print("== Events per ministry per month at the assumed activity ==")
    for assumption in activity.describe():
        print(f"  assumption: {assumption}")
    for topic, counts in monthly.items():
        detail = ", ".join(f"{k} {v:,.0f}" for k, v in counts.items())
        print(f"{topic:<34}{per_month[topic]:>10,.0f}  ({detail})")
    print(f"{'per ministry per month':<34}{month_total:>10,.0f}")
    working_hours = 21 * 8
    peak_rate = 3 * month_total * PLANNED / working_hours / 3600
    print(
        f"{PLANNED} ministries: {month_total * PLANNED:,.0f} events a month; the busiest hour "
        f"(3 x an average one of {working_hours} working hours) {peak_rate:.1f} events/s"
    )

    print()
    print("== Database size (pg_database_size) ==")
    grown = {s: after[s] - before[s] for s in SERVICES}
    scale = 100_000 / max(1, employees)
    print(f"{'database':<16}{'after the run':>16}{'grown by':>14}{'per 100,000 employees':>24}")
    for s in [*SERVICES, "all four"]:
        g = sum(grown.values()) if s == "all four" else grown[s]
        total = sum(after.values()) if s == "all four" else after[s]
        print(f"{s:<16}{_mb(total):>16}{_mb(g):>14}{_mb(g * scale):>24}")
    print(
        f"  what the run wrote: {employees:,} people with their units, {a.mentors + a.mentees} "
        f"participants and ~{a.mentees} pairs per {a.employees:,} employees, "
        f"{run.sessions_logged:,} sessions, and the events' outbox, inbox and read-model rows"
    )
    setup_bytes = sum(run.sizes_after_setup.values()) - sum(before.values())
    flow_bytes = sum(after.values()) - sum(run.sizes_after_setup.values())
    per_session = flow_bytes / run.sessions_logged if run.sessions_logged else float("nan")
    year = _year_per_100k(activity, setup_bytes * scale, per_session)
    print(
        f"  setup (org, enrolments, pairs): {_mb(setup_bytes * scale)} per 100,000 employees; "
        f"the session flow: {per_session / 1024:,.1f} kB per session logged (all four "
        "databases: the session, its events in outboxes and inboxes, the read model)"
    )
    print(
        f"  a year at the assumed activity, per 100,000 employees: {_mb(year)} (the setup's "
        f"figure plus {activity.sessions_per_pair * 12:g} sessions a year for each of "
        f"{100_000 * activity.participation * activity.mentee_share:,.0f} pairs; outbox and "
        "inbox rows are purged after a day and a week, so this is an upper bound)"
    )

    print()
    print("== Matching ==")
    rounds = [t.timings.seconds.get("round", 0.0) for t in run.tenants]
    publish = [t.timings.seconds.get("publish", 0.0) for t in run.tenants]
    pools = [r.get("mentees_in_pool", 0) for r in run.rounds]
    print(
        f"{len(rounds)} rounds of {min(pools, default=0)}-{max(pools, default=0)} mentees: "
        f"computing {sum(rounds):.1f} s in all (mean {sum(rounds) / max(1, len(rounds)):.2f} s, "
        f"max {max(rounds, default=0):.2f} s), publishing {sum(publish):.1f} s in all "
        f"(mean {sum(publish) / max(1, len(publish)):.2f} s); {a.parallel} ministries at a time"
    )

    print()
    print("== Consumer throughput (one worker process per service) ==")
    # a drain shorter than half a second (a group that only skips these events) has no rate
    measured = [d for d in run.drains if d.backlog > 0 and d.seconds >= 0.5]
    if measured:
        print(
            f"  the backlog of {run.backlog_ministries} ministries' setup, worked off by the "
            "restarted workers of sessions, notifications and analytics side by side:"
        )
    for d in measured:
        print(f"  {d.group:<40}{d.backlog:>8,} events in {d.seconds:>6.1f} s = {d.rate:>6,.0f}/s")
    slowest = min((d.rate for d in measured), default=float("nan"))

    print()
    print("== Partition sizing ==")
    burst = sum(r.get("published", 0) for r in run.rounds) / max(1, n)
    for advice in sizing(peak_rate, slowest, burst):
        print(f"  {advice}")
    return {
        "ministries": n,
        "employees": employees,
        "pairs": pairs,
        "sessions_logged": run.sessions_logged,
        "api_calls": calls,
        "failures": sum(run.failures.values()),
        "events_published": total_events,
        "events_per_ministry_per_month": round(month_total),
        "db_mb_per_100k_employees": round(sum(grown.values()) * scale / 2**20, 1),
        "db_mb_per_100k_employees_after_a_year": round(year / 2**20),
        "kb_per_session": round(per_session / 1024, 1),
        "matching_seconds_all_rounds": round(sum(rounds), 1),
        "publish_seconds_all_rounds": round(sum(publish), 1),
        "slowest_consumer_events_per_s": None if math.isnan(slowest) else round(slowest),
        "emails_sent": int(mail["sent"]),
        "emails_queued_at_end": int(mail["pending"]),
        "wall_seconds": round(wall),
    }


def _year_per_100k(activity: Activity, setup_per_100k: float, per_session: float) -> float:
    pairs = 100_000 * activity.participation * activity.mentee_share
    return setup_per_100k + pairs * activity.sessions_per_pair * 12 * per_session


def sizing(peak_rate: float, worker_rate: float, burst_per_ministry: float) -> list[str]:
    """Advice from the peak event rate against a worker process's measured throughput."""
    if math.isnan(worker_rate) or worker_rate <= 0:
        return ["no backlog was measured (run with at least 2 ministries)"]
    fanout = 3  # sessions, notifications and analytics each consume every matching event
    burst = burst_per_ministry * PLANNED * 2  # pair_proposed + pair_created per mentee
    one_worker = burst / worker_rate
    ministries_per_partition = worker_rate / 2 / (peak_rate / PLANNED)
    return [
        f"steady state: the busiest hour's {peak_rate:.1f} events/s (each consumed by up to "
        f"{fanout} services) against {worker_rate:,.0f} events/s for the slowest consumer "
        f"measured: one worker per service runs at {peak_rate / worker_rate:.1%} of its capacity",
        f"bursts decide: {PLANNED} ministries publishing their rounds the same morning put "
        f"{burst:,.0f} pair events on {topics.MATCHING}; one worker per service works them "
        f"off in about {one_worker / 60:,.1f} min, {PARTITIONS} (one per partition) in about "
        f"{one_worker / PARTITIONS / 60:,.1f} min",
        f"the default {PARTITIONS} partitions carry about "
        f"{ministries_per_partition * PARTITIONS:,.0f} ministries at this activity with each "
        f"partition's worker at half load ({ministries_per_partition:,.0f} per partition); add "
        "worker replicas up to the partition count first, and raise MENTORING_TOPIC_PARTITIONS "
        "(upwards only, see Topics) when the replicas per service reach it",
    ]


PLANNED = 100  # ministries the capacity figures are stated for


async def main(args: argparse.Namespace) -> None:
    wall_began = time.time()
    before = await database_sizes()
    stack = Stack(
        split=RECOMMENDED_SPLIT if args.split else {},
        api_replicas={"matching": args.matching_apis},
    )
    print(
        f"load generator: {args.ministries} ministries x {args.employees:,} employees, "
        f"{args.mentors} mentors (capacity {args.capacity}) and {args.mentees} mentees each, "
        f"{args.parallel} ministries at a time, {args.requests} requests each; then "
        f"{args.session_rate:g} sessions/s for {args.session_seconds:g} s",
        flush=True,
    )
    async with stack:
        print(f"  services up on 127.0.0.1:{stack.api_base + 1}-{stack.api_base + 4}", flush=True)
        platforms = [
            Platform.over_http(stack.urls(k), connections=64, timeout=600.0)
            for k in range(args.matching_apis)
        ]
        run = Run(args, platforms, stack)
        for platform in platforms:
            run.calls.attach(platform)
        try:
            marks, times = [cpu_seconds(stack)], [time.monotonic()]
            await run.setup()
            await run.wait_pairs()
            marks.append(cpu_seconds(stack))
            times.append(time.monotonic())
            run.sizes_after_setup = await database_sizes()
            print("  session logging", flush=True)
            await run.sessions()
            await run.drain()
            marks.append(cpu_seconds(stack))
            times.append(time.monotonic())
            run.cpu = {
                "setup": (marks[0], marks[1], times[1] - times[0]),
                "sessions": (marks[1], marks[2], times[2] - times[1]),
            }
        finally:
            for platform in platforms:
                await platform.aclose()
        wall = time.time() - wall_began
        after = await database_sizes()
        events = await outbox_events(wall_began)
        mail = await emails(wall_began)
    print(json.dumps(report(run, before=before, after=after, events=events, mail=mail, wall=wall)))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10 ministries, 30 s of sessions")
    parser.add_argument("--ministries", type=int, default=100)
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=30)
    parser.add_argument("--mentees", type=int, default=50)
    parser.add_argument("--matching-apis", type=int, default=2, help="matching API processes")
    parser.add_argument("--capacity", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=4, help="ministries set up at a time")
    parser.add_argument("--requests", type=int, default=8, help="concurrent calls per ministry")
    parser.add_argument("--session-rate", type=float, default=40.0)
    parser.add_argument("--session-seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--split",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="analytics' sessions projection in a worker of its own (the recommended deployment)",
    )
    args = parser.parse_args()
    if args.quick:
        args.ministries = 10
        args.session_seconds = 30.0
    args.run = uuid4().hex[:8]
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
