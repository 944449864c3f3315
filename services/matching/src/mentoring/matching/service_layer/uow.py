"""The matching unit of work: the kit's transaction plus matching's repositories."""

from __future__ import annotations

from typing import Self

from sqlalchemy import text

from mentoring.kit.uow import SqlUnitOfWork
from mentoring.matching.adapters.org_repo import SqlOrgRepository
from mentoring.matching.adapters.pair_repo import SqlPairRepository
from mentoring.matching.adapters.participant_repo import SqlParticipantRepository
from mentoring.matching.adapters.programme_repo import SqlProgrammeRepository
from mentoring.matching.adapters.repository import SqlTenantRepository
from mentoring.matching.adapters.round_repo import SqlRoundRepository


class MatchingUnitOfWork(SqlUnitOfWork):
    tenants: SqlTenantRepository
    programmes: SqlProgrammeRepository
    org: SqlOrgRepository
    participants: SqlParticipantRepository
    pairs: SqlPairRepository
    rounds: SqlRoundRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.tenants = SqlTenantRepository(self.session)
        self.programmes = SqlProgrammeRepository(self.session)
        self.org = SqlOrgRepository(self.session)
        self.participants = SqlParticipantRepository(self.session)
        self.pairs = SqlPairRepository(self.session, self.outbox.namespace)
        self.rounds = SqlRoundRepository(self.session)
        return self

    async def lock(self, name: str) -> None:
        """A transaction-scoped advisory lock of this tenant (one org import at a time, say)."""
        await self.session.execute(
            text("select pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"matching:{name}:{self.tenant_id}"},
        )
