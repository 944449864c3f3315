"""Fixtures of the sessions integration tests: the API in-process on the real Postgres, a way to
put pairs into the read model through the worker's own event handling code, and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching
from mentoring.kit.db import create_engine, session_factory
from mentoring.kit.outbox import Outbox
from mentoring.sessions.bootstrap import build_api
from mentoring.sessions.config import SessionsSettings
from mentoring.sessions.entrypoints.worker import apply
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork
from tests.conftest import bearer


@dataclass(frozen=True)
class SeededPair:
    id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID


@dataclass
class SessionsEnv:
    """One test's tenant, API client and helpers."""

    client: httpx.AsyncClient
    settings: SessionsSettings
    db: asyncpg.Connection
    token: Callable[..., str]
    engine: Any
    tenant: UUID = field(default_factory=uuid4)

    def member(self, participant_id: UUID, role: str = "mentee") -> dict[str, str]:
        return bearer(self.token(self.tenant, role, sub=str(participant_id)))

    def coordinator(self) -> dict[str, str]:
        return bearer(self.token(self.tenant, "coordinator", sub=f"coord-{uuid4().hex[:6]}"))

    def analyst(self) -> dict[str, str]:
        return bearer(self.token(self.tenant, "analyst", sub=f"analyst-{uuid4().hex[:6]}"))

    def mentor_of(self, pair: SeededPair) -> dict[str, str]:
        return self.member(pair.mentor_id, "mentor")

    def mentee_of(self, pair: SeededPair) -> dict[str, str]:
        return self.member(pair.mentee_id, "mentee")

    async def apply(self, event: EventData) -> None:
        """Apply a matching event through the worker's own handler code (no broker)."""
        uow = SessionsUnitOfWork(
            session_factory(self.engine),
            Outbox(namespace=self.settings.topic_namespace),
            event.tenant_id,
        )
        async with uow:
            await apply(uow, event)
            await uow.commit()

    async def seed_pair(
        self, *, created_at: datetime | None = None, programme_id: UUID | None = None
    ) -> SeededPair:
        pair = SeededPair(uuid4(), programme_id or uuid4(), uuid4(), uuid4())
        at = created_at or datetime.now(UTC) - timedelta(days=1)
        await self.apply(
            matching.PairCreated(
                tenant_id=self.tenant,
                sequence=2,
                occurred_at=at,
                pair_id=pair.id,
                programme_id=pair.programme_id,
                mentor_id=pair.mentor_id,
                mentee_id=pair.mentee_id,
                proposed_at=at - timedelta(days=2),
            )
        )
        return pair

    async def end_pair(self, pair: SeededPair) -> None:
        await self.apply(
            matching.PairEnded(
                tenant_id=self.tenant,
                sequence=3,
                occurred_at=datetime.now(UTC),
                pair_id=pair.id,
                programme_id=pair.programme_id,
                mentor_id=pair.mentor_id,
                mentee_id=pair.mentee_id,
                reason=matching.PairEndReason.COMPLETED,
            )
        )

    async def open_programme(self, programme_id: UUID, starts_on: date, ends_on: date) -> None:
        await self.apply(
            matching.ProgrammeOpened(
                tenant_id=self.tenant,
                sequence=1,
                occurred_at=datetime.now(UTC),
                programme_id=programme_id,
                name="Program mentoringowy",
                kind=matching.ProgrammeKind.ONE_TO_ONE,
                mode=matching.MatchingMode.BEST_QUALITY,
                starts_on=starts_on,
                ends_on=ends_on,
                max_mentees_per_mentor=3,
            )
        )

    async def add_topics(self, *codes: str) -> None:
        for code in codes:
            response = await self.client.post(
                "/api/v1/topics",
                json={"code": code, "label_pl": f"Temat {code}", "label_en": f"Topic {code}"},
                headers=self.coordinator(),
            )
            assert response.status_code == 201, response.text

    async def count(self, sql: str, *args: Any) -> int:
        return int(await self.db.fetchval(sql, *args))

    async def outbox_types(self) -> list[str]:
        rows = await self.db.fetch(
            "select event_type from outbox_message where tenant_id = $1 order by position",
            self.tenant,
        )
        return [r["event_type"] for r in rows]


@pytest.fixture
async def env(
    settings_for: Callable[..., Any],
    api_client: Callable[..., Any],
    token: Callable[..., str],
    admin_db: Callable[[str], Any],
) -> AsyncIterator[SessionsEnv]:
    settings = settings_for("sessions")
    client = await api_client(build_api(settings))
    engine = create_engine(settings.database_url, pool_size=2, max_overflow=2)
    try:
        yield SessionsEnv(
            client=client,
            settings=settings,
            db=await admin_db("sessions"),
            token=token,
            engine=engine,
        )
    finally:
        await engine.dispose()
        await retire_unsent(await admin_db("sessions"), settings.topic_namespace)


async def retire_unsent(db: asyncpg.Connection, namespace: str) -> None:
    """Outbox rows this module staged but did not publish go to its own topics, which are
    deleted after the module: mark them sent so no relay keeps retrying a topic that is gone."""
    await db.execute(
        "update outbox_message set sent_at = now() where sent_at is null and topic like $1",
        namespace + "%",
    )
