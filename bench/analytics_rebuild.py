"""Rebuilding analytics' read model from offset 0 against raw aiokafka consumption of the same
topics, in the same run.

    uv run python bench/analytics_rebuild.py            # 1,000,000 events
    uv run python bench/analytics_rebuild.py --quick    # 100,000 events

Produces a realistic mix (enrolments and pair lifecycles on mentoring.matching; sessions,
feedback, goals, check-ins and pulse surveys on mentoring.sessions; notifications) into a fresh
topic namespace (12 partitions, keys as the producers use them), then
1. reads every record of the three topics with a plain aiokafka consumer (the reference), and
2. runs `mentoring analytics rebuild`'s code on them into a private read-model schema.
Prints both rates and their ratio (target: rebuild >= 0.3 x raw); the reference is measured
before and after the rebuild and their mean is used (the machine may be shared). Needs
`make infra`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy.engine import make_url

from mentoring.analytics.adapters import kafka_io, schema
from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.entrypoints.cli import asyncpg_dsn
from mentoring.analytics.service_layer.rebuild import RebuildConfig, rebuild
from mentoring.contracts import topics
from mentoring.kit.kafka import all_platform_topics, ensure_topics
from mentoring.kit.testing import delete_topics

BOOTSTRAP = os.environ.get("MENTORING_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
PARTITIONS = 12
SESSIONS_PER_PAIR = 12
TENANTS = 20
SOURCES = {
    topics.MATCHING: b"/mentoring/matching",
    topics.SESSIONS: b"/mentoring/sessions",
    topics.NOTIFICATIONS: b"/mentoring/notifications",
}


class Ids:
    """Fast, unique UUID strings (event ids) and random entity ids."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = self.rng.getrandbits(64) << 64

    def event(self) -> str:
        self.counter += 1
        s = f"{self.counter:032x}"
        return f"{s[:8]}-{s[8:12]}-4{s[13:16]}-8{s[17:20]}-{s[20:]}"

    def entity(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


Record = tuple[str, bytes, bytes, list[tuple[str, bytes]]]


def event(  # noqa: PLR0917 - a record builder called a million times
    ids: Ids, topic: str, ce_type: str, subject: str, tenant: str, at: datetime, data: str
) -> Record:
    when = iso(at)
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", ids.event().encode()),
        ("ce_source", SOURCES[topic]),
        ("ce_type", ce_type.encode()),
        ("ce_time", when.encode()),
        ("ce_subject", subject.encode()),
        ("ce_tenantid", tenant.encode()),
        ("ce_dataschema", b"urn:mentoring:schema:" + ce_type.encode()),
        ("content-type", b"application/json"),
        ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    ]
    value = f'{{"tenant_id":"{tenant}","occurred_at":"{when}",{data}}}'.encode()
    return topic, subject.encode(), value, headers


