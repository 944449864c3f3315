"""A person's own side: the in-app inbox (rendered in their language when read) and their
notification preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from mentoring.kit.errors import NotFound
from mentoring.notifications.adapters.directory import StoredNotification
from mentoring.notifications.adapters.templates import Renderer
from mentoring.notifications.domain.model import Preferences
from mentoring.notifications.domain.schedule import checked_preferences
from mentoring.notifications.service_layer.uow import NotificationsUnitOfWork


@dataclass(frozen=True)
class InboxItem:
    notification_id: UUID
    kind: str
    subject: str
    body: str
    locale: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    total: int
    unread: int


async def _render(
    uow: NotificationsUnitOfWork, renderer: Renderer, me: UUID, notes: list[StoredNotification]
) -> list[InboxItem]:
    directory = await uow.directory.for_messages([me], [n.params for n in notes])
    items = []
    for n in notes:
        rendered = renderer.render(n.kind, n.params, me, directory)
        items.append(
            InboxItem(
                notification_id=n.notification_id,
                kind=n.kind.value,
                subject=rendered.subject,
                body=rendered.content,
                locale=rendered.locale,
                data=n.params,
                created_at=n.created_at,
                read_at=n.read_at,
            )
        )
    return items


async def list_inbox(
    uow: NotificationsUnitOfWork,
    renderer: Renderer,
    me: UUID,
    *,
    unread_only: bool,
    limit: int,
    offset: int,
) -> InboxPage:
    async with uow:
        notes, total, unread = await uow.directory.inbox(
            me, unread_only=unread_only, limit=limit, offset=offset
        )
        items = await _render(uow, renderer, me, notes)
    return InboxPage(items=items, total=total, unread=unread)


async def mark_read(
    uow: NotificationsUnitOfWork, renderer: Renderer, me: UUID, notification_id: UUID
) -> InboxItem:
    async with uow:
        note = await uow.directory.mark_read(me, notification_id)
        if note is None:
            raise NotFound("no such notification")
        [item] = await _render(uow, renderer, me, [note])
        await uow.commit()
    return item


async def mark_all_read(uow: NotificationsUnitOfWork, me: UUID) -> int:
    async with uow:
        count = await uow.directory.mark_all_read(me)
        await uow.commit()
    return count


async def get_preferences(uow: NotificationsUnitOfWork, me: UUID) -> Preferences:
    async with uow:
        return await uow.directory.preferences(me)


async def set_preferences(
    uow: NotificationsUnitOfWork, me: UUID, prefs: Preferences
) -> Preferences:
    checked_preferences(prefs)
    assert uow.tenant_id is not None
    async with uow:
        await uow.directory.save_preferences(uow.tenant_id, me, prefs)
        await uow.commit()
    return prefs
