"""The sessions unit of work: the kit's transaction plus the sessions repositories."""

from __future__ import annotations

from typing import Self
from uuid import UUID

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
        self.pairs = SqlPairRepository(db)
        self.sessions = SqlSessionRepository(db)
        self.topics = SqlTopicRepository(db)
        self.agreements = SqlAgreementRepository(db)
        self.goals = SqlGoalRepository(db)
        self.feedback = SqlFeedbackRepository(db)
        self.surveys = SqlSurveyRepository(db)
        return self

    @property
    def tenant(self) -> UUID:
        """The tenant of a tenant-scoped unit of work (never the system scope)."""
        assert self.tenant_id is not None, "a tenant-scoped unit of work"
        return self.tenant_id
