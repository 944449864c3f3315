"""Reminders live in Postgres: a worker that stops while a reminder is pending loses nothing, and
the reminder is sent once - even when two workers are running when it falls due."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer

from mentoring.contracts.events import sessions
from mentoring.kit.testing import Infrastructure, eventually, running
from mentoring.notifications.bootstrap import build_worker
from mentoring.notifications.config import NotificationsSettings
from tests.integration.notifications.conftest import (
    NotifyEnv,
    notifications_settings,
    settle,
    superuser_db,
)


@pytest.fixture(scope="module")
async def env(
    infrastructure: Infrastructure,
    migrated: dict[str, Any],
    kafka_bootstrap: str,
    namespace: str,
    mail_sink: Any,
) -> AsyncIterator[NotifyEnv]:
    """No worker yet: the test starts and stops them."""
    sink, port = mail_sink
    settings = notifications_settings(migrated, kafka_bootstrap, namespace, port)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    db = await superuser_db(infrastructure)
    try:
        yield NotifyEnv(settings, producer, db, sink, namespace)
    finally:
        await producer.stop()
        await db.close()


def _worker(settings: NotificationsSettings) -> Any:
    return build_worker(settings)


async def test_a_restart_during_a_pending_reminder_sends_it_once(env: NotifyEnv) -> None:
    m = env.ministry()
    mentee = m.person("Weronika Wysocka")
    survey_id = uuid4()
    due_at = datetime.now(UTC) + timedelta(seconds=6)
    async with running(_worker(env.settings)):
        await m.profiles(mentee)
        await env.publish(
            m.event(
                sessions.SurveyDue,
                pair_id=uuid4(),
                programme_id=m.programme_id,
                survey_id=survey_id,
                participant_id=mentee.id,
                instrument="checkin",
                instrument_version="1",
                wave="checkin-2",
                due_at=due_at,
            )
        )
        pending = await eventually(
            lambda: env.db.fetchrow(
                "select status, due_at from reminder where tenant_id = $1", m.tenant
            ),
            until=lambda r: r is not None,
            what="the pending reminder",
        )
        assert pending["status"] == "pending"
    # the worker is gone and the reminder is not due yet
    assert datetime.now(UTC) < due_at
    assert await m.notifications() == []

    # two new workers (one consumer group): whichever fires it, it fires once
    async with running(_worker(env.settings)), running(_worker(env.settings)):
        [row] = await m.wait_notifications(1, timeout=40)
        assert (row["recipient_id"], row["kind"]) == (mentee.id, "survey_due")
        assert row["created_at"] >= due_at
        [mail] = await env.mail_to(mentee.email)
        assert mail["Subject"] == "Prośba o wypełnienie ankiety: ankieta kontrolna"
        await settle(2.0)
        assert len(await m.notifications()) == 1
        assert len(env.mail.to(mentee.email)) == 1
    fired = await env.db.fetch("select status from reminder where tenant_id = $1", m.tenant)
    assert [r["status"] for r in fired] == ["fired"]
    sent = await env.db.fetchval(
        "select count(*) from delivery where recipient_id = $1 and status = 'sent'", mentee.id
    )
    assert sent == 1
