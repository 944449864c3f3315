"""The survey scheduler of one deployment announces surveys only for the pairs its own deployment
recorded: two workers with different topic namespaces share the sessions database (as test
modules and `make up` do), and each one's job leaves the other's pairs alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from mentoring.contracts import topics
from mentoring.contracts.events import matching
from mentoring.kit.db import session_factory
from mentoring.kit.outbox import Outbox
from mentoring.kit.worker import Worker
from mentoring.sessions.bootstrap import build_worker
from mentoring.sessions.entrypoints.worker import apply
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork
from tests.integration.sessions.conftest import SeededPair, SessionsEnv


async def _record_pair(
    env: SessionsEnv, namespace: str, programme_id: UUID, created_at: datetime
) -> SeededPair:
    """A pair recorded by the deployment of `namespace`, through its consumer's own code."""
    pair = SeededPair(uuid4(), programme_id, uuid4(), uuid4())
    uow = SessionsUnitOfWork(session_factory(env.engine), Outbox(namespace=namespace), env.tenant)
    async with uow:
        await apply(
            uow,
            matching.PairCreated(
                tenant_id=env.tenant,
                sequence=2,
                occurred_at=created_at,
                pair_id=pair.id,
                programme_id=programme_id,
                mentor_id=pair.mentor_id,
                mentee_id=pair.mentee_id,
                proposed_at=created_at - timedelta(days=2),
            ),
        )
        await uow.commit()
    return pair


def _survey_job(worker: Worker) -> Any:
    return next(job for job in worker.jobs if job.name == "surveys_due")


async def _announced(env: SessionsEnv, pair: SeededPair) -> list[tuple[str, str]]:
    """(topic, instrument) of every survey_due event staged for the pair."""
    rows = await env.db.fetch(
        "select topic, payload->>'instrument' as instrument from outbox_message "
        "where tenant_id = $1 and event_type = 'sessions.survey_due.v1' "
        "and payload->>'pair_id' = $2 order by position",
        env.tenant,
        str(pair.id),
    )
    return [(r["topic"], r["instrument"]) for r in rows]


async def _state(env: SessionsEnv, pair: SeededPair) -> tuple[Any, ...]:
    row = await env.db.fetchrow(
        "select namespace, next_checkin_at, pulse_wave, pulse_due_on from pair where pair_id = $1",
        pair.id,
    )
    assert row is not None
    return tuple(row.values())


async def test_each_namespace_schedules_only_its_own_pairs(
    env: SessionsEnv, settings_for: Any
) -> None:
    settings_a = env.settings
    settings_b = settings_for("sessions", topic_namespace=settings_a.topic_namespace + "b.")
    worker_a, worker_b = build_worker(settings_a), build_worker(settings_b)
    try:
        today = datetime.now(UTC).date()
        created = datetime.now(UTC) - timedelta(days=31)  # the first check-in is due now
        programme = uuid4()
        await env.open_programme(programme, today - timedelta(days=40), today + timedelta(days=200))
        pair_a = await _record_pair(env, settings_a.topic_namespace, programme, created)
        pair_b = await _record_pair(env, settings_b.topic_namespace, programme, created)
        state_a = await _state(env, pair_a)
        assert state_a[0] == settings_a.topic_namespace
        assert (await _state(env, pair_b))[0] == settings_b.topic_namespace

        await _survey_job(worker_b).run()
        assert await _announced(env, pair_a) == []  # B leaves A's pair alone...
        assert await _state(env, pair_a) == state_a
        assert await env.count("select count(*) from survey where pair_id = $1", pair_a.id) == 0
        on_b = await _announced(env, pair_b)  # ...and schedules its own, on its own topic
        assert on_b and {t for t, _ in on_b} == {settings_b.topic_namespace + topics.SESSIONS}

        await _survey_job(worker_a).run()
        on_a = await _announced(env, pair_a)
        assert {t for t, _ in on_a} == {settings_a.topic_namespace + topics.SESSIONS}
        assert sorted(i for _, i in on_a) == sorted(i for _, i in on_b)  # the same surveys
        assert await _announced(env, pair_b) == on_b  # A added nothing for B's pair
        assert await _state(env, pair_a) != state_a  # A moved its pair's schedule on
    finally:
        await worker_a.engine.dispose()
        await worker_b.engine.dispose()
