"""Every figure against the hand-computed scenario, folded in memory (no I/O); and the fold gives
the same read model whatever the batching, the order of topics and the redeliveries."""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from mentoring.analytics.adapters.memory_store import MemoryStore, merge
from mentoring.analytics.adapters.projection import Stream, fold
from mentoring.analytics.domain.cube import Cube, Period
from mentoring.analytics.domain.figures import (
    ActivePairsQuery,
    Dashboard,
    MembersQuery,
    ParticipantsQuery,
    PeopleQuery,
    UnitCell,
    build_dashboard,
)
from mentoring.analytics.domain.months import format_month, month_end, month_start
from mentoring.analytics.domain.privacy import Value
from mentoring.analytics.domain.readmodel import MENTEE_ROLES, MENTOR_ROLES
from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from tests.unit.analytics import scenario as sc

STREAMS = {
    topics.MATCHING: Stream.MATCHING,
    topics.SESSIONS: Stream.SESSIONS,
    topics.NOTIFICATIONS: Stream.NOTIFICATIONS,
}


def batches(events: Sequence[EventData], size: int) -> Iterator[tuple[Stream, list[EventData]]]:
    """Consecutive events of one topic, at most `size` at a time (as a consumer fetches)."""
    chunk: list[EventData] = []
    for event in events:
        if chunk and (len(chunk) >= size or event.topic != chunk[0].topic):
            yield STREAMS[chunk[0].topic], chunk
            chunk = []
        chunk.append(event)
    if chunk:
        yield STREAMS[chunk[0].topic], chunk


async def project(events: Sequence[EventData], size: int = 7) -> MemoryStore:
    store = MemoryStore()
    for stream, chunk in batches(events, size):
        store.apply(await fold(stream, chunk, store))
    return store


def resolve(store: MemoryStore, tenant: UUID, programme: UUID | None, q: PeopleQuery) -> int:
    """The exact people counts, as adapters/queries.py asks Postgres for them."""

    def mine(t: UUID, g: UUID) -> bool:
        return t == tenant and (programme is None or g == programme)

    if isinstance(q, MembersQuery):
        return len(
            {
                person
                for (t, g, pop, month, person) in store.member
                if mine(t, g)
                and pop in q.populations
                and month <= q.last
                and (q.first is None or month >= q.first)
            }
        )
    if isinstance(q, ParticipantsQuery):
        end, start = month_end(q.last), month_start(q.first) if q.first else None
        found = set()
        for (t, g, person), p in store.participant.items():
            if not mine(t, g) or p.enrolled_at is None:
                continue
            mentee = p.role in MENTEE_ROLES
            stock = p.enrolled_at < end and (p.withdrawn_at is None or p.withdrawn_at >= end)
            ok = {
                "mentors_enrolled": p.role in MENTOR_ROLES and stock,
                "mentees_enrolled": mentee and stock,
                "mentees_ever": mentee and p.enrolled_at < end,
                "mentees_proposed": mentee
                and bool(p.first_proposed_at)
                and p.first_proposed_at < end,  # type: ignore[operator]
                "mentees_matched": mentee and bool(p.first_matched_at) and p.first_matched_at < end,  # type: ignore[operator]
                "mentees_completed": mentee
                and bool(p.first_completed_at)
                and p.first_completed_at < end,  # type: ignore[operator]
                "mentees_matched_in": mentee
                and bool(p.first_matched_at)
                and start is not None
                and start <= p.first_matched_at < end,  # type: ignore[operator]
            }[q.stage]
            if ok:
                found.add(person)
        return len(found)
    assert isinstance(q, ActivePairsQuery)
    end = month_end(q.last)
    people = set()
    for (t, _pair), pair in store.pair.items():
        if t != tenant or pair.created_at is None or pair.created_at >= end:
            continue
        if q.programmes is not None and pair.programme_id not in q.programmes:
            continue
        if q.programmes is None and programme is not None and pair.programme_id != programme:
            continue
        if pair.ended_at is None or pair.ended_at >= end:
            people |= {pair.mentor_id, pair.mentee_id}
    return len(people)