def pair_events(
    ids: Ids, k: int, tenant: str, programme: str, units: list[str]
) -> Iterator[Record]:
    """Everything that happens to one pair, each aggregate's events in sequence order."""
    rng = ids.rng
    mentor, mentee, pair = ids.entity(), ids.entity(), ids.entity()
    start = datetime(2025, 1, 3, 9, tzinfo=UTC) + timedelta(days=k % 150)
    mu, eu = rng.choice(units), rng.choice(units)
    for person, role in ((mentor, "mentor"), (mentee, "mentee")):
        yield event(
            ids,
            topics.MATCHING,
            "matching.participant_enrolled.v1",
            person,
            tenant,
            start,
            f'"sequence":1,"participant_id":"{person}","programme_id":'
            f'"{programme}","role":"{role}","unit_id":"{mu if role == "mentor" else eu}",'
            f'"consented_at":"{iso(start)}"',
        )
    people = (
        f'"pair_id":"{pair}","programme_id":"{programme}","mentor_id":"{mentor}",'
        f'"mentee_id":"{mentee}"'
    )
    units_json = f'"mentor_unit_id":"{mu}","mentee_unit_id":"{eu}"'
    proposed, created = start + timedelta(days=3), start + timedelta(days=5)
    yield event(
        ids,
        topics.MATCHING,
        "matching.pair_proposed.v1",
        pair,
        tenant,
        proposed,
        f'"sequence":1,{people},{units_json},"score":0.8,"explanation":[]',
    )
    yield event(
        ids,
        topics.MATCHING,
        "matching.pair_created.v1",
        pair,
        tenant,
        created,
        f'"sequence":2,{people},{units_json},"proposed_at":"{iso(proposed)}"',
    )
    seq = 0

    def session_event(ce_type: str, at: datetime, data: str) -> Record:
        nonlocal seq
        seq += 1
        return event(
            ids,
            topics.SESSIONS,
            ce_type,
            pair,
            tenant,
            at,
            f'"sequence":{seq},"pair_id":"{pair}","programme_id":"{programme}",{data}',
        )

    goal = ids.entity()
    yield session_event("sessions.goal_set.v1", created, f'"goal_id":"{goal}"')
    for n in range(SESSIONS_PER_PAIR):
        held = created + timedelta(days=14 + 28 * n)
        session = ids.entity()
        yield session_event(
            "sessions.session_scheduled.v1",
            held - timedelta(days=7),
            f'"session_id":"{session}","starts_at":"{iso(held)}",'
            f'"duration_minutes":60,"mode":"online"',
        )
        yield session_event(
            "sessions.session_logged.v1",
            held,
            f'"session_id":"{session}","held_at":"{iso(held)}",'
            f'"duration_minutes":{rng.choice((45, 60, 90))}',
        )
        fit = ',"fit_check":true' if n == 0 else ""
        for who in (mentee, mentor):
            yield session_event(
                "sessions.feedback_submitted.v1",
                held + timedelta(hours=2),
                f'"session_id":"{session}","participant_id":"{who}",'
                f'"rating":{rng.randint(2, 5)}{fit}',
            )
        yield event(
            ids,
            topics.NOTIFICATIONS,
            "notifications.notification_sent.v1",
            notification := ids.entity(),
            tenant,
            held - timedelta(days=1),
            f'"sequence":1,"notification_id":"{notification}","recipient_id":'
            f'"{mentee}","channel":"email","kind":"session_reminder"',
        )
        if n in (2, 6):
            survey = ids.entity()
            due = held + timedelta(days=1)
            yield session_event(
                "sessions.survey_due.v1",
                due,
                f'"survey_id":"{survey}","participant_id":"{mentee}",'
                f'"instrument":"checkin","instrument_version":"1",'
                f'"wave":"checkin-{n}","due_at":"{iso(due)}"',
            )
            yield session_event(
                "sessions.survey_submitted.v1",
                due + timedelta(days=2),
                f'"survey_id":"{survey}","participant_id":"{mentee}",'
                f'"instrument":"checkin","instrument_version":"1",'
                f'"wave":"checkin-{n}","score":4.0',
            )
    for wave, at in (("start", created), ("end", created + timedelta(days=330))):
        yield session_event(
            "sessions.survey_submitted.v1",
            at,
            f'"survey_id":"{ids.entity()}","participant_id":"{mentee}",'
            f'"instrument":"psych_safety_edmondson_7","instrument_version":'
            f'"edmondson-1999-7","wave":"{wave}","score":{rng.randint(30, 60) / 10}',
        )
    yield session_event(
        "sessions.goal_achieved.v1", created + timedelta(days=300), f'"goal_id":"{goal}"'
    )
    if k % 3 == 0:
        yield event(
            ids,
            topics.MATCHING,
            "matching.pair_ended.v1",
            pair,
            tenant,
            created + timedelta(days=340),
            f'"sequence":3,{people},"reason":"completed"',
        )


def workload(total: int) -> Iterator[Record]:
    ids = Ids(2026)
    tenants = [ids.entity() for _ in range(TENANTS)]
    programmes = {t: [ids.entity(), ids.entity()] for t in tenants}
    units = {t: [ids.entity() for _ in range(15)] for t in tenants}
    produced, k = 0, 0
    while produced < total:
        tenant = tenants[k % TENANTS]
        for record in pair_events(ids, k, tenant, programmes[tenant][k % 2], units[tenant]):
            yield record
            produced += 1
            if produced >= total:
                return
        k += 1


