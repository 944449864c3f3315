"""The contact directory (from the compacted profile topic), preferences, and the in-app inbox:
everything a message needs at the moment it is rendered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.notifications.adapters.store import preferences_of
from mentoring.notifications.domain import model


@dataclass(frozen=True)
class Contact:
    person_id: UUID
    display_name: str
    email: str
    locale: str


@dataclass
class Directory:
    """Contacts, preferences, programmes and pairs that a set of messages mention."""

    default_locale: str = "pl"
    contacts: dict[UUID, Contact] = field(default_factory=dict)
    preferences: dict[UUID, model.Preferences] = field(default_factory=dict)
    programmes: dict[UUID, str] = field(default_factory=dict)
    pairs: dict[UUID, model.Pair] = field(default_factory=dict)

    def prefs(self, person: UUID) -> model.Preferences:
        return self.preferences.get(person, model.DEFAULT_PREFERENCES)


@dataclass(frozen=True)
class StoredNotification:
    notification_id: UUID
    recipient_id: UUID
    kind: model.Kind
    params: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


_UPSERT_CONTACT = text(
    """
    INSERT INTO contact (person_id, tenant_id, display_name, email, locale, updated_at)
    VALUES (:person_id, :tenant_id, :display_name, :email, :locale, now())
    ON CONFLICT (person_id) DO UPDATE SET display_name = EXCLUDED.display_name,
        email = EXCLUDED.email, locale = EXCLUDED.locale, updated_at = now()
    """
)
_CONTACTS = text(
    "SELECT person_id, display_name, email, locale FROM contact "
    "WHERE person_id = ANY(CAST(:ids AS uuid[]))"
)
_PREFERENCES = text("SELECT * FROM preference WHERE person_id = ANY(CAST(:ids AS uuid[]))")
_PROGRAMMES = text(
    "SELECT programme_id, name FROM programme WHERE programme_id = ANY(CAST(:ids AS uuid[]))"
)
_PAIRS = text(
    "SELECT pair_id, programme_id, mentor_id, mentee_id, status FROM pair "
    "WHERE pair_id = ANY(CAST(:ids AS uuid[]))"
)
_TENANT_LOCALE = text("SELECT default_locale FROM tenant_replica LIMIT 1")
_UPSERT_PREFERENCES = text(
    """
    INSERT INTO preference (person_id, tenant_id, email, quiet_start, quiet_end, timezone,
                            digest, digest_time, updated_at)
    VALUES (:person_id, :tenant_id, :email, :quiet_start, :quiet_end, :timezone, :digest,
            :digest_time, now())
    ON CONFLICT (person_id) DO UPDATE SET email = EXCLUDED.email,
        quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end,
        timezone = EXCLUDED.timezone, digest = EXCLUDED.digest,
        digest_time = EXCLUDED.digest_time, updated_at = now()
    """
)
_INBOX = text(
    """
    SELECT notification_id, recipient_id, kind, params, created_at, read_at
    FROM notification
    WHERE recipient_id = :me AND (NOT :unread_only OR read_at IS NULL)
    ORDER BY created_at DESC, notification_id
    LIMIT :limit OFFSET :offset
    """
)
_COUNT = text(
    "SELECT count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread "
    "FROM notification WHERE recipient_id = :me"
)
_MARK_READ = text(
    """
    UPDATE notification SET read_at = coalesce(read_at, now())
    WHERE notification_id = :id AND recipient_id = :me
    RETURNING notification_id, recipient_id, kind, params, created_at, read_at
    """
)
_MARK_ALL_READ = text(
    "UPDATE notification SET read_at = now() WHERE recipient_id = :me AND read_at IS NULL"
)
_NOTIFICATIONS = text(
    "SELECT notification_id, recipient_id, kind, params, created_at, read_at "
    "FROM notification WHERE notification_id = ANY(CAST(:ids AS uuid[]))"
)


def _stored(r: Any) -> StoredNotification:
    return StoredNotification(
        notification_id=r.notification_id,
        recipient_id=r.recipient_id,
        kind=model.Kind(r.kind),
        params=r.params,
        created_at=r.created_at,
        read_at=r.read_at,
    )


def mentioned_people(params: dict[str, Any]) -> set[UUID]:
    return {
        UUID(params[k]) for k in ("partner_id", "scheduled_by") if isinstance(params.get(k), str)
    }


class SqlDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_contact(
        self, *, person_id: UUID, tenant_id: UUID, display_name: str, email: str, locale: str
    ) -> None:
        await self.session.execute(
            _UPSERT_CONTACT,
            {
                "person_id": person_id,
                "tenant_id": tenant_id,
                "display_name": display_name,
                "email": email,
                "locale": locale,
            },
        )

    async def for_messages(
        self, recipients: Iterable[UUID], params: Iterable[dict[str, Any]]
    ) -> Directory:
        """What rendering needs: the recipients, people the messages mention (partners, the
        members of a pair a coordinator hears about), programme names, the tenant's locale."""
        out = Directory()
        people = set(recipients)
        programme_ids: set[UUID] = set()
        pair_ids: set[UUID] = set()
        for p in params:
            people |= mentioned_people(p)
            if isinstance(p.get("programme_id"), str):
                programme_ids.add(UUID(p["programme_id"]))
            if isinstance(p.get("pair_id"), str):
                pair_ids.add(UUID(p["pair_id"]))
        if pair_ids:
            rows = await self.session.execute(_PAIRS, {"ids": sorted(pair_ids)})
            for r in rows:
                out.pairs[r.pair_id] = model.Pair(
                    r.pair_id, r.programme_id, r.mentor_id, r.mentee_id, model.PairStatus(r.status)
                )
                people |= {r.mentor_id, r.mentee_id}
        if programme_ids:
            rows = await self.session.execute(_PROGRAMMES, {"ids": sorted(programme_ids)})
            out.programmes = {r.programme_id: r.name for r in rows}
        if people:
            ids = sorted(people)
            out.contacts = {
                r.person_id: Contact(r.person_id, r.display_name, r.email, r.locale)
                for r in await self.session.execute(_CONTACTS, {"ids": ids})
            }
            out.preferences = {
                r.person_id: preferences_of(r)
                for r in await self.session.execute(_PREFERENCES, {"ids": ids})
            }
        locale = (await self.session.execute(_TENANT_LOCALE)).scalar()
        if locale:
            out.default_locale = locale
        return out

    async def preferences(self, person: UUID) -> model.Preferences:
        rows = await self.session.execute(_PREFERENCES, {"ids": [person]})
        row = rows.first()
        return preferences_of(row) if row else model.DEFAULT_PREFERENCES

    async def save_preferences(
        self, tenant_id: UUID, person: UUID, prefs: model.Preferences
    ) -> None:
        await self.session.execute(
            _UPSERT_PREFERENCES,
            {
                "person_id": person,
                "tenant_id": tenant_id,
                "email": prefs.email,
                "quiet_start": prefs.quiet_start,
                "quiet_end": prefs.quiet_end,
                "timezone": prefs.timezone,
                "digest": prefs.digest,
                "digest_time": prefs.digest_time,
            },
        )

    # -- the in-app inbox ------------------------------------------------------------------

    async def inbox(
        self, me: UUID, *, unread_only: bool, limit: int, offset: int
    ) -> tuple[list[StoredNotification], int, int]:
        rows = (
            await self.session.execute(
                _INBOX, {"me": me, "unread_only": unread_only, "limit": limit, "offset": offset}
            )
        ).all()
        counts = (await self.session.execute(_COUNT, {"me": me})).one()
        total = int(counts.unread if unread_only else counts.total)
        return [_stored(r) for r in rows], total, int(counts.unread)

    async def mark_read(self, me: UUID, notification_id: UUID) -> StoredNotification | None:
        row = (await self.session.execute(_MARK_READ, {"id": notification_id, "me": me})).first()
        return _stored(row) if row else None

    async def mark_all_read(self, me: UUID) -> int:
        result = await self.session.execute(_MARK_ALL_READ, {"me": me})
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def notifications(self, ids: Iterable[UUID]) -> dict[UUID, StoredNotification]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(_NOTIFICATIONS, {"ids": wanted})
        return {r.notification_id: _stored(r) for r in rows}
