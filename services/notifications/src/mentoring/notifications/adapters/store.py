"""SQL of the event path: read models, the in-app notifications, their e-mail and webhook
deliveries, reminders and parked intents. Bulk statements (unnest) keep a batch of events at a
handful of round trips.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.notifications.domain import model
from mentoring.notifications.domain.rules import Plan


def _ids(values: Iterable[UUID]) -> list[UUID]:
    return list(set(values))


_SELECT_PROGRAMMES = text(
    "SELECT programme_id, name, coordinator_id, inactivity_days FROM programme "
    "WHERE programme_id = ANY(CAST(:ids AS uuid[]))"
)
_SELECT_PAIRS = text(
    "SELECT pair_id, programme_id, mentor_id, mentee_id, status FROM pair "
    "WHERE pair_id = ANY(CAST(:ids AS uuid[]))"
)
_SELECT_SESSIONS = text(
    "SELECT * FROM mentoring_session WHERE session_id = ANY(CAST(:ids AS uuid[]))"
)
# Locked: of two transactions that could resolve the same parked intent, one does.
_SELECT_PARKED = text(
    "SELECT parked_id, awaiting, awaiting_id, intent FROM parked_intent "
    "WHERE awaiting_id = ANY(CAST(:ids AS uuid[])) ORDER BY created_at, parked_id FOR UPDATE"
)
_RESUMABLE_PARKED = text(
    """
    SELECT parked_id, awaiting, awaiting_id, intent FROM parked_intent p
    WHERE (awaiting = 'programme'
           AND EXISTS (SELECT 1 FROM programme g WHERE g.programme_id = p.awaiting_id))
       OR (awaiting = 'pair' AND EXISTS (SELECT 1 FROM pair x WHERE x.pair_id = p.awaiting_id))
    ORDER BY created_at, parked_id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """
)
# The tenants with parked intents (system scope: the read models it would take to tell which can
# go now are tenant-only), those parked in the last :seconds when that is given.
_PARKED_TENANTS = text(
    "SELECT DISTINCT tenant_id FROM parked_intent "
    "WHERE CAST(:seconds AS float8) IS NULL "
    "OR created_at > now() - make_interval(secs => CAST(:seconds AS float8))"
)
_SELECT_ERASED = text(
    "SELECT person_id FROM erased_person WHERE person_id = ANY(CAST(:ids AS uuid[]))"
)
_SELECT_PREFERENCES = text("SELECT * FROM preference WHERE person_id = ANY(CAST(:ids AS uuid[]))")
_SELECT_ENDPOINTS = text("SELECT endpoint_id, event_types FROM webhook_endpoint WHERE active")

_UPSERT_PROGRAMMES = text(
    """
    INSERT INTO programme (programme_id, tenant_id, name, coordinator_id, inactivity_days)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:tenants AS uuid[]), CAST(:names AS text[]),
                         CAST(:coordinators AS uuid[]), CAST(:days AS int[]))
    ORDER BY 1
    ON CONFLICT (programme_id) DO UPDATE SET name = EXCLUDED.name,
        coordinator_id = EXCLUDED.coordinator_id, inactivity_days = EXCLUDED.inactivity_days
    """
)
_UPSERT_PAIRS = text(
    """
    INSERT INTO pair (pair_id, tenant_id, programme_id, mentor_id, mentee_id, status)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:tenants AS uuid[]),
                         CAST(:programmes AS uuid[]), CAST(:mentors AS uuid[]),
                         CAST(:mentees AS uuid[]), CAST(:statuses AS text[]))
    ORDER BY 1
    ON CONFLICT (pair_id) DO UPDATE SET status = EXCLUDED.status
    """
)
_UPSERT_SESSIONS = text(
    """
    INSERT INTO mentoring_session (session_id, tenant_id, pair_id, programme_id, starts_at,
        duration_minutes, mode, location, revision, scheduled_by, cancelled)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:tenants AS uuid[]), CAST(:pairs AS uuid[]),
        CAST(:programmes AS uuid[]), CAST(:starts AS timestamptz[]), CAST(:durations AS int[]),
        CAST(:modes AS text[]), CAST(:locations AS text[]), CAST(:revisions AS int[]),
        CAST(:scheduled_by AS uuid[]), CAST(:cancelled AS boolean[]))
    ORDER BY 1
    ON CONFLICT (session_id) DO UPDATE SET starts_at = EXCLUDED.starts_at,
        duration_minutes = EXCLUDED.duration_minutes, mode = EXCLUDED.mode,
        location = EXCLUDED.location, revision = EXCLUDED.revision,
        scheduled_by = EXCLUDED.scheduled_by, cancelled = EXCLUDED.cancelled
    """
)
_CANCEL_REMINDERS = text(
    """
    UPDATE reminder SET status = 'cancelled'
    WHERE status = 'pending'
      AND (group_key = ANY(CAST(:groups AS text[])) OR pair_id = ANY(CAST(:pairs AS uuid[])))
    """
)
_UPSERT_REMINDERS = text(
    """
    INSERT INTO reminder (reminder_id, tenant_id, namespace, group_key, recipient_id, pair_id,
                          kind, params, due_at, cause_event_id)
    SELECT i, t, :namespace, g, r, p, k, CAST(j AS jsonb), d, c
    FROM unnest(CAST(:ids AS uuid[]), CAST(:tenants AS uuid[]), CAST(:groups AS text[]),
                CAST(:recipients AS uuid[]), CAST(:pairs AS uuid[]), CAST(:kinds AS text[]),
                CAST(:params AS text[]), CAST(:due AS timestamptz[]), CAST(:causes AS uuid[]))
        AS u(i, t, g, r, p, k, j, d, c)
    WHERE NOT EXISTS (SELECT 1 FROM erased_person e WHERE e.person_id = u.r)
    ON CONFLICT (tenant_id, group_key, recipient_id) DO UPDATE SET
        kind = EXCLUDED.kind, params = EXCLUDED.params, due_at = EXCLUDED.due_at,
        pair_id = EXCLUDED.pair_id, cause_event_id = EXCLUDED.cause_event_id,
        status = 'pending', fired_at = NULL
    """
)
_INSERT_PARKED = text(
    """
    INSERT INTO parked_intent (parked_id, tenant_id, awaiting, awaiting_id, intent)
    SELECT i, t, a, w, CAST(j AS jsonb)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:tenants AS uuid[]), CAST(:awaiting AS text[]),
                CAST(:awaiting_ids AS uuid[]), CAST(:intents AS text[])) AS u(i, t, a, w, j)
    """
)
_DELETE_PARKED = text("DELETE FROM parked_intent WHERE parked_id = ANY(CAST(:ids AS uuid[]))")
# The in-app notifications and, for those actually recorded, their queued e-mails: one statement.
# Nothing is recorded for an erased person; no e-mail is queued for one who chose in-app only.
# Ids are derived in SQL, where the database's spare CPU does the hashing: a notification's from
# its person and dedupe key (md5 of "notification/<person>/<key>", as `notification_id`), an
# e-mail's delivery from its notification (md5 of "email/<id>").
_RECORD_NOTIFICATIONS = text(
    """
    WITH input AS (
        SELECT CAST(md5('notification/' || CAST(recipient_id AS text) || '/' || dedupe) AS uuid)
                   AS id,
               tenant_id, recipient_id, kind, params, cause
        FROM ROWS FROM (
            unnest(CAST(:dedupe AS text[])), unnest(CAST(:tenants AS uuid[])),
            unnest(CAST(:recipients AS uuid[])), unnest(CAST(:kinds AS text[])),
            jsonb_array_elements(CAST(:params AS jsonb)), unnest(CAST(:causes AS uuid[]))
        ) AS u(dedupe, tenant_id, recipient_id, kind, params, cause)
    ), recorded AS (
        INSERT INTO notification (notification_id, tenant_id, recipient_id, kind, params,
                                  cause_event_id, created_at)
        SELECT id, tenant_id, recipient_id, kind, params, cause, :now
        FROM input
        WHERE NOT EXISTS (SELECT 1 FROM erased_person e WHERE e.person_id = input.recipient_id)
        ON CONFLICT (notification_id) DO NOTHING
        RETURNING notification_id
    ), queued AS (
        INSERT INTO delivery (delivery_id, tenant_id, namespace, channel, kind, notification_id,
                              recipient_id, cause_event_id, digest, next_attempt_at)
        SELECT CAST(md5('email/' || CAST(i.id AS text)) AS uuid), i.tenant_id, :namespace,
               'email', i.kind, i.id, i.recipient_id,
               i.cause, false, :now
        FROM input i JOIN recorded r ON r.notification_id = i.id
        WHERE NOT EXISTS (SELECT 1 FROM preference p
                          WHERE p.person_id = i.recipient_id AND NOT p.email)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM recorded) AS recorded, (SELECT count(*) FROM queued) AS queued
    """
)
_INSERT_DELIVERIES = text(
    """
    INSERT INTO delivery (delivery_id, tenant_id, namespace, channel, kind, notification_id,
                          recipient_id, endpoint_id, cause_event_id, payload, digest,
                          next_attempt_at)
    SELECT i, t, :namespace, ch, k, n, r, e, c, CAST(p AS jsonb), dg, due
    FROM unnest(CAST(:ids AS uuid[]), CAST(:tenants AS uuid[]), CAST(:channels AS text[]),
                CAST(:kinds AS text[]), CAST(:notifications AS uuid[]),
                CAST(:recipients AS uuid[]), CAST(:endpoints AS uuid[]), CAST(:causes AS uuid[]),
                CAST(:payloads AS text[]), CAST(:digests AS boolean[]),
                CAST(:due AS timestamptz[])) AS u(i, t, ch, k, n, r, e, c, p, dg, due)
    """
)
_ERASE = (
    "DELETE FROM preference WHERE person_id = ANY(CAST(:ids AS uuid[]))",
    "DELETE FROM notification WHERE recipient_id = ANY(CAST(:ids AS uuid[]))",
    "DELETE FROM delivery WHERE recipient_id = ANY(CAST(:ids AS uuid[]))",
    "DELETE FROM reminder WHERE recipient_id = ANY(CAST(:ids AS uuid[]))",
)
_DELETE_CONTACTS = text(
    "DELETE FROM contact WHERE person_id = ANY(CAST(:ids AS uuid[])) RETURNING person_id, tenant_id"
)
_RECORD_ERASED = text(
    """
    INSERT INTO erased_person (person_id, tenant_id)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:tenants AS uuid[]))
    ON CONFLICT (person_id) DO NOTHING
    """
)


def preferences_of(row: Any) -> model.Preferences:
    return model.Preferences(
        email=row.email,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        timezone=row.timezone,
        digest=row.digest,
        digest_time=row.digest_time,
    )


class SqlNotificationStore:
    """The event path's reads and writes, inside the caller's transaction."""

    def __init__(self, session: AsyncSession, namespace: str = "") -> None:
        self.session = session
        self.namespace = namespace

    # -- reads -----------------------------------------------------------------------------

    async def snapshot(self, facts: Sequence[model.Fact]) -> model.Snapshot:
        programme_ids: set[UUID] = set()
        pair_ids: set[UUID] = set()
        session_ids: set[UUID] = set()
        awaited: set[UUID] = set()
        for f in facts:
            match f:
                case model.ProgrammeOpened():
                    awaited.add(f.programme_id)
                case model.PairProposed() | model.PairCreated():
                    pair_ids.add(f.pair_id)
                    programme_ids.add(f.programme_id)
                    awaited.add(f.pair_id)
                case model.PairEnded():
                    pair_ids.add(f.pair_id)
                case model.RoundCompleted():
                    programme_ids.add(f.programme_id)
                case model.SessionScheduled():
                    pair_ids.add(f.session.pair_id)
                    session_ids.add(f.session.session_id)
                case model.SessionCancelled():
                    pair_ids.add(f.pair_id)
                    session_ids.add(f.session_id)
                case model.PairInactive():
                    pair_ids.add(f.pair_id)
                    programme_ids.add(f.programme_id)
        snap = await self.read_models(programme_ids, pair_ids, session_ids)
        if awaited:
            rows = await self.session.execute(_SELECT_PARKED, {"ids": _ids(awaited)})
            snap.parked = [_stored_parked(r) for r in rows]
        return snap

    async def read_models(
        self, programme_ids: set[UUID], pair_ids: set[UUID], session_ids: set[UUID]
    ) -> model.Snapshot:
        snap = model.Snapshot()
        if programme_ids:
            rows = await self.session.execute(_SELECT_PROGRAMMES, {"ids": _ids(programme_ids)})
            snap.programmes = {
                r.programme_id: model.Programme(
                    r.programme_id, r.name, r.coordinator_id, r.inactivity_days
                )
                for r in rows
            }
        if pair_ids:
            rows = await self.session.execute(_SELECT_PAIRS, {"ids": _ids(pair_ids)})
            snap.pairs = {
                r.pair_id: model.Pair(
                    r.pair_id, r.programme_id, r.mentor_id, r.mentee_id, model.PairStatus(r.status)
                )
                for r in rows
            }
        if session_ids:
            rows = await self.session.execute(_SELECT_SESSIONS, {"ids": _ids(session_ids)})
            snap.sessions = {r.session_id: session_of(r) for r in rows}
        return snap

    async def resumable_parked(self, limit: int) -> list[model.StoredParked]:
        """Parked intents whose pair or programme has arrived since (locked, skipping others')."""
        rows = await self.session.execute(_RESUMABLE_PARKED, {"limit": limit})
        return [_stored_parked(r) for r in rows]

    async def parked_tenants(self, within: timedelta | None = None) -> list[UUID]:
        seconds = within.total_seconds() if within is not None else None
        return list((await self.session.execute(_PARKED_TENANTS, {"seconds": seconds})).scalars())

    async def erased_among(self, people: set[UUID]) -> set[UUID]:
        if not people:
            return set()
        rows = await self.session.execute(_SELECT_ERASED, {"ids": _ids(people)})
        return set(rows.scalars())

    async def preferences(self, people: set[UUID]) -> dict[UUID, model.Preferences]:
        if not people:
            return {}
        rows = await self.session.execute(_SELECT_PREFERENCES, {"ids": _ids(people)})
        return {r.person_id: preferences_of(r) for r in rows}

    async def webhook_subscriptions(self) -> list[tuple[UUID, frozenset[str]]]:
        rows = await self.session.execute(_SELECT_ENDPOINTS)
        return [(r.endpoint_id, frozenset(r.event_types)) for r in rows]

    # -- writes ----------------------------------------------------------------------------

    async def write_plan(self, tenant_id: UUID, plan: Plan) -> None:
        """Read models, reminders, parked intents and erasures (notifications go separately)."""
        s = self.session
        if plan.programmes:
            ps = list(plan.programmes.values())
            await s.execute(
                _UPSERT_PROGRAMMES,
                {
                    "ids": [p.programme_id for p in ps],
                    "tenants": [tenant_id] * len(ps),
                    "names": [p.name for p in ps],
                    "coordinators": [p.coordinator_id for p in ps],
                    "days": [p.inactivity_days for p in ps],
                },
            )
        if plan.pairs:
            prs = list(plan.pairs.values())
            await s.execute(
                _UPSERT_PAIRS,
                {
                    "ids": [p.pair_id for p in prs],
                    "tenants": [tenant_id] * len(prs),
                    "programmes": [p.programme_id for p in prs],
                    "mentors": [p.mentor_id for p in prs],
                    "mentees": [p.mentee_id for p in prs],
                    "statuses": [p.status.value for p in prs],
                },
            )
        if plan.sessions:
            ss = list(plan.sessions.values())
            await s.execute(
                _UPSERT_SESSIONS,
                {
                    "ids": [x.session_id for x in ss],
                    "tenants": [tenant_id] * len(ss),
                    "pairs": [x.pair_id for x in ss],
                    "programmes": [x.programme_id for x in ss],
                    "starts": [x.starts_at for x in ss],
                    "durations": [x.duration_minutes for x in ss],
                    "modes": [x.mode for x in ss],
                    "locations": [x.location for x in ss],
                    "revisions": [x.revision for x in ss],
                    "scheduled_by": [x.scheduled_by for x in ss],
                    "cancelled": [x.cancelled for x in ss],
                },
            )
        if plan.cancelled_groups or plan.cancelled_pairs:
            await s.execute(
                _CANCEL_REMINDERS,
                {"groups": sorted(plan.cancelled_groups), "pairs": _ids(plan.cancelled_pairs)},
            )
        if plan.reminders:
            rs = list(plan.reminders.values())
            await s.execute(
                _UPSERT_REMINDERS,
                {
                    "ids": [uuid4() for _ in rs],
                    "tenants": [tenant_id] * len(rs),
                    "groups": [r.group_key for r in rs],
                    "recipients": [r.recipient_id for r in rs],
                    "pairs": [r.pair_id for r in rs],
                    "kinds": [r.kind.value for r in rs],
                    "params": [json.dumps(r.params) for r in rs],
                    "due": [r.due_at for r in rs],
                    "causes": [r.cause_event_id for r in rs],
                    "namespace": self.namespace,
                },
            )
        if plan.parked:
            await s.execute(
                _INSERT_PARKED,
                {
                    "ids": [uuid4() for _ in plan.parked],
                    "tenants": [tenant_id] * len(plan.parked),
                    "awaiting": [p.awaiting for p in plan.parked],
                    "awaiting_ids": [p.awaiting_id for p in plan.parked],
                    "intents": [json.dumps(intent_to_json(p.intent)) for p in plan.parked],
                },
            )
        if plan.unparked:
            await s.execute(_DELETE_PARKED, {"ids": plan.unparked})
        if plan.erased:
            await self.erase(plan.erased, tenant_id=tenant_id)

    async def record_notifications(
        self, items: Sequence[tuple[UUID, model.Draft]], now: datetime
    ) -> int:
        """Record in-app notifications (one per person and cause; a repeat is a no-op) and
        queue an e-mail for each whose person has not switched e-mail off; the rest of their
        preferences (and a later switch) are applied when it is due (the delivery loop drops,
        delays or collects it). Returns how many were new."""
        if not items:
            return 0
        row = (
            await self.session.execute(
                _RECORD_NOTIFICATIONS,
                {
                    "now": now,
                    "namespace": self.namespace,
                    "dedupe": [d.dedupe_key for _t, d in items],
                    "tenants": [t for t, _d in items],
                    "recipients": [d.recipient_id for _t, d in items],
                    "kinds": [d.kind.value for _t, d in items],
                    # one JSON array for all (one encoding call, one parameter), in item order
                    "params": json.dumps([d.params for _t, d in items]),
                    "causes": [d.cause_event_id for _t, d in items],
                },
            )
        ).one()
        return int(row.recorded)

    async def add_deliveries(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        await self.session.execute(
            _INSERT_DELIVERIES,
            {
                "namespace": self.namespace,
                "ids": [uuid4() for _ in rows],
                "tenants": [r["tenant"] for r in rows],
                "channels": [r["channel"] for r in rows],
                "kinds": [r["kind"] for r in rows],
                "notifications": [r.get("notification") for r in rows],
                "recipients": [r.get("recipient") for r in rows],
                "endpoints": [r.get("endpoint") for r in rows],
                "causes": [r.get("cause") for r in rows],
                "payloads": [
                    json.dumps(r["payload"]) if r.get("payload") is not None else None for r in rows
                ],
                "digests": [r.get("digest", False) for r in rows],
                "due": [r["due"] for r in rows],
            },
        )

    async def erase(self, people: set[UUID], *, tenant_id: UUID | None) -> int:
        """Delete a person's contact and everything addressed to them; remember the pseudonymous
        id so that nothing is recorded for them again. Returns the contacts deleted."""
        ids = _ids(people)
        deleted = (await self.session.execute(_DELETE_CONTACTS, {"ids": ids})).all()
        tenants = {r.person_id: r.tenant_id for r in deleted}
        for statement in _ERASE:
            await self.session.execute(text(statement), {"ids": ids})
        known = [(p, tenants.get(p, tenant_id)) for p in ids]
        known = [(p, t) for p, t in known if t is not None]
        if known:
            await self.session.execute(
                _RECORD_ERASED,
                {"ids": [p for p, _t in known], "tenants": [t for _p, t in known]},
            )
        return len(deleted)

    async def purge_stale(self, *, days: float) -> None:
        for statement in _PURGE:
            await self.session.execute(text(statement), {"days": int(days)})


_PURGE = (
    "DELETE FROM parked_intent WHERE created_at < now() - make_interval(days => :days)",
    "DELETE FROM reminder WHERE status <> 'pending' "
    "AND created_at < now() - make_interval(days => :days)",
)


def notification_id(draft: model.Draft) -> UUID:
    """Stable per person and cause, so that recording a notification twice records it once.
    Postgres derives it as it records (`_RECORD_NOTIFICATIONS`); this is the same function."""
    name = f"notification/{draft.recipient_id}/{draft.dedupe_key}"
    return UUID(hex=hashlib.md5(name.encode(), usedforsecurity=False).hexdigest())


def _stored_parked(r: Any) -> model.StoredParked:
    return model.StoredParked(
        r.parked_id, model.Parked(r.awaiting, r.awaiting_id, intent_from_json(r.intent))
    )


def session_of(r: Any) -> model.Session:
    return model.Session(
        session_id=r.session_id,
        pair_id=r.pair_id,
        programme_id=r.programme_id,
        starts_at=r.starts_at,
        duration_minutes=r.duration_minutes,
        mode=r.mode,
        location=r.location,
        revision=r.revision,
        scheduled_by=r.scheduled_by,
        cancelled=r.cancelled,
    )


def intent_to_json(intent: model.Intent) -> dict[str, Any]:
    recipient: dict[str, Any]
    match intent.recipient:
        case model.Person(person_id=p):
            recipient = {"type": "person", "id": str(p)}
        case model.CoordinatorOf(programme_id=p):
            recipient = {"type": "coordinator", "id": str(p)}
        case model.MembersOf(pair_id=p, except_person=x):
            recipient = {"type": "members", "id": str(p), "except": str(x) if x else None}
    return {
        "kind": intent.kind.value,
        "recipient": recipient,
        "params": intent.params,
        "cause_event_id": str(intent.cause_event_id),
        "due_at": intent.due_at.isoformat() if intent.due_at else None,
        "reminder_group": intent.reminder_group,
    }


def intent_from_json(data: dict[str, Any]) -> model.Intent:
    r = data["recipient"]
    recipient: model.Recipient
    if r["type"] == "person":
        recipient = model.Person(UUID(r["id"]))
    elif r["type"] == "coordinator":
        recipient = model.CoordinatorOf(UUID(r["id"]))
    else:
        recipient = model.MembersOf(UUID(r["id"]), UUID(r["except"]) if r.get("except") else None)
    return model.Intent(
        kind=model.Kind(data["kind"]),
        recipient=recipient,
        params=data["params"],
        cause_event_id=UUID(data["cause_event_id"]),
        due_at=datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None,
        reminder_group=data.get("reminder_group"),
    )
