"""SQL repository of sessions, their private notes and the tenant's topic list.

Logging a past session is the hot path: one statement checks that the pair is active, that the
caller belongs to it and that every topic is on the tenant's list, and inserts the session (and
its note) only then. The reasons for a refusal are looked up only when it happens. Through the
API it goes further (`log_past_once`, on the asyncpg driver): the same statement also claims
the Idempotency-Key with the response and appends the `session_logged` event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Text

from mentoring.kit.db import DriverStatement
from mentoring.kit.idempotency import claim_sql
from mentoring.kit.outbox import PreparedEvent, append_sql
from mentoring.sessions.adapters.tables import pair, session, session_note, topic
from mentoring.sessions.domain.pairs import Caller, Pair, PairStatus
from mentoring.sessions.domain.sessions import Mode, Session, SessionStatus

_INSERT_LOGGED = text(
    """
    WITH p AS (
        SELECT programme_id FROM pair
        WHERE pair_id = CAST(:pair_id AS uuid) AND status = 'active'
          AND (mentor_id = CAST(:by AS uuid) OR mentee_id = CAST(:by AS uuid))
          AND (SELECT count(*) FROM topic WHERE code = ANY(CAST(:topics AS text[])) AND active)
              = cardinality(CAST(:topics AS text[]))
    ), s AS (
        INSERT INTO session (tenant_id, session_id, pair_id, programme_id, status, mode,
                             starts_at, duration_minutes, held_at, topics, logged_by, logged_at,
                             created_at, updated_at)
        SELECT CAST(:tenant_id AS uuid), CAST(:session_id AS uuid), CAST(:pair_id AS uuid),
               p.programme_id, 'logged', CAST(:mode AS text), CAST(:held_at AS timestamptz),
               CAST(:duration AS smallint), CAST(:held_at AS timestamptz),
               CAST(:topics AS text[]), CAST(:by AS uuid), CAST(:now AS timestamptz),
               CAST(:now AS timestamptz), CAST(:now AS timestamptz)
        FROM p
        RETURNING programme_id
    ), n AS (
        INSERT INTO session_note (tenant_id, session_id, author_id, body, updated_at)
        SELECT CAST(:tenant_id AS uuid), CAST(:session_id AS uuid), CAST(:by AS uuid),
               CAST(:notes AS text), CAST(:now AS timestamptz)
        FROM s WHERE CAST(:notes AS text) IS NOT NULL
    )
    SELECT programme_id FROM s
    """
).bindparams(bindparam("topics", type_=ARRAY(Text)))


def _log_past_sql(*, with_key: bool) -> str:
    """The hot path in one statement: the pair is active, the caller belongs to it and every
    topic is on the list (`p`); the Idempotency-Key is claimed with the response, whose
    programme id only the pair row knows (`claim`); then the session, its note, and its
    `session_logged` event (sequence and programme id set here) - or nothing at all."""
    claim = claim_sql(
        "p",
        body="CAST(:body_head AS bytea) || convert_to(CAST(p.programme_id AS text), 'UTF8')"
        " || CAST(:body_tail AS bytea)",
    )
    return f"""
    WITH p AS (
        SELECT programme_id FROM pair
        WHERE pair_id = CAST(:pair_id AS uuid) AND status = 'active'
          AND (mentor_id = CAST(:by AS uuid) OR mentee_id = CAST(:by AS uuid))
          AND (SELECT count(*) FROM topic WHERE code = ANY(CAST(:topics AS text[])) AND active)
              = cardinality(CAST(:topics AS text[]))
    ), {claim + "," if with_key else ""} ok AS (
        SELECT programme_id FROM p {"WHERE EXISTS (SELECT FROM claim)" if with_key else ""}
    ), s AS (
        INSERT INTO session (tenant_id, session_id, pair_id, programme_id, status, mode,
                             starts_at, duration_minutes, held_at, topics, logged_by, logged_at,
                             created_at, updated_at)
        SELECT CAST(:tenant_id AS uuid), CAST(:session_id AS uuid), CAST(:pair_id AS uuid),
               ok.programme_id, 'logged', CAST(:mode AS text), CAST(:held_at AS timestamptz),
               CAST(:duration AS smallint), CAST(:held_at AS timestamptz),
               CAST(:topics AS text[]), CAST(:by AS uuid), CAST(:now AS timestamptz),
               CAST(:now AS timestamptz), CAST(:now AS timestamptz)
        FROM ok
        RETURNING programme_id
    ), n AS (
        INSERT INTO session_note (tenant_id, session_id, author_id, body, updated_at)
        SELECT CAST(:tenant_id AS uuid), CAST(:session_id AS uuid), CAST(:by AS uuid),
               CAST(:notes AS text), CAST(:now AS timestamptz)
        FROM s WHERE CAST(:notes AS text) IS NOT NULL
    ), {append_sql("s", name="event", patch={"programme_id": "s.programme_id"})}
    SELECT programme_id FROM s
    """


_LOG_PAST = DriverStatement(_log_past_sql(with_key=False))
_LOG_PAST_ONCE = DriverStatement(_log_past_sql(with_key=True))


@dataclass(frozen=True)
class ResponseClaim:
    """An Idempotency-Key claim with its response, rendered around the programme id."""

    params: dict[str, Any]
    head: bytes
    tail: bytes


async def log_past_once(
    driver: Any,
    s: Session,
    *,
    by: UUID,
    notes: str | None,
    event: PreparedEvent,
    claim: ResponseClaim | None,
) -> UUID | None:
    """Log a past session with its event (and its Idempotency-Key claim) in one statement, on a
    `driver_transaction`; None when nothing was written (the pair refused it, or the key was
    claimed before): the caller then explains why."""
    assert s.held_at is not None
    params: dict[str, Any] = {
        "tenant_id": s.tenant_id,
        "session_id": s.id,
        "pair_id": s.pair_id,
        "by": by,
        "mode": s.mode.value,
        "held_at": s.held_at,
        "duration": s.duration_minutes,
        "topics": list(s.topics),
        "notes": notes,
        "now": s.updated_at,
        **event.params("event"),
    }
    statement = _LOG_PAST
    if claim is not None:
        params.update(claim.params, body_head=claim.head, body_tail=claim.tail)
        statement = _LOG_PAST_ONCE
    programme_id: UUID | None = await statement.fetchval(driver, params)
    return programme_id


_SESSION_AND_PAIR = select(
    session,
    pair.c.status.label("pair_status"),
    pair.c.mentor_id,
    pair.c.mentee_id,
    pair.c.created_at.label("pair_created_at"),
)


class SqlSessionRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def insert_logged(self, s: Session, by: UUID, notes: str | None) -> UUID | None:
        """Insert a session logged after the fact; None when the pair refuses it."""
        assert s.held_at is not None
        return (
            await self.db.execute(
                _INSERT_LOGGED,
                {
                    "tenant_id": s.tenant_id,
                    "session_id": s.id,
                    "pair_id": s.pair_id,
                    "by": by,
                    "mode": s.mode.value,
                    "held_at": s.held_at,
                    "duration": s.duration_minutes,
                    "topics": list(s.topics),
                    "notes": notes,
                    "now": s.updated_at,
                },
            )
        ).scalar_one_or_none()

    async def add(self, s: Session) -> None:
        assert s.programme_id is not None
        assert s.updated_at is not None
        await self.db.execute(
            insert(session).values(
                tenant_id=s.tenant_id,
                session_id=s.id,
                pair_id=s.pair_id,
                programme_id=s.programme_id,
                status=s.status.value,
                mode=s.mode.value,
                location=s.location,
                starts_at=s.starts_at,
                duration_minutes=s.duration_minutes,
                revision=s.revision,
                scheduled_by=s.scheduled_by,
                created_at=s.updated_at,
                updated_at=s.updated_at,
            )
        )

    async def get(
        self, session_id: UUID, *, for_update: bool = False
    ) -> tuple[Session, Pair] | None:
        stmt = _SESSION_AND_PAIR.join_from(session, pair, session.c.pair_id == pair.c.pair_id)
        stmt = stmt.where(session.c.session_id == session_id)
        if for_update:
            stmt = stmt.with_for_update(of=session)
        row = (await self.db.execute(stmt)).first()
        if row is None:
            return None
        m = row._mapping
        return to_session(m), Pair(
            id=m["pair_id"],
            tenant_id=m["tenant_id"],
            programme_id=m["programme_id"],
            mentor_id=m["mentor_id"],
            mentee_id=m["mentee_id"],
            status=PairStatus(m["pair_status"]),
            created_at=m["pair_created_at"],
        )

    async def save(self, s: Session) -> None:
        await self.db.execute(
            update(session)
            .where(session.c.session_id == s.id)
            .values(
                status=s.status.value,
                mode=s.mode.value,
                location=s.location,
                starts_at=s.starts_at,
                duration_minutes=s.duration_minutes,
                revision=s.revision,
                held_at=s.held_at,
                topics=list(s.topics),
                logged_by=s.logged_by,
                logged_at=s.updated_at if s.status is SessionStatus.LOGGED else None,
                updated_at=s.updated_at,
            )
        )

    async def page(
        self,
        caller: Caller,
        *,
        pair_id: UUID | None,
        programme_id: UUID | None,
        status: SessionStatus | None,
        starts_from: datetime | None,
        starts_to: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Session], int]:
        conds: list[Any] = []
        if not caller.coordinator:
            pid = caller.participant_id
            conds.append(
                session.c.pair_id.in_(
                    select(pair.c.pair_id).where(
                        or_(pair.c.mentor_id == pid, pair.c.mentee_id == pid)
                    )
                )
            )
        if pair_id is not None:
            conds.append(session.c.pair_id == pair_id)
        if programme_id is not None:
            conds.append(session.c.programme_id == programme_id)
        if status is not None:
            conds.append(session.c.status == status.value)
        if starts_from is not None:
            conds.append(session.c.starts_at >= starts_from)
        if starts_to is not None:
            conds.append(session.c.starts_at < starts_to)
        rows = (
            await self.db.execute(
                select(session)
                .where(*conds)
                .order_by(session.c.starts_at.desc(), session.c.session_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.db.execute(select(func.count()).select_from(session).where(*conds))
        ).scalar_one()
        return [to_session(r._mapping) for r in rows], int(total)

    async def export_rows(self, programme_id: UUID | None) -> list[Session]:
        stmt = select(session).order_by(session.c.starts_at, session.c.session_id)
        if programme_id is not None:
            stmt = stmt.where(session.c.programme_id == programme_id)
        return [to_session(r._mapping) for r in (await self.db.execute(stmt)).all()]

    async def first_logged_session(self, pair_id: UUID) -> UUID | None:
        """The pair's first session logged (in the order they were logged)."""
        return (
            await self.db.execute(
                select(session.c.session_id)
                .where(session.c.pair_id == pair_id, session.c.status == "logged")
                .order_by(session.c.logged_at, session.c.session_id)
                .limit(1)
            )
        ).scalar_one_or_none()

    async def scheduled_of_pair(self, pair_id: UUID) -> list[Session]:
        rows = await self.db.execute(
            select(session)
            .where(session.c.pair_id == pair_id, session.c.status == "scheduled")
            .with_for_update()
        )
        return [to_session(r._mapping) for r in rows]

    # -- private notes ----------------------------------------------------------------------

    async def notes(self, session_id: UUID) -> list[tuple[UUID, str, datetime]]:
        rows = await self.db.execute(
            select(session_note.c.author_id, session_note.c.body, session_note.c.updated_at)
            .where(session_note.c.session_id == session_id)
            .order_by(session_note.c.updated_at)
        )
        return [(r.author_id, r.body, r.updated_at) for r in rows]

    async def put_note(
        self, tenant_id: UUID, session_id: UUID, author_id: UUID, body: str, now: datetime
    ) -> None:
        stmt = insert(session_note).values(
            tenant_id=tenant_id,
            session_id=session_id,
            author_id=author_id,
            body=body,
            updated_at=now,
        )
        await self.db.execute(
            stmt.on_conflict_do_update(
                index_elements=["session_id", "author_id"],
                set_={"body": stmt.excluded.body, "updated_at": stmt.excluded.updated_at},
            )
        )

    async def delete_note(self, session_id: UUID, author_id: UUID) -> None:
        await self.db.execute(
            session_note.delete().where(
                session_note.c.session_id == session_id, session_note.c.author_id == author_id
            )
        )


class SqlTopicRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def known(self, codes: Sequence[str]) -> set[str]:
        if not codes:
            return set()
        rows = await self.db.execute(
            select(topic.c.code).where(topic.c.code.in_(list(codes)), topic.c.active)
        )
        return {r.code for r in rows}

    async def listing(self, *, include_inactive: bool) -> list[dict[str, Any]]:
        stmt = select(topic).order_by(topic.c.code)
        if not include_inactive:
            stmt = stmt.where(topic.c.active)
        return [dict(r._mapping) for r in (await self.db.execute(stmt)).all()]

    async def get(self, code: str) -> dict[str, Any] | None:
        row = (await self.db.execute(select(topic).where(topic.c.code == code))).first()
        return dict(row._mapping) if row else None

    async def add(
        self, tenant_id: UUID, code: str, label_pl: str, label_en: str, now: datetime
    ) -> bool:
        inserted = (
            await self.db.execute(
                insert(topic)
                .values(
                    tenant_id=tenant_id,
                    code=code,
                    label_pl=label_pl,
                    label_en=label_en,
                    created_at=now,
                )
                .on_conflict_do_nothing()
                .returning(topic.c.code)
            )
        ).first()
        return inserted is not None

    async def update(self, code: str, values: dict[str, Any]) -> dict[str, Any] | None:
        row = (
            await self.db.execute(
                update(topic).where(topic.c.code == code).values(**values).returning(topic)
            )
        ).first()
        return dict(row._mapping) if row else None


def to_session(m: Any) -> Session:
    return Session(
        id=m["session_id"],
        tenant_id=m["tenant_id"],
        pair_id=m["pair_id"],
        programme_id=m["programme_id"],
        status=SessionStatus(m["status"]),
        mode=Mode(m["mode"]),
        starts_at=m["starts_at"],
        duration_minutes=m["duration_minutes"],
        location=m["location"],
        revision=m["revision"],
        held_at=m["held_at"],
        topics=tuple(m["topics"] or ()),
        scheduled_by=m["scheduled_by"],
        logged_by=m["logged_by"],
        updated_at=m["updated_at"],
    )


async def erase_notes_by(db: AsyncSession, author_id: UUID) -> None:
    """Private notes are personal free text: erasing their author deletes them."""
    await db.execute(session_note.delete().where(session_note.c.author_id == author_id))
