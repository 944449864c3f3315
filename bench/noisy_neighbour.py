"""Noisy neighbour: does one ministry's burst starve another ministry's everyday work?

Ministry B logs sessions at a steady rate (--rate per second, over its pairs, through the
sessions API). For every session, "commit to effect" is the time from B's HTTP 201 (the session
row and its outbox row committed) to the moment the analytics read model has applied the
`sessions.session_logged.v1` event (the pair's `rm_pair.sessions_logged` counter in the
analytics database reaches it; polled every --poll seconds, the effect placed midway between
the poll that did not see it and the one that did). Path: sessions outbox -> relay -> Kafka ->
analytics worker (projection-sessions) -> analytics database.

  quiet  B alone for --quiet seconds: the baseline.
  noisy  the same flow while ministry A computes and publishes a 10,000-mentee matching round
         (POST /programmes/{id}/rounds, then /rounds/{id}/publish: 10,000 pair_proposed events
         that analytics, notifications (20,000 e-mails) and sessions consume) and imports an
         HR export of 10,000 new employees. It lasts until A's calls have returned and every
         consumer of every service has caught up with A's events (at least --quiet seconds).
  after  B alone again (--after seconds): how much of a difference is the machine's own noise.

Printed: p50/p95/p99 of commit-to-effect per phase, the noisy/quiet p99 ratio (target <= 2),
and what A did. The setup (A's 12,000-person org, 10,000 mentees and 2,000 mentors enrolling
through the API; B's 20 pairs) is not measured; every consumer drains it before the baseline.

Runs the four services itself (ports 28001-28004 / 28101-28104) against a private
infrastructure instance, and stops them at the end:

    export MENTORING_STATE_DIR=/var/tmp/mentoring-scale MENTORING_PG_PORT=25432 \\
        MENTORING_KAFKA_PORT=29092 MENTORING_KAFKA_CONTROLLER_PORT=29093
    bash deploy/local/infra.sh start && eval "$(bash deploy/local/infra.sh env)"
    uv run mentoring migrate all && uv run mentoring topics ensure
    uv run python bench/noisy_neighbour.py            # A: 10,000 mentees, 10,000 new employees
    uv run python bench/noisy_neighbour.py --quick    # A: 2,000 mentees, 2,000 new employees
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: bench.scaling

import asyncpg

from bench.scaling import ministry as m
from bench.scaling.ministry import recent
from bench.scaling.stack import (
    BULK_API,
    BULK_API_REPLICA,
    BULK_LANE,
    RECOMMENDED_SPLIT,
    Stack,
    admin_url,
    cpu_seconds,
    cpu_table,
    percentile,
    settle,
)
from mentoring.demo.api import Platform
from mentoring.demo.orgdata import generate


@dataclass
class Logged:
    """One of B's sessions: its pair, the pair's count once applied, when the 201 came."""

    pair: UUID
    target: int
    committed: float
    phase: str
    session_id: UUID
    applied: float | None = None
    relayed: float | None = None  # the outbox row's sent_at (the relay's mark, after the ack)


@dataclass
class Flow:
    """B's steady session logging and the observer of its effects in analytics."""

    tenant: m.Tenant
    rate: float
    poll: float
    phase: str = "quiet"
    sent: dict[UUID, int] = field(default_factory=dict)  # pair -> sessions whose 201 came
    logged: list[Logged] = field(default_factory=list)
    errors: int = 0
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    burst_done: float | None = None  # when A's calls had all returned

    def between(self, start: float, end: float) -> list[float]:
        """Latencies of the noisy phase's sessions committed in [start, end) (monotonic)."""
        return [
            i.applied - i.committed
            for i in self.logged
            if i.phase == "noisy" and i.applied and start <= i.committed < end
        ]

    def noisy_split(self) -> tuple[list[float], list[float]]:
        """The noisy phase's latencies while A's calls ran, and while A's events drained."""
        items = [i for i in self.logged if i.phase == "noisy" and i.applied]
        cut = self.burst_done if self.burst_done is not None else float("inf")
        return (
            [i.applied - i.committed for i in items if i.applied and i.committed < cut],
            [i.applied - i.committed for i in items if i.applied and i.committed >= cut],
        )

    async def send(self) -> None:
        pairs = [UUID(p["pair_id"]) for p in self.tenant.pairs]
        mentee = {UUID(p["pair_id"]): UUID(p["mentee_id"]) for p in self.tenant.pairs}
        busy: set[UUID] = set()
        tasks: set[asyncio.Task[None]] = set()
        api = self.tenant.platform.sessions

        async def log(pair: UUID) -> None:
            try:
                created = await api.post(
                    f"/api/v1/pairs/{pair}/sessions/log",
                    {"held_at": recent(), "duration_minutes": 45},
                    token=self.tenant.person_token(mentee[pair]),
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                now = time.monotonic()
                self.sent[pair] = self.sent.get(pair, 0) + 1
                self.logged.append(
                    Logged(pair, self.sent[pair], now, self.phase, UUID(created["id"]))
                )
            except Exception:
                self.errors += 1
            finally:
                busy.discard(pair)

        began, n = time.monotonic(), 0
        while not self.stopping.is_set():
            await m.sleep_until(began + n / self.rate)
            pair = pairs[n % len(pairs)]
            n += 1
            if pair in busy:  # one request per pair at a time: its sessions keep their order
                continue
            busy.add(pair)
            task = asyncio.create_task(log(pair))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks)

    async def observe(self, done: asyncio.Event) -> None:
        """Poll analytics until every logged session is applied and `done` is set."""
        tenant = self.tenant.tenant_id
        pairs = [UUID(p["pair_id"]) for p in self.tenant.pairs]
        conn = await asyncpg.connect(admin_url("analytics"))
        try:
            query = await conn.prepare(
                "select pair_id, sessions_logged from rm_pair "
                "where tenant_id = $1 and pair_id = any($2::uuid[])"
            )
            previous = time.monotonic()
            cursor = 0  # logged[:cursor] are all applied
            while True:
                asked = time.monotonic()
                counts = {
                    r["pair_id"]: r["sessions_logged"] for r in await query.fetch(tenant, pairs)
                }
                moment = (previous + asked) / 2
                previous = asked
                for item in self.logged[cursor:]:
                    if item.applied is None and counts.get(item.pair, 0) >= item.target:
                        item.applied = max(moment, item.committed)
                while cursor < len(self.logged) and self.logged[cursor].applied is not None:
                    cursor += 1
                if done.is_set() and cursor == len(self.logged):
                    return
                await asyncio.sleep(self.poll)
        finally:
            await conn.close()

    def latencies(self, phase: str) -> list[float]:
        return [i.applied - i.committed for i in self.logged if i.phase == phase and i.applied]

    def parts(self, phase: str) -> tuple[list[float], list[float]]:
        """Commit to the relay's mark, and the mark to the effect (the rest of the path)."""
        items = [i for i in self.logged if i.phase == phase and i.applied and i.relayed]
        return (
            [max(0.0, i.relayed - i.committed) for i in items if i.relayed],
            [max(0.0, i.applied - i.relayed) for i in items if i.applied and i.relayed],
        )

    async def fetch_relayed(self) -> None:
        """When the sessions relay marked each of B's events sent (outbox_message.sent_at)."""
        offset = time.time() - time.monotonic()
        conn = await asyncpg.connect(admin_url("sessions"))
        try:
            rows = await conn.fetch(
                "select payload->>'session_id' as session, extract(epoch from sent_at) as sent "
                "from outbox_message where tenant_id = $1 "
                "and event_type = 'sessions.session_logged.v1'",
                self.tenant.tenant_id,
            )
        finally:
            await conn.close()
        sent = {UUID(r["session"]): float(r["sent"]) - offset for r in rows if r["sent"]}
        for item in self.logged:
            item.relayed = sent.get(item.session_id)


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<8} no samples"
    ms = [v * 1000 for v in values]
    return (
        f"{name:<8}{len(ms):>7}{percentile(ms, 0.5):>9.0f}{percentile(ms, 0.95):>9.0f}"
        f"{percentile(ms, 0.99):>9.0f}{max(ms):>9.0f}"
    )


