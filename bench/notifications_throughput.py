"""Benchmark: events per second from the topic to recorded in-app notifications, against raw
aiokafka consumption of the same events, in the same run on the same broker.

  raw     aiokafka: a fresh consumer group reads the backlog and decodes every record with the
          kit's CloudEvents decoder (headers, JSON, schema validation) - and does nothing else
  worker  the notifications worker (its consumer runtime, inbox claims, read models, the rules,
          the in-app notifications, queued e-mails where the person wants e-mail, all
          committed) reading the same backlog

Two workloads, each against its own raw reference:

  survey_due    (the target figure) `sessions.survey_due.v1` events of one tenant, each for one
                participant who chose in-app notifications only: each event records exactly one
                in-app notification (and its inbox claim), no e-mail is queued.
  pair_created  (for information) `matching.pair_created.v1` events of a programme with a
                coordinator, people with default preferences: each event records three
                notifications (mentor, mentee, coordinator), queues three e-mails and keeps the
                pair - about nine rows per event.

E-mail sending is switched off for the measurement (the e-mails stay queued); the outbox relay
runs as it does in production. Prints both rates and their ratio (target >= 0.25, survey_due).

Needs the local infrastructure: eval "$(bash deploy/local/infra.sh env)".
Usage: uv run python bench/notifications_throughput.py [--quick] [--events N] [--only NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text

from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching, sessions
from mentoring.kit.db import create_engine, session_factory, tenant_transaction
from mentoring.kit.envelope import ce_headers, decode, encode_data, to_kafka_headers
from mentoring.kit.kafka import all_platform_topics, ensure_topics
from mentoring.kit.migrate import upgrade
from mentoring.kit.outbox import Outbox
from mentoring.kit.testing import delete_topics, running
from mentoring.notifications.adapters.store import notification_id
from mentoring.notifications.bootstrap import MIGRATIONS, build_worker
from mentoring.notifications.config import NotificationsSettings
from mentoring.notifications.domain.model import Draft, Kind, Preferences
from mentoring.notifications.service_layer.uow import NotificationsUnitOfWork

PARTITIONS = 6
PEOPLE = 1000  # per group: in-app-only survey participants, and pair members with defaults
TARGET = 0.25


@dataclass
class Produced:
    """What a workload put on its topic: the event ids and the last event of each partition."""

    topic: str
    event_type: str
    ids: list[uuid.UUID]
    last: list[tuple[EventData, uuid.UUID]]
    subjects: list[str]


@dataclass
class Figures:
    name: str
    events: int
    raw: float
    raw_s: float
    ours: float
    ours_s: float
    notifications: int
    emails: int

    @property
    def ratio(self) -> float:
        return self.ours / self.raw


async def _produce(producer: AIOKafkaProducer, topic: str, events: list[EventData]) -> Produced:
    """Publish in order; remembers the last event written to each partition."""
    futures, ids = [], []
    for event in events:
        event_id = uuid.uuid4()
        ids.append(event_id)
        headers = ce_headers(event, event_id=event_id, time=event.occurred_at)
        futures.append(
            await producer.send(
                topic,
                value=encode_data(event),
                key=event.subject.encode(),
                headers=to_kafka_headers(headers),
            )
        )
    metadata = await asyncio.gather(*futures)
    last: dict[int, tuple[EventData, uuid.UUID]] = {}
    for event, event_id, meta in zip(events, ids, metadata, strict=True):
        last[meta.partition] = (event, event_id)
    subjects = sorted({f"{e.topic}/{e.subject}" for e in events})  # the inbox cursors' keys
    return Produced(topic, events[0].event_type, ids, list(last.values()), subjects)


async def _produce_profiles(
    producer: AIOKafkaProducer, topic: str, tenant: uuid.UUID, people: list[uuid.UUID]
) -> None:
    futures = []
    for i, person in enumerate(people):
        value = json.dumps(
            {
                "participant_id": str(person),
                "tenant_id": str(tenant),
                "display_name": f"Uczestnik Łódzki {i}",
                "email": f"p{i}@example.gov.pl",
                "locale": "pl" if i % 3 else "en",
            }
        ).encode()
        futures.append(await producer.send(topic, value=value, key=str(person).encode()))
    await asyncio.gather(*futures)


async def raw_rate(bootstrap: str, produced: Produced) -> tuple[float, float]:
    """Events per second of a bare aiokafka consumer that decodes each record."""
    consumer = AIOKafkaConsumer(
        produced.topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    try:
        seen, expected = 0, len(produced.ids)
        started: float | None = None
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            for records in batch.values():
                if started is None:
                    started = time.perf_counter()
                for record in records:
                    env = decode(record.headers, record.value)
                    if env.type == produced.event_type:
                        seen += 1
        assert started is not None
        elapsed = time.perf_counter() - started
        return seen / elapsed, elapsed
    finally:
        await consumer.stop()


async def worker_rate(
    settings: NotificationsSettings, events: int, finished: Callable[[], Awaitable[bool]]
) -> tuple[float, float]:
    """Events per second from the topic to committed notifications. As for the raw consumer,
    the clock starts when the first fetch returns records, and it stops when the last event of
    every partition is recorded (a primary-key probe, not a count that would compete with the
    worker)."""
    worker = build_worker(settings)
    [events_consumer] = [rt for rt in worker.runtimes if rt.sub.name == "events"]
    started_at: list[float] = []

    async def note_first_records() -> None:
        await events_consumer.assigned.wait()
        before = events_consumer.last_fetch_with_records
        while events_consumer.last_fetch_with_records == before:  # noqa: ASYNC110 (no event)
            await asyncio.sleep(0.001)
        # the runtime notes the wall-clock time at which that fetch returned
        age = time.time() - events_consumer.last_fetch_with_records
        started_at.append(time.perf_counter() - age)

    watcher = asyncio.create_task(note_first_records())
    async with running(worker):
        await watcher
        started = started_at[0]
        while not await finished():
            if time.perf_counter() - started > 900:
                raise RuntimeError("the worker did not finish within 900 s")
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    return events / elapsed, elapsed


async def _wait(probe: Callable[[], Awaitable[bool]], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


class Bench:
    def __init__(self, settings: NotificationsSettings, tenant: uuid.UUID) -> None:
        self.settings = settings
        self.tenant = tenant
        self.engine = create_engine(settings.database_url, pool_size=2)
        self.sessions = session_factory(self.engine)
        self.produced: list[Produced] = []

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with tenant_transaction(self.sessions, self.tenant) as s:
            return (await s.execute(text(sql), params)).scalar_one()

    async def counts(self, kinds: tuple[Kind, ...]) -> tuple[int, int]:
        """In-app notifications and queued e-mails of these kinds (this tenant, RLS)."""
        names = [k.value for k in kinds]
        notes = await self.scalar(
            "SELECT count(*) FROM notification WHERE kind = ANY(CAST(:k AS text[]))", k=names
        )
        mails = await self.scalar(
            "SELECT count(*) FROM delivery WHERE kind = ANY(CAST(:k AS text[]))", k=names
        )
        return int(notes), int(mails)

    async def measure(
        self, name: str, produced: Produced, finished: Callable[[], Awaitable[bool]]
    ) -> tuple[float, float, float, float]:
        self.produced.append(produced)
        # the raw pass takes well under a second: the median of three is steadier than one
        runs = sorted([await raw_rate(self.settings.kafka_bootstrap, produced) for _ in range(3)])
        raw, raw_s = runs[1]
        ours, ours_s = await worker_rate(self.settings, len(produced.ids), finished)
        return raw, raw_s, ours, ours_s

    async def survey_due(
        self, producer: AIOKafkaProducer, n: int, people: list[uuid.UUID], programme: uuid.UUID
    ) -> Figures:
        """One in-app notification per event: the participant, who wants in-app only."""
        rng = random.Random(11)
        backlog: list[EventData] = []
        now = datetime.now(UTC)
        for i in range(n // 2):  # a survey wave: the mentor's and the mentee's, one pair each
            pair_id = uuid.uuid4()
            for sequence, participant in enumerate(rng.sample(people, 2), start=1):
                backlog.append(
                    sessions.SurveyDue(
                        tenant_id=self.tenant,
                        sequence=sequence,
                        occurred_at=now,
                        pair_id=pair_id,
                        programme_id=programme,
                        survey_id=uuid.uuid4(),
                        participant_id=participant,
                        instrument="checkin",
                        instrument_version="checkin-2026-1",
                        wave=f"checkin-{i % 5 + 1}",
                        due_at=now - timedelta(minutes=1),
                    )
                )
        produced = await _produce(
            producer, self.settings.topic_namespace + topics.SESSIONS, backlog
        )
        probe_ids = [
            notification_id(
                Draft(
                    recipient_id=event.participant_id,  # type: ignore[attr-defined]
                    kind=Kind.SURVEY_DUE,
                    params={},
                    cause_event_id=event_id,
                    dedupe_key=f"{event_id}/{Kind.SURVEY_DUE.value}",
                )
            )
            for event, event_id in produced.last
        ]

        async def finished() -> bool:
            found = await self.scalar(
                "SELECT count(*) FROM notification"
                " WHERE notification_id = ANY(CAST(:ids AS uuid[]))",
                ids=probe_ids,
            )
            return int(found) == len(probe_ids)

        raw, raw_s, ours, ours_s = await self.measure("survey_due", produced, finished)
        notes, mails = await self.counts((Kind.SURVEY_DUE,))
        return Figures("survey_due", len(backlog), raw, raw_s, ours, ours_s, notes, mails)

    async def pair_created(
        self, producer: AIOKafkaProducer, n: int, people: list[uuid.UUID], programme: uuid.UUID
    ) -> Figures:
        """The fan-out: mentor, mentee and coordinator, each with a queued e-mail."""
        rng = random.Random(7)
        now = datetime.now(UTC)
        backlog: list[EventData] = [
            matching.PairCreated(
                tenant_id=self.tenant,
                sequence=1,
                occurred_at=now,
                pair_id=uuid.uuid4(),
                programme_id=programme,
                mentor_id=mentor,
                mentee_id=mentee,
                proposed_at=now,
            )
            for mentor, mentee in (rng.sample(people, 2) for _ in range(n))
        ]
        produced = await _produce(
            producer, self.settings.topic_namespace + topics.MATCHING, backlog
        )
        last_pairs = [e.pair_id for e, _id in produced.last]  # type: ignore[attr-defined]

        async def finished() -> bool:
            # the pair and its notifications commit together
            found = await self.scalar(
                "SELECT count(*) FROM pair WHERE pair_id = ANY(CAST(:ids AS uuid[]))",
                ids=last_pairs,
            )
            return int(found) == len(last_pairs)

        raw, raw_s, ours, ours_s = await self.measure("pair_created", produced, finished)
        notes, mails = await self.counts((Kind.PAIR_CREATED, Kind.PAIR_CREATED_COORDINATOR))
        return Figures("pair_created", n, raw, raw_s, ours, ours_s, notes, mails)

    async def cleanup(self, namespace: str) -> None:
        try:
            async with tenant_transaction(self.sessions, self.tenant) as s:
                for table in (
                    "delivery",
                    "notification",
                    "reminder",
                    "parked_intent",
                    "pair",
                    "programme",
                    "preference",
                    "contact",
                ):
                    await s.execute(text(f"DELETE FROM {table}"))  # this tenant's rows (RLS)
            async with tenant_transaction(self.sessions, None) as s:
                await s.execute(
                    text("DELETE FROM outbox_message WHERE topic LIKE :ns"), {"ns": namespace + "%"}
                )
                # the worker's inbox rows of this run: left behind, every run would make the
                # next one's inserts slower (the inbox keeps a week of ids in production)
                for p in self.produced:
                    await s.execute(
                        text("DELETE FROM inbox_message WHERE event_id = ANY(:ids)"),
                        {"ids": p.ids},
                    )
                    await s.execute(
                        text("DELETE FROM inbox_cursor WHERE subject = ANY(:subjects)"),
                        {"subjects": p.subjects},
                    )
        finally:
            await self.engine.dispose()
        await delete_topics(self.settings.kafka_bootstrap, namespace)


async def main(events: int, only: str | None) -> None:
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    base = NotificationsSettings()
    settings = base.model_copy(
        update={
            "topic_namespace": namespace,
            "topic_partitions": PARTITIONS,
            "consumer_group": f"bench-notifications-{uuid.uuid4().hex[:8]}",
            "dispatch_enabled": False,
            "log_level": "WARNING",
        }
    )
    bootstrap = settings.kafka_bootstrap
    await ensure_topics(bootstrap, all_platform_topics(namespace), partitions=PARTITIONS)
    tenant, programme, coordinator = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    in_app_only = [uuid.uuid4() for _ in range(PEOPLE)]
    defaults = [uuid.uuid4() for _ in range(PEOPLE)]
    bench = Bench(settings, tenant)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024
    )
    await producer.start()
    results: list[Figures] = []
    try:
        # the tenant's people, its programme and coordinator: read once, before measuring
        everyone = [coordinator, *in_app_only, *defaults]
        await _produce_profiles(producer, namespace + topics.PROFILES, tenant, everyone)
        opened = matching.ProgrammeOpened(
            tenant_id=tenant,
            sequence=1,
            occurred_at=datetime.now(UTC),
            programme_id=programme,
            name="Ścieżka liderów",
            kind="one_to_one",
            mode="best_quality",
            starts_on=date.today(),
            ends_on=date.today() + timedelta(days=180),
            max_mentees_per_mentor=3,
            coordinator_id=coordinator,
        )
        await _produce(producer, namespace + topics.MATCHING, [opened])
        async with NotificationsUnitOfWork(bench.sessions, Outbox(), tenant) as uow:
            for person in in_app_only:
                await uow.directory.save_preferences(tenant, person, Preferences(email=False))
            await uow.commit()

        async def loaded() -> bool:
            contacts = await bench.scalar("SELECT count(*) FROM contact")
            programmes = await bench.scalar("SELECT count(*) FROM programme")
            return bool(contacts == len(everyone) and programmes == 1)

        async with running(build_worker(settings)):
            await _wait(loaded, "contacts and the programme")

        if only in (None, "survey_due"):
            results.append(await bench.survey_due(producer, events, in_app_only, programme))
        if only in (None, "pair_created"):
            results.append(await bench.pair_created(producer, events, defaults, programme))
    finally:
        await producer.stop()
        await bench.cleanup(namespace)

    for f in results:
        main_figure = f.name == "survey_due"
        label = "target figure" if main_figure else "for information"
        print(f"{f.name} ({label}): {f.events} events")
        print(
            f"  raw aiokafka      {f.raw:>8.0f} events/s   "
            f"({f.raw_s:.2f} s, consume + decode; median of 3)"
        )
        print(
            f"  notifications     {f.ours:>8.0f} events/s   ({f.ours_s:.2f} s; "
            f"{f.notifications} in-app notifications recorded, {f.emails} e-mails queued)"
        )
        verdict = ("OK" if f.ratio >= TARGET else "LOW") if main_figure else "-"
        print(f"  ratio             {f.ratio:>8.2f}   (target >= {TARGET}: {verdict})")
    problems = []
    for f in results:
        want = (f.events, 0) if f.name == "survey_due" else (3 * f.events, 3 * f.events)
        if (f.notifications, f.emails) != want:
            problems.append(f"{f.name}: expected {want}, found {(f.notifications, f.emails)}")
    if problems:
        raise SystemExit("; ".join(problems))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="2,000 events instead of 20,000")
    parser.add_argument("--events", type=int, default=None, help="events per workload")
    parser.add_argument("--only", choices=("survey_due", "pair_created"), default=None)
    args = parser.parse_args()
    defaults = NotificationsSettings()
    upgrade(MIGRATIONS, defaults.migration_database_url, defaults.database_url)
    asyncio.run(main(args.events or (2000 if args.quick else 20000), args.only))
