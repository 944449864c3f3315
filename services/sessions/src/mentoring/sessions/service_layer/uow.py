"""The sessions unit of work: the kit's transaction plus the sessions repositories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Self
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.kit.db import driver_transaction
from mentoring.kit.outbox import Outbox
from mentoring.kit.uow import SqlUnitOfWork
from mentoring.sessions.adapters.pairs import SqlPairRepository
from mentoring.sessions.adapters.records import (
    SqlAgreementRepository,
    SqlFeedbackRepository,
    SqlGoalRepository,
)
from mentoring.sessions.adapters.sessions import SqlSessionRepository, SqlTopicRepository
from mentoring.sessions.adapters.surveys import SqlSurveyRepository


class SessionsUnitOfWork(SqlUnitOfWork):
    pairs: SqlPairRepository
    sessions: SqlSessionRepository
    topics: SqlTopicRepository
    agreements: SqlAgreementRepository
    goals: SqlGoalRepository
    feedback: SqlFeedbackRepository
    surveys: SqlSurveyRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        db = self.session
        self.pairs = SqlPairRepository(db, self.outbox.namespace)
        self.sessions = SqlSessionRepository(db)
        self.topics = SqlTopicRepository(db)
        self.agreements = SqlAgreementRepository(db)
        self.goals = SqlGoalRepository(db)
        self.feedback = SqlFeedbackRepository(db)
        self.surveys = SqlSurveyRepository(db, self.outbox.namespace)
        return self

    @property
    def tenant(self) -> UUID:
        """The tenant of a tenant-scoped unit of work (never the system scope)."""
        assert self.tenant_id is not None, "a tenant-scoped unit of work"
        return self.tenant_id


@dataclass(frozen=True)
class HotPath:
    """What the hot path needs instead of a unit of work: one transaction on the driver,
    scoped to the tenant as every transaction is, and the outbox for its event."""

    engine: AsyncEngine
    outbox: Outbox

    @asynccontextmanager
    async def transaction(self, tenant_id: UUID) -> AsyncIterator[Any]:
        async with driver_transaction(self.engine, tenant_id) as driver:
            yield driver