async def setup_b(platform: Platform, args: argparse.Namespace) -> m.Tenant:
    b = await m.provision(platform, "Ministerstwo B", f"noisy-b-{args.run}")
    await m.wait_known(b, ("sessions", "analytics"))
    await m.org(b, 120, args.seed + 1)
    await m.programme(b, max_mentees_per_mentor=1)
    await m.enrol(b, args.b_pairs, args.b_pairs, capacity=1, seed=args.seed + 1, concurrency=8)
    draft = await m.run_round(b)
    await m.accept_all(b, await m.proposals(b, draft["id"]), 8)
    await m.pairs_in_sessions(b, len(b.pairs))
    return b


async def setup_a(platform: Platform, args: argparse.Namespace) -> m.Tenant:
    a = await m.provision(platform, "Ministerstwo A", f"noisy-a-{args.run}")
    mentors = args.mentees // 5
    await m.org(a, args.mentees + mentors + 200, args.seed)
    await m.programme(a, max_mentees_per_mentor=5)
    began = time.monotonic()
    await m.enrol(a, mentors, args.mentees, capacity=5, seed=args.seed, concurrency=32)
    print(
        f"  A: {mentors:,} mentors and {args.mentees:,} mentees enrolled "
        f"({time.monotonic() - began:.0f} s)"
    )
    return a


