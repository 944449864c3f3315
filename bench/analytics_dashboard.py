"""The dashboard JSON of a tenant with 1,000,000 sessions against a primary-key lookup on the same
database, in the same run.

    uv run python bench/analytics_dashboard.py            # 1,000,000 sessions
    uv run python bench/analytics_dashboard.py --quick    # 100,000 sessions

Seeds one tenant straight into a private read-model schema (the projection's own fold, written
with COPY, no broker): 4 programmes, 20,000 pairs in 30 units over 24 months, 50 sessions per pair
(fewer with --quick), a rating for every fourth session, check-ins and pulse surveys. Then, through
the same in-process HTTP client and the same API (auth, tenant transaction, JSON), it times
- GET /api/v1/dashboard (every figure, series, funnel, ratings, surveys, unit matrix), and
- GET /api/v1/programmes/{id}/cost (one primary-key lookup: the reference),
and prints p50 and p95 of both and their ratio (target: dashboard p95 <= 10 x lookup p95).
A direct asyncpg primary-key lookup is printed for information. Needs `make infra`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url

from mentoring.analytics.adapters import schema
from mentoring.analytics.adapters.memory_store import CopyWriter, MemoryStore
from mentoring.analytics.adapters.projection import Stream, fold
from mentoring.analytics.bootstrap import build_api
from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.entrypoints.cli import asyncpg_dsn
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching as m
from mentoring.contracts.events import sessions as s
from mentoring.kit.auth import mint_token

PROGRAMMES = 4
UNITS = 30
PAIRS = 20_000
START = datetime(2024, 1, 8, 9, tzinfo=UTC)
NOW = datetime(2025, 12, 20, tzinfo=UTC)


def events(tenant: uuid.UUID, sessions_per_pair: int) -> Iterator[tuple[Stream, EventData]]:
    """The tenant's history, each aggregate's events in order (model_construct: no validation,
    the values are built right here)."""
    rng = random.Random(7)
    programmes = [uuid.uuid4() for _ in range(PROGRAMMES)]
    units = [uuid.uuid4() for _ in range(UNITS)]
    for i, programme in enumerate(programmes):
        yield (
            Stream.MATCHING,
            m.ProgrammeOpened.model_construct(
                tenant_id=tenant,
                sequence=1,
                occurred_at=START - timedelta(days=7),
                programme_id=programme,
                name=f"Programme {i + 1}",
                kind=m.ProgrammeKind.ONE_TO_ONE,
                mode=m.MatchingMode.BEST_QUALITY,
                starts_on=START.date(),
                ends_on=(START + timedelta(days=720)).date(),
                max_mentees_per_mentor=2,
                inactivity_days=30,
                coordinator_id=None,
            ),
        )
    for k in range(PAIRS):
        programme = programmes[k % PROGRAMMES]
        pair, mentor, mentee = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        mu, eu = rng.choice(units), rng.choice(units)
        created = START + timedelta(days=k % 20, hours=k % 7)
        for person, role, unit in (
            (mentor, m.ParticipantRole.MENTOR, mu),
            (mentee, m.ParticipantRole.MENTEE, eu),
        ):
            yield (
                Stream.MATCHING,
                m.ParticipantEnrolled.model_construct(
                    tenant_id=tenant,
                    sequence=1,
                    occurred_at=created - timedelta(days=10),
                    participant_id=person,
                    programme_id=programme,
                    role=role,
                    unit_id=unit,
                    consented_at=created,
                ),
            )
        yield (
            Stream.MATCHING,
            m.PairCreated.model_construct(
                tenant_id=tenant,
                sequence=1,
                occurred_at=created,
                pair_id=pair,
                programme_id=programme,
                mentor_id=mentor,
                mentee_id=mentee,
                mentor_unit_id=mu,
                mentee_unit_id=eu,
                proposed_at=created - timedelta(days=2),
            ),
        )
        seq = 0

        def nxt() -> int:
            nonlocal seq
            seq += 1
            return seq

        for n in range(sessions_per_pair):
            held = created + timedelta(days=14 * n + 7)
            yield (
                Stream.SESSIONS,
                s.SessionLogged.model_construct(
                    tenant_id=tenant,
                    sequence=nxt(),
                    occurred_at=held,
                    pair_id=pair,
                    programme_id=programme,
                    session_id=uuid.uuid4(),
                    held_at=held,
                    duration_minutes=60,
                    topics=[],
                    mode=None,
                ),
            )
            if n % 4 == 0:
                yield (
                    Stream.SESSIONS,
                    s.FeedbackSubmitted.model_construct(
                        tenant_id=tenant,
                        sequence=nxt(),
                        occurred_at=held,
                        pair_id=pair,
                        programme_id=programme,
                        session_id=uuid.uuid4(),
                        participant_id=mentee,
                        rating=rng.randint(2, 5),
                        fit_check=(rng.random() > 0.1) if n == 0 else None,
                    ),
                )
            if n % 12 == 6:
                survey = uuid.uuid4()
                yield (
                    Stream.SESSIONS,
                    s.SurveyDue.model_construct(
                        tenant_id=tenant,
                        sequence=nxt(),
                        occurred_at=held,
                        pair_id=pair,
                        programme_id=programme,
                        survey_id=survey,
                        participant_id=mentee,
                        instrument="checkin",
                        instrument_version="1",
                        wave=f"checkin-{n}",
                        due_at=held,
                    ),
                )
                if rng.random() < 0.7:
                    yield (
                        Stream.SESSIONS,
                        s.SurveySubmitted.model_construct(
                            tenant_id=tenant,
                            sequence=nxt(),
                            occurred_at=held,
                            pair_id=pair,
                            programme_id=programme,
                            survey_id=survey,
                            participant_id=mentee,
                            instrument="checkin",
                            instrument_version="1",
                            wave=f"checkin-{n}",
                            score=4.0,
                        ),
                    )
        for wave, at in (("start", created), ("end", created + timedelta(days=600))):
            yield (
                Stream.SESSIONS,
                s.SurveySubmitted.model_construct(
                    tenant_id=tenant,
                    sequence=nxt(),
                    occurred_at=at,
                    pair_id=pair,
                    programme_id=programme,
                    survey_id=uuid.uuid4(),
                    participant_id=mentee,
                    instrument="psych_safety_edmondson_7",
                    instrument_version="edmondson-1999-7",
                    wave=wave,
                    score=rng.randint(30, 60) / 10,
                ),
            )


async def seed(
    owner: asyncpg.Connection, rm_schema: str, tenant: uuid.UUID, per_pair: int, app_role: str
) -> int:
    await schema.create_empty_tables(owner, "public", rm_schema)
    store, writer = MemoryStore(), CopyWriter(owner, rm_schema)
    batch: list[EventData] = []
    current: Stream | None = None
    sessions = 0
    for stream, event in events(tenant, per_pair):
        sessions += isinstance(event, s.SessionLogged)
        if batch and (stream is not current or len(batch) >= 10000):
            assert current is not None
            store.apply(await fold(current, batch, store))
            batch = []
            if len(store.new_members) > 200_000:
                await writer.stream(*store.take_streamed())
        current = stream
        batch.append(event)
    assert current is not None
    store.apply(await fold(current, batch, store))
    await writer.finish(store)
    await schema.finish_tables(owner, "public", rm_schema, app_role)
    return sessions


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def main(per_pair: int, rounds: int) -> None:
    settings = AnalyticsSettings()
    rm_schema = f"rm_dash_{uuid.uuid4().hex[:8]}"
    tenant = uuid.uuid4()
    app_role = make_url(settings.database_url).username or "analytics"
    owner = await asyncpg.connect(asyncpg_dsn(settings.migration_database_url))
    try:
        started = time.perf_counter()
        gc.disable()
        sessions = await seed(owner, rm_schema, tenant, per_pair, app_role)
        gc.enable()
        gc.collect()  # the seeding's garbage, not the requests', and out of the way for good
        gc.freeze()
        await owner.execute("SELECT set_config('app.scope', 'system', false)")
        counts = {
            t: await owner.fetchval(f'SELECT count(*) FROM "{rm_schema}".{t}')
            for t in ("rm_metric_month", "rm_member", "rm_pair", "rm_unit_month")
        }
        print(
            f"seeded {sessions:,} sessions for one tenant in {time.perf_counter() - started:.1f}"
            " s: " + ", ".join(f"{t} {n:,}" for t, n in counts.items())
        )
        programme = await owner.fetchval(
            f'SELECT programme_id FROM "{rm_schema}".rm_programme LIMIT 1'
        )
        app = build_api(
            settings.model_copy(
                update={
                    "read_model_schema": rm_schema,
                    "rate_limit_per_second": 1e6,
                    "rate_limit_burst": 10**6,
                }
            ),
            clock=lambda: NOW,
        )
        token = mint_token(
            secret=settings.jwt_secret,
            subject="bench",
            tenant_id=tenant,
            roles=["coordinator", "analyst"],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        headers = {"Authorization": f"Bearer {token}"}
        async with LifespanManager(app) as manager:
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://bench"
            )
            put = await client.put(
                f"/api/v1/programmes/{programme}/cost",
                json={"amount": "1200000.00"},
                headers=headers,
            )
            assert put.status_code == 200, put.text
            dashboard = "/api/v1/dashboard"
            lookup = f"/api/v1/programmes/{programme}/cost"
            body = (await client.get(dashboard, headers=headers)).json()
            print(
                f"dashboard: {body['period']}, {len(body['months'])} months, "
                f"{len(body['cross_units'])} unit pairs; sessions_logged = "
                f"{body['figures']['sessions_logged']['value']:,.0f}"
            )
            timings: dict[str, list[float]] = {"dashboard": [], "lookup": [], "programme": []}
            paths = {
                "dashboard": dashboard,
                "lookup": lookup,
                "programme": f"{dashboard}?programme_id={programme}",
            }
            for i in range(rounds + 20):
                for name, path in paths.items():
                    t0 = time.perf_counter()
                    response = await client.get(path, headers=headers)
                    elapsed = time.perf_counter() - t0
                    assert response.status_code == 200, response.text
                    if i >= 20:  # warm-up
                        timings[name].append(elapsed * 1000)
            await client.aclose()
        raw: list[float] = []
        app_conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
        try:
            for _ in range(rounds):
                t0 = time.perf_counter()
                async with app_conn.transaction():
                    await app_conn.execute(
                        "SELECT set_config('app.tenant_id', $1, true)", str(tenant)
                    )
                    await app_conn.fetchrow(
                        "SELECT * FROM programme_cost WHERE tenant_id = $1 AND programme_id = $2",
                        tenant,
                        programme,
                    )
                raw.append((time.perf_counter() - t0) * 1000)
        finally:
            await app_conn.close()
        for name, label in (
            ("dashboard", "dashboard JSON, whole tenant"),
            ("programme", "dashboard JSON, one programme"),
            ("lookup", "primary-key lookup via the API"),
        ):
            values = timings[name]
            print(f"{label:32s} p50 {p(values, 50):7.2f} ms   p95 {p(values, 95):7.2f} ms")
        print(
            f"{'primary-key lookup, asyncpg':32s} p50 {p(raw, 50):7.2f} ms   "
            f"p95 {p(raw, 95):7.2f} ms   (for information)"
        )
        ratio = p(timings["dashboard"], 95) / p(timings["lookup"], 95)
        print(
            f"ratio dashboard p95 / lookup p95: {ratio:.2f} (target <= 10) "
            f"{'PASS' if ratio <= 10 else 'FAIL'}"
        )
    finally:
        await schema.drop_schema(owner, rm_schema)
        await owner.execute("DELETE FROM programme_cost WHERE tenant_id = $1", tenant)
        await owner.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 sessions, fewer rounds")
    args = parser.parse_args()
    asyncio.run(main(5 if args.quick else 50, 100 if args.quick else 300))