async def produce(namespace: str, total: int) -> dict[str, int]:
    producer = AIOKafkaProducer(
        bootstrap_servers=BOOTSTRAP,
        acks=1,
        linger_ms=20,
        max_batch_size=1 << 20,
        max_request_size=8 << 20,
    )
    await producer.start()
    batches: dict[tuple[str, int], Any] = {}
    pending: list[asyncio.Future[object]] = []
    counts: dict[str, int] = {}
    try:
        for topic, key, value, headers in workload(total):
            counts[topic] = counts.get(topic, 0) + 1
            slot = (namespace + topic, zlib.crc32(key) % PARTITIONS)
            batch = batches.get(slot) or producer.create_batch()
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                pending.append(await producer.send_batch(batch, slot[0], partition=slot[1]))
                batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None, headers=headers)
            batches[slot] = batch
            if len(pending) > 64:
                await asyncio.gather(*pending)
                pending.clear()
        for slot, batch in batches.items():
            pending.append(await producer.send_batch(batch, slot[0], partition=slot[1]))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return counts


async def raw_consumption(namespace: str) -> tuple[int, float]:
    names = [namespace + t for t in (topics.MATCHING, topics.SESSIONS, topics.NOTIFICATIONS)]
    firsts, ends = await kafka_io.offsets(BOOTSTRAP, names)
    total = sum(ends[tp] - firsts[tp] for tp in ends)
    consumer = kafka_io.reader(BOOTSTRAP)
    await consumer.start()
    try:
        tps = list(ends)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        started = time.perf_counter()
        seen = 0
        while seen < total:
            for records in (await consumer.getmany(timeout_ms=500, max_records=10000)).values():
                seen += len(records)
        return seen, time.perf_counter() - started
    finally:
        await consumer.stop()


async def main(total: int, workers: int) -> None:
    settings = AnalyticsSettings()
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    rm_schema = f"rm_bench_{uuid.uuid4().hex[:8]}"
    owner = await asyncpg.connect(asyncpg_dsn(settings.migration_database_url))
    app_role = make_url(settings.database_url).username or "analytics"
    await ensure_topics(BOOTSTRAP, all_platform_topics(namespace), partitions=PARTITIONS)
    try:
        await schema.create_read_model_schema(owner, rm_schema, app_role)
        print(f"producing {total:,} events into {namespace}* ({PARTITIONS} partitions)...")
        started = time.perf_counter()
        counts = await produce(namespace, total)
        print(
            f"  produced in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{t} {n:,}" for t, n in counts.items())
        )

        seen, raw_seconds = await raw_consumption(namespace)
        print(
            f"raw aiokafka consumption: {seen:,} records in {raw_seconds:.2f} s "
            f"= {seen / raw_seconds:,.0f} records/s"
        )

        cfg = RebuildConfig(
            bootstrap=BOOTSTRAP,
            namespace=namespace,
            group_prefix=f"bench-analytics-{uuid.uuid4().hex[:6]}",
            schema=rm_schema,
            owner_dsn=asyncpg_dsn(settings.migration_database_url),
            app_role=app_role,
            workers=workers,
        )
        started = time.perf_counter()
        report = await rebuild(cfg)
        seconds = time.perf_counter() - started
        rate = report.records / seconds
        await owner.execute("SELECT set_config('app.scope', 'system', false)")
        rows = {
            t: await owner.fetchval(f'SELECT count(*) FROM "{rm_schema}".{t}')
            for t in ("rm_metric_month", "rm_member", "rm_pair", "rm_cursor")
        }
        print(
            f"rebuild, {workers} process(es) (read, decode, fold, COPY, index, swap, offsets): "
            f"{report.records:,} records ({report.applied:,} applied) in {seconds:.2f} s "
            f"= {rate:,.0f} records/s"
        )
        print("  phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in report.phases.items()))
        print("  read model rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
        again, again_seconds = await raw_consumption(namespace)
        print(
            f"raw aiokafka consumption again: {again:,} records in {again_seconds:.2f} s "
            f"= {again / again_seconds:,.0f} records/s"
        )
        raw_rate = (seen / raw_seconds + again / again_seconds) / 2  # before and after: the mean
        ratio = rate / raw_rate
        print(
            f"ratio rebuild / raw consumption: {ratio:.2f} (target >= 0.30) "
            f"{'PASS' if ratio >= 0.3 else 'FAIL'}"
        )
    finally:
        await schema.drop_schema(owner, rm_schema)
        await schema.drop_schema(owner, schema.shadow_of(rm_schema))
        await owner.close()
        await delete_topics(BOOTSTRAP, namespace)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 events")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument(
        "--workers", type=int, default=1, help="rebuild processes (the command's --workers)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.events or (100_000 if args.quick else 1_000_000), args.workers))
