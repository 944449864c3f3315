"""The matching unit of work: the kit's transaction plus matching's repositories."""

from __future__ import annotations

from typing import Self

from mentoring.kit.uow import SqlUnitOfWork
from mentoring.matching.adapters.repository import SqlTenantRepository


class MatchingUnitOfWork(SqlUnitOfWork):
    tenants: SqlTenantRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.tenants = SqlTenantRepository(self.session)
        return self