async def noise(a: m.Tenant, args: argparse.Namespace, report: dict[str, Any]) -> None:
    """A's burst: the round computed and published, and the import, side by side."""
    second = m.renumbered(
        generate(args.mentees, seed=args.seed + 7, name=a.name, domain="nowi.gov.pl"), "N"
    )

    async def round_() -> None:
        began = time.monotonic()
        draft = await m.run_round(a)
        compute_s = a.timings.seconds.get("round", 0.0)
        # when each of A's steps ran (monotonic), to split B's figures by step
        report.setdefault("steps", {})["round (computation)"] = (began, began + compute_s)
        report["steps"]["publication"] = (began + compute_s, time.monotonic())
        report["round"] = {
            "mentees_in_pool": draft["mentees_in_pool"],
            "mentors_in_pool": draft["mentors_in_pool"],
            "pairs_published": draft.get("published", 0),
            "compute_s": round(a.timings.seconds.get("round", 0.0), 1),
            "publish_s": round(a.timings.seconds.get("publish", 0.0), 1),
            "done_after_s": round(time.monotonic() - began, 1),
        }

    async def import_() -> None:
        await asyncio.sleep(args.import_delay)
        began = time.monotonic()
        summary = await m.import_org(a, second, step="import-2")
        report.setdefault("steps", {})["import"] = (began, time.monotonic())
        report["import"] = {
            "rows": summary["rows"],
            "people_created": summary["people_created"],
            "seconds": round(time.monotonic() - began, 1),
        }

    await asyncio.gather(round_(), import_())