def dashboard_of(
    store: MemoryStore,
    tenant: UUID,
    programme: UUID | None,
    first: date,
    last: date,
    costs: dict[UUID, Decimal] | None = None,
) -> Dashboard:
    def mine(t: UUID, g: UUID) -> bool:
        return t == tenant and (programme is None or g == programme)

    cube = Cube(
        (g, month, metric, amount)
        for (t, g, month, metric), amount in store.metric.items()
        if mine(t, g) and month <= last
    )
    totals: dict[tuple[UUID, UUID], list[int]] = {}
    for (t, g, month, a, b), (pairs, people) in store.unit.items():
        if mine(t, g) and first <= month <= last:
            cell = totals.setdefault((a, b), [0, 0, 0])
            cell[0] += pairs
            cell[1] = max(cell[1], people)
            cell[2] += people
    cells = [UnitCell(str(a), str(b), *v) for (a, b), v in sorted(totals.items(), key=str) if v[0]]
    arguments: dict[str, Any] = {
        "single_programme": programme is not None,
        "costs": costs or {},
        "cells": cells,
    }
    period = Period(first, last)
    dashboard, missing = build_dashboard(cube, period, exact={}, **arguments)
    exact = {q: resolve(store, tenant, programme, q) for q in missing}
    dashboard, still = build_dashboard(cube, period, exact=exact, **arguments)
    assert not still
    return dashboard


def as_json(v: Value) -> dict[str, Any]:
    return {"value": v.value, "suppressed": v.suppressed, "reason": v.reason}


JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@pytest.fixture(scope="module")
def tenant_a() -> tuple[sc.Ids, list[EventData]]:
    return sc.tenant_a()


async def test_every_figure_of_programme_p(tenant_a: tuple[sc.Ids, list[EventData]]) -> None:
    ids, events = tenant_a
    store = await project(events)
    d = dashboard_of(store, ids.tenant, ids.p, JAN, MAR, {ids.p: Decimal(sc.COST_P)})
    figures = {k: as_json(v) for k, v in d.figures.items()}
    assert sc.mismatches(sc.EXPECTED_P, figures) == {}
    assert "notifications_sent" not in figures  # tenant-wide only
    funnel = {stage: as_json(v) for stage, v in d.funnel}
    assert sc.mismatches(sc.EXPECTED_P_FUNNEL, funnel) == {}
    ratings = {r.rating: as_json(r.count) for r in d.ratings}
    assert sc.mismatches(sc.EXPECTED_P_RATINGS, ratings) == {}  # type: ignore[arg-type]
    assert [r.share.value for r in d.ratings] == [0.0, 0.1, 0.2, 0.4, 0.3]
    surveys = {
        r.instrument: {**{w: as_json(v) for w, v in r.waves.items()}, "change": as_json(r.change)}
        for r in d.surveys
    }
    for instrument, waves in sc.EXPECTED_P_SURVEYS.items():
        assert sc.mismatches(waves, surveys[instrument]) == {}, instrument
    unit = {str(v): k for k, v in ids.units.items()}
    cells = {
        (unit[c.mentor_unit_id], unit[c.mentee_unit_id]): as_json(c.pairs) for c in d.cross_units
    }
    assert sc.mismatches(sc.EXPECTED_P_CELLS, cells) == {}  # type: ignore[arg-type]
    assert set(cells) == set(sc.EXPECTED_P_CELLS)
    months = {
        format_month(r.month): {k: as_json(v) for k, v in r.values.items()} for r in d.monthly
    }
    for month, expected in sc.EXPECTED_P_MONTHS.items():
        assert sc.mismatches(expected, months[month]) == {}, month


async def test_every_programme_together(tenant_a: tuple[sc.Ids, list[EventData]]) -> None:
    ids, events = tenant_a
    store = await project(events)
    d = dashboard_of(store, ids.tenant, None, JAN, MAR, {ids.p: Decimal(sc.COST_P)})
    figures = {k: as_json(v) for k, v in d.figures.items()}
    assert sc.mismatches(sc.EXPECTED_ALL, figures) == {}
    unit = {str(v): k for k, v in ids.units.items()}
    cells = {
        (unit[c.mentor_unit_id], unit[c.mentee_unit_id]): as_json(c.pairs) for c in d.cross_units
    }
    assert sc.mismatches(sc.EXPECTED_ALL_CELLS, cells) == {}  # type: ignore[arg-type]


