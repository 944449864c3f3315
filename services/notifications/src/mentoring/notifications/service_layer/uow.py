"""The notifications unit of work: the kit's tenant-scoped transaction plus the service's SQL."""

from __future__ import annotations

from typing import Self

from mentoring.kit.uow import SqlUnitOfWork
from mentoring.notifications.adapters.directory import SqlDirectory
from mentoring.notifications.adapters.endpoints import SqlEndpoints
from mentoring.notifications.adapters.queue import SqlQueue
from mentoring.notifications.adapters.store import SqlNotificationStore


class NotificationsUnitOfWork(SqlUnitOfWork):
    store: SqlNotificationStore
    directory: SqlDirectory
    queue: SqlQueue
    endpoints: SqlEndpoints

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.store = SqlNotificationStore(self.session, self.outbox.namespace)
        self.directory = SqlDirectory(self.session)
        self.queue = SqlQueue(self.session, self.outbox.namespace)
        self.endpoints = SqlEndpoints(self.session)
        return self