async def main(args: argparse.Namespace) -> None:
    stack = Stack(
        split=RECOMMENDED_SPLIT if args.split else {},
        nice=BULK_LANE if args.split and args.bulk_lane else {},
        api_replicas={"matching": 2} if args.split and args.bulk_lane else {},
        env_by_name=(
            {BULK_API: {"MENTORING_BULK_DUTY": str(args.bulk_duty)}}
            if args.split and args.bulk_lane
            else {}
        ),
    )
    report: dict[str, Any] = {}
    print(
        f"noisy neighbour: B logs {args.rate:g} sessions/s over {args.b_pairs} pairs; A publishes "
        f"a {args.mentees:,}-mentee round and imports {args.mentees:,} new employees; "
        + (
            "analytics' sessions projection in a worker of its own"
            + (
                ", bulk work (A's calls, e-mails, burst projections) at a lower CPU priority"
                if args.bulk_lane
                else ""
            )
            if args.split
            else "one worker per service"
        )
    )
    async with stack:
        platform = Platform.over_http(stack.urls(), connections=64, timeout=900.0)
        try:
            print("setup (not measured)")
            b = await setup_b(platform, args)
            print(f"  B: {len(b.pairs)} active pairs")
            a = await setup_a(platform, args)
            print(
                f"  every consumer caught up with the setup ({await settle(stack, 'setup'):.0f} s)"
            )

            flow = Flow(b, args.rate, args.poll)
            done = asyncio.Event()
            observer = asyncio.create_task(flow.observe(done))
            sender = asyncio.create_task(flow.send())
            phases: dict[str, float] = {}
            cpu: dict[str, tuple[dict[str, float], dict[str, float], float]] = {}

            print(f"quiet: B alone for {args.quiet:g} s")
            began, at_start = time.monotonic(), cpu_seconds(stack)
            await asyncio.sleep(args.quiet)
            phases["quiet"] = time.monotonic() - began
            cpu["quiet"] = (at_start, cpu_seconds(stack), phases["quiet"])

            print("noisy: A's round, publication and import while B keeps logging")
            flow.phase = "noisy"
            began, at_start = time.monotonic(), cpu_seconds(stack)
            # A's bulk calls take the bulk lane: the matching API replica meant for them
            bulk = (
                Platform.over_http(stack.urls(BULK_API_REPLICA), connections=16, timeout=900.0)
                if args.split and args.bulk_lane
                else None
            )
            burst = asyncio.create_task(
                noise(dataclasses.replace(a, platform=bulk) if bulk else a, args, report)
            )
            await burst
            report["a_calls_done_after_s"] = round(time.monotonic() - began, 1)
            if bulk is not None:
                await bulk.aclose()
            flow.burst_done = time.monotonic()
            try:
                await settle(
                    stack,
                    "A's burst",
                    allow=max(2, int(args.rate)),
                    quiet_for=1.0,
                    timeout=max(1.0, args.max_noisy - (time.monotonic() - began)),
                )
                report["a_events_drained_after_s"] = round(time.monotonic() - began, 1)
            except TimeoutError as exc:
                report["a_events_drained_after_s"] = f"not within {args.max_noisy:g} s ({exc})"
            await m.sleep_until(began + args.quiet)
            phases["noisy"] = time.monotonic() - began
            cpu["noisy"] = (at_start, cpu_seconds(stack), phases["noisy"])

            if args.after > 0:
                print(f"after: B alone again for {args.after:g} s")
                flow.phase = "after"
                began, at_start = time.monotonic(), cpu_seconds(stack)
                await asyncio.sleep(args.after)
                phases["after"] = time.monotonic() - began
                cpu["after"] = (at_start, cpu_seconds(stack), phases["after"])
            flow.stopping.set()
            await sender
            done.set()
            await asyncio.wait_for(observer, 300)
        finally:
            await platform.aclose()

    print()
    await flow.fetch_relayed()
    print("commit to effect (B's 201 -> analytics applied session_logged)")
    print(f"{'phase':<8}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}   seconds")
    for phase, seconds in phases.items():
        print(f"{line(phase, flow.latencies(phase))}   {seconds:.0f}")
    print("the same, in two parts: commit -> relay marked sent | sent -> analytics applied")
    for phase in phases:
        relay, rest = flow.parts(phase)
        print(f"{line(phase, relay)}   |{line('', rest)[8:]}")
    during, draining = flow.noisy_split()
    print("the noisy phase, split: while A's calls ran | while A's events drained")
    print(f"{line('noisy', during)}   |{line('', draining)[8:]}")
    print("while each of A's steps ran (the import runs beside the round)")
    for step, (start, end) in sorted(report.get("steps", {}).items(), key=lambda kv: kv[1]):
        print(line("", flow.between(start, end)) + f"   {step}")
    quiet99 = percentile(flow.latencies("quiet"), 0.99)
    noisy99 = percentile(flow.latencies("noisy"), 0.99)
    ratio = noisy99 / quiet99
    r, i = report.get("round", {}), report.get("import", {})
    print(
        f"A: round of {r.get('mentees_in_pool', 0):,} mentees and {r.get('mentors_in_pool', 0):,} "
        f"mentors computed in {r.get('compute_s', 0)} s, {r.get('pairs_published', 0):,} pairs "
        f"published in {r.get('publish_s', 0)} s; import of {i.get('rows', 0):,} rows "
        f"({i.get('people_created', 0):,} new people) in {i.get('seconds', 0)} s; A's calls "
        f"returned after {report.get('a_calls_done_after_s')} s, every consumer had caught up "
        f"after {report.get('a_events_drained_after_s')} s"
    )
    print(f"B: {len(flow.logged)} sessions logged, {flow.errors} failed requests")
    print()
    for row in cpu_table(cpu):
        print(row)
    print(
        json.dumps(
            {
                "quiet_p99_ms": round(quiet99 * 1000),
                "noisy_p99_ms": round(noisy99 * 1000),
                "ratio_noisy_to_quiet_p99": round(ratio, 2),
                "target": 2.0,
                "pass": ratio <= 2.0 and flow.errors == 0,
                **(
                    {"after_p99_ms": round(percentile(flow.latencies("after"), 0.99) * 1000)}
                    if "after" in phases
                    else {}
                ),
            }
        )
    )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="A: 2,000 mentees; 30 s phases")
    parser.add_argument("--mentees", type=int, default=10_000, help="A's round (and import)")
    parser.add_argument("--rate", type=float, default=10.0, help="B's sessions per second")
    parser.add_argument("--b-pairs", type=int, default=20)
    parser.add_argument("--quiet", type=float, default=60.0, help="seconds of the baseline")
    parser.add_argument("--after", type=float, default=30.0, help="seconds of B alone after")
    parser.add_argument("--poll", type=float, default=0.01, help="analytics poll interval")
    parser.add_argument(
        "--bulk-lane",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="(with --split) the e-mail sender and the burst topics' projections at a lower CPU "
        "priority (nice 10), as CPU requests would give them on Kubernetes",
    )
    parser.add_argument(
        "--bulk-duty",
        type=float,
        default=0.5,
        help="(with the bulk lane) MENTORING_BULK_DUTY of the bulk API: the share of time A's "
        "import, round and publication may work (1: no pauses)",
    )
    parser.add_argument(
        "--max-noisy", type=float, default=1200.0, help="end the noisy phase after this long"
    )
    parser.add_argument("--import-delay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--split",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="analytics' projection of the sessions topic in a worker of its own (the "
        "recommended deployment); --no-split: one worker per service",
    )
    args = parser.parse_args()
    if args.quick:
        args.mentees, args.quiet, args.after = 2000, 30.0, 15.0
    args.run = uuid.uuid4().hex[:8]
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