async def test_a_one_pair_programme_shows_nothing_about_its_people(
    tenant_a: tuple[sc.Ids, list[EventData]],
) -> None:
    ids, events = tenant_a
    store = await project(events)
    d = dashboard_of(store, ids.tenant, ids.q, JAN, MAR)
    figures = {k: as_json(v) for k, v in d.figures.items()}
    assert sc.mismatches(sc.EXPECTED_Q, figures) == {}


async def test_a_shorter_period(tenant_a: tuple[sc.Ids, list[EventData]]) -> None:
    ids, events = tenant_a
    store = await project(events)
    d = dashboard_of(store, ids.tenant, ids.p, FEB, FEB)
    figures = {k: as_json(v) for k, v in d.figures.items()}
    assert sc.mismatches(sc.EXPECTED_P_FEBRUARY, figures) == {}
    assert [format_month(r.month) for r in d.monthly] == ["2026-02"]


def _read_model(store: MemoryStore) -> tuple[Any, ...]:
    return (
        {k: v for k, v in store.metric.items() if v},
        {k: v for k, v in store.unit.items() if any(v)},
        store.member,
        store.pair_month,
        {
            k: (
                p.status,
                p.created_at,
                p.ended_at,
                p.mentor_id,
                p.last_session_at,
                p.sessions_logged,
            )
            for k, p in store.pair.items()
        },
        {k: (p.role, p.enrolled_at, p.first_matched_at) for k, p in store.participant.items()},
        store.cursor,
    )


async def test_batching_topic_order_and_redelivery_change_nothing(
    tenant_a: tuple[sc.Ids, list[EventData]],
) -> None:
    _ids, events = tenant_a
    baseline = _read_model(await project(events, size=500))
    by_topic = {t: [e for e in events if e.topic == t] for t in STREAMS}
    sessions_first = (
        by_topic[topics.SESSIONS] + by_topic[topics.NOTIFICATIONS] + by_topic[topics.MATCHING]
    )
    redelivered = [e for e in events for _ in (1, 2)]
    rng = random.Random(7)
    # Interleave the topics at random, keeping each topic's order (as partitions do).
    queues = [list(q) for q in by_topic.values()]
    shuffled: list[EventData] = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        shuffled.append(queue.pop(0))
    for variant, size in ((events, 1), (sessions_first, 3), (redelivered, 5), (shuffled, 2)):
        assert _read_model(await project(variant, size)) == baseline


async def test_a_replayed_batch_has_no_effect(tenant_a: tuple[sc.Ids, list[EventData]]) -> None:
    _ids, events = tenant_a
    store = await project(events)
    before = _read_model(store)
    for stream, chunk in batches(events, 50):
        changes = await fold(stream, chunk, store)
        assert changes.applied == 0
        store.apply(changes)
    assert _read_model(store) == before


async def _shares(
    events: Sequence[EventData], share_of: dict[str, int], workers: int
) -> MemoryStore:
    """Fold events as a parallel rebuild does: each share takes the partitions (here: a hash of
    the key, per topic) whose number modulo the workers is its own, topic after topic."""
    stores = []
    for share in range(workers):
        store = MemoryStore(partial=True)
        for topic in (topics.MATCHING, topics.SESSIONS, topics.NOTIFICATIONS):
            mine = [
                e
                for e in events
                if e.topic == topic
                and zlib.crc32(e.subject.encode()) % share_of[topic] % workers == share
            ]
            for stream, chunk in batches(mine, 5):
                store.apply(await fold(stream, chunk, store))
        stores.append(store)
    return merge(stores)


@pytest.mark.parametrize(
    "partitions",
    [
        {topics.MATCHING: 6, topics.SESSIONS: 6, topics.NOTIFICATIONS: 6},
        # Topics with different partition counts: a pair's lifecycle and its sessions, or a
        # mentee's enrolment and first match, land in different processes and meet in merge.
        {topics.MATCHING: 5, topics.SESSIONS: 7, topics.NOTIFICATIONS: 3},
    ],
)
async def test_a_parallel_rebuild_merges_into_the_same_read_model(
    tenant_a: tuple[sc.Ids, list[EventData]], partitions: dict[str, int]
) -> None:
    _ids, events = tenant_a
    baseline = _read_model(await project(events, size=500))
    for workers in (2, 3):
        assert _read_model(await _shares(events, partitions, workers)) == baseline
