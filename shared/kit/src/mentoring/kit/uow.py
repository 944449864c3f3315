"""The unit of work: one transaction, scoped to a tenant, that commits state and events together.

A use case stages events with `emit`; `commit` writes them to the outbox in the same transaction,
then commits once. Leaving the block without `commit` rolls everything back.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts.base import EventData
from mentoring.kit.db import set_system_scope, set_tenant
from mentoring.kit.outbox import Outbox
from mentoring.kit.pacing import PACER_KEY, Pacer


class SqlUnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        tenant_id: UUID | None,
        *,
        traceparent: str | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self._sessions = sessions
        self.pacer = pacer
        self.outbox = outbox
        self.tenant_id = tenant_id
        self.traceparent = traceparent
        self._staged: list[tuple[type[EventData], dict[str, Any]]] = []
        self._session: AsyncSession | None = None
        self.committed = False

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        if self.pacer is not None:  # bulk work: `pace(session)` between its chunks
            self._session.info[PACER_KEY] = self.pacer
        await self._session.begin()
        if self.tenant_id is None:
            await set_system_scope(self._session)
        else:
            await set_tenant(self._session, self.tenant_id)
        self._staged = []
        self.committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if not self.committed:
                await session.rollback()
        finally:
            await session.close()

    async def pace(self) -> None:
        """Between the transactions or chunks of bulk work: see `kit.pacing`."""
        if self.pacer is not None:
            await self.pacer.step()

    def emit(self, event_type: type[EventData], **fields: Any) -> None:
        """Stage an event; it is validated and written to the outbox at commit."""
        self._staged.append((event_type, fields))

    async def switch_tenant(self, tenant_id: UUID) -> None:
        """For a platform-level use case that creates a tenant's first rows (provisioning)."""
        self.tenant_id = tenant_id
        await set_tenant(self.session, tenant_id)

    async def commit(self) -> None:
        for event_type, fields in self._staged:
            await self.outbox.append(
                self.session, event_type, traceparent=self.traceparent, **fields
            )
        self._staged = []
        await self.session.commit()
        self.committed = True
