"""The incremental projection's state in Postgres: rows locked while a batch is folded, then
written back in a handful of bulk statements, all in the batch's one transaction.

Locks are taken in one order (cursors, pairs, participants, programmes; each sorted), so two
batches touching the same rows wait for each other instead of deadlocking. A sessions batch and
a matching batch meet on the pair row: whichever commits second sees the other's work (the people
of the pair, or the months in which it met), so no membership is lost between them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.analytics.adapters.projection import (
    Changes,
    CursorKey,
    PairKey,
    ParticipantKey,
    ProgrammeKey,
    SurveyKey,
    subject_of,
)
from mentoring.analytics.domain.readmodel import (
    PEOPLE_PREFIX,
    UNIT_PREFIX,
    PairState,
    ParticipantState,
    ProgrammeState,
    SurveyState,
    parse_unit_population,
)
from mentoring.contracts.base import EventData

_NEW_CURSORS = text(
    """
    INSERT INTO rm_cursor (tenant_id, stream, subject, last_sequence)
    SELECT t, s, x, 0
    FROM unnest(CAST(:tenants AS uuid[]), CAST(:streams AS smallint[]), CAST(:subjects AS uuid[]))
        AS u(t, s, x)
    ORDER BY t, s, x
    ON CONFLICT DO NOTHING
    """
)
_LOCK_CURSORS = text(
    """
    SELECT c.tenant_id, c.stream, c.subject, c.last_sequence
    FROM rm_cursor c
    JOIN unnest(CAST(:tenants AS uuid[]), CAST(:streams AS smallint[]), CAST(:subjects AS uuid[]))
        AS u(t, s, x) ON c.tenant_id = u.t AND c.stream = u.s AND c.subject = u.x
    ORDER BY c.tenant_id, c.stream, c.subject
    FOR UPDATE OF c
    """
)
_RAISE_CURSORS = text(
    """
    UPDATE rm_cursor c SET last_sequence = u.q
    FROM unnest(CAST(:tenants AS uuid[]), CAST(:streams AS smallint[]), CAST(:subjects AS uuid[]),
                CAST(:seqs AS int[])) AS u(t, s, x, q)
    WHERE c.tenant_id = u.t AND c.stream = u.s AND c.subject = u.x AND c.last_sequence < u.q
    """
)
_NEW_PAIRS = text(
    """
    INSERT INTO rm_pair (tenant_id, pair_id, programme_id, namespace)
    SELECT t, p, g, CAST(:namespace AS text)
    FROM unnest(CAST(:tenants AS uuid[]), CAST(:pairs AS uuid[]), CAST(:programmes AS uuid[]))
        AS u(t, p, g)
    ORDER BY t, p
    ON CONFLICT DO NOTHING
    """
)
_LOCK_PAIRS = text(
    """
    SELECT r.* FROM rm_pair r
    JOIN unnest(CAST(:tenants AS uuid[]), CAST(:pairs AS uuid[])) AS u(t, p)
        ON r.tenant_id = u.t AND r.pair_id = u.p
    ORDER BY r.tenant_id, r.pair_id
    FOR UPDATE OF r
    """
)
_WRITE_PAIRS = text(
    """
    UPDATE rm_pair r SET
        programme_id = u.programme_id, mentor_id = u.mentor_id, mentee_id = u.mentee_id,
        mentor_unit_id = u.mentor_unit_id, mentee_unit_id = u.mentee_unit_id, status = u.status,
        proposed_at = u.proposed_at, declined_at = u.declined_at, created_at = u.created_at,
        ended_at = u.ended_at, end_reason = u.end_reason, last_session_at = u.last_session_at,
        sessions_logged = u.sessions_logged
    FROM unnest(
        CAST(:tenant_id AS uuid[]), CAST(:pair_id AS uuid[]), CAST(:programme_id AS uuid[]),
        CAST(:mentor_id AS uuid[]), CAST(:mentee_id AS uuid[]), CAST(:mentor_unit_id AS uuid[]),
        CAST(:mentee_unit_id AS uuid[]), CAST(:status AS text[]),
        CAST(:proposed_at AS timestamptz[]), CAST(:declined_at AS timestamptz[]),
        CAST(:created_at AS timestamptz[]), CAST(:ended_at AS timestamptz[]),
        CAST(:end_reason AS text[]), CAST(:last_session_at AS timestamptz[]),
        CAST(:sessions_logged AS int[])
    ) AS u(tenant_id, pair_id, programme_id, mentor_id, mentee_id, mentor_unit_id,
           mentee_unit_id, status, proposed_at, declined_at, created_at, ended_at, end_reason,
           last_session_at, sessions_logged)
    WHERE r.tenant_id = u.tenant_id AND r.pair_id = u.pair_id
    """
)
_NEW_PARTICIPANTS = text(
    """
    INSERT INTO rm_participant (tenant_id, programme_id, participant_id)
    SELECT t, g, p FROM unnest(CAST(:tenants AS uuid[]), CAST(:programmes AS uuid[]),
                               CAST(:participants AS uuid[])) AS u(t, g, p)
    ORDER BY t, g, p
    ON CONFLICT DO NOTHING
    """
)
_LOCK_PARTICIPANTS = text(
    """
    SELECT r.* FROM rm_participant r
    JOIN unnest(CAST(:tenants AS uuid[]), CAST(:programmes AS uuid[]),
                CAST(:participants AS uuid[])) AS u(t, g, p)
        ON r.tenant_id = u.t AND r.programme_id = u.g AND r.participant_id = u.p
    ORDER BY r.tenant_id, r.programme_id, r.participant_id
    FOR UPDATE OF r
    """
)
_WRITE_PARTICIPANTS = text(
    """
    UPDATE rm_participant r SET
        role = u.role, unit_id = u.unit_id, enrolled_at = u.enrolled_at,
        withdrawn_at = u.withdrawn_at, first_proposed_at = u.first_proposed_at,
        first_matched_at = u.first_matched_at, first_completed_at = u.first_completed_at
    FROM unnest(
        CAST(:tenant_id AS uuid[]), CAST(:programme_id AS uuid[]), CAST(:participant_id AS uuid[]),
        CAST(:role AS text[]), CAST(:unit_id AS uuid[]), CAST(:enrolled_at AS timestamptz[]),
        CAST(:withdrawn_at AS timestamptz[]), CAST(:first_proposed_at AS timestamptz[]),
        CAST(:first_matched_at AS timestamptz[]), CAST(:first_completed_at AS timestamptz[])
    ) AS u(tenant_id, programme_id, participant_id, role, unit_id, enrolled_at, withdrawn_at,
           first_proposed_at, first_matched_at, first_completed_at)
    WHERE r.tenant_id = u.tenant_id AND r.programme_id = u.programme_id
      AND r.participant_id = u.participant_id
    """
)
_NEW_PROGRAMMES = text(
    """
    INSERT INTO rm_programme (tenant_id, programme_id, namespace)
    SELECT t, g, CAST(:namespace AS text)
    FROM unnest(CAST(:tenants AS uuid[]), CAST(:programmes AS uuid[])) AS u(t, g)
    ORDER BY t, g
    ON CONFLICT DO NOTHING
    """
)
_LOCK_PROGRAMMES = text(
    """
    SELECT r.* FROM rm_programme r
    JOIN unnest(CAST(:tenants AS uuid[]), CAST(:programmes AS uuid[])) AS u(t, g)
        ON r.tenant_id = u.t AND r.programme_id = u.g
    ORDER BY r.tenant_id, r.programme_id
    FOR UPDATE OF r
    """
)
_WRITE_PROGRAMMES = text(
    """
    UPDATE rm_programme r SET
        name = u.name, kind = u.kind, starts_on = u.starts_on, ends_on = u.ends_on,
        inactivity_days = u.inactivity_days, opened_at = u.opened_at, closed_at = u.closed_at
    FROM unnest(
        CAST(:tenant_id AS uuid[]), CAST(:programme_id AS uuid[]), CAST(:name AS text[]),
        CAST(:kind AS text[]), CAST(:starts_on AS date[]), CAST(:ends_on AS date[]),
        CAST(:inactivity_days AS int[]), CAST(:opened_at AS timestamptz[]),
        CAST(:closed_at AS timestamptz[])
    ) AS u(tenant_id, programme_id, name, kind, starts_on, ends_on, inactivity_days, opened_at,
           closed_at)
    WHERE r.tenant_id = u.tenant_id AND r.programme_id = u.programme_id
    """
)
_READ_SURVEYS = text(
    """
    SELECT r.* FROM rm_survey r
    JOIN unnest(CAST(:tenants AS uuid[]), CAST(:surveys AS uuid[])) AS u(t, s)
        ON r.tenant_id = u.t AND r.survey_id = u.s
    """
)
_WRITE_SURVEYS = text(
    """
    INSERT INTO rm_survey (tenant_id, survey_id, programme_id, pair_id, participant_id,
                           instrument, wave, due_at, submitted_at)
    SELECT * FROM unnest(
        CAST(:tenant_id AS uuid[]), CAST(:survey_id AS uuid[]), CAST(:programme_id AS uuid[]),
        CAST(:pair_id AS uuid[]), CAST(:participant_id AS uuid[]), CAST(:instrument AS text[]),
        CAST(:wave AS text[]), CAST(:due_at AS timestamptz[]), CAST(:submitted_at AS timestamptz[])
    )
    ON CONFLICT (tenant_id, survey_id) DO UPDATE SET
        due_at = EXCLUDED.due_at, submitted_at = EXCLUDED.submitted_at
    """
)
_PAIR_MONTHS = text(
    """
    INSERT INTO rm_pair_month (tenant_id, pair_id, population, month, programme_id)
    SELECT * FROM unnest(CAST(:tenants AS uuid[]), CAST(:pairs AS uuid[]),
                         CAST(:populations AS text[]), CAST(:months AS date[]),
                         CAST(:programmes AS uuid[])) AS u(t, p, o, m, g)
    ORDER BY t, p, o, m
    ON CONFLICT DO NOTHING
    """
)
_MEMBERS = text(
    """
    WITH direct AS (
        SELECT * FROM unnest(CAST(:tenants AS uuid[]), CAST(:programmes AS uuid[]),
                             CAST(:populations AS text[]), CAST(:months AS date[]),
                             CAST(:people AS uuid[]))
            AS u(tenant_id, programme_id, population, month, person_id)
    ), filled AS (
        SELECT pm.tenant_id, pm.programme_id, pm.population, pm.month, x.person_id
        FROM unnest(CAST(:b_tenants AS uuid[]), CAST(:b_pairs AS uuid[]),
                    CAST(:b_mentors AS uuid[]), CAST(:b_mentees AS uuid[]))
            AS b(tenant_id, pair_id, mentor_id, mentee_id)
        JOIN rm_pair_month pm ON pm.tenant_id = b.tenant_id AND pm.pair_id = b.pair_id
        CROSS JOIN LATERAL (VALUES (b.mentor_id), (b.mentee_id)) AS x(person_id)
    )
    INSERT INTO rm_member (tenant_id, programme_id, population, month, person_id)
    SELECT DISTINCT * FROM (SELECT * FROM direct UNION SELECT * FROM filled) AS a
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT DO NOTHING
    RETURNING tenant_id, programme_id, population, month
    """
)
_METRICS = text(
    """
    INSERT INTO rm_metric_month AS r (tenant_id, programme_id, month, metric, amount)
    SELECT * FROM unnest(CAST(:tenants AS uuid[]), CAST(:programmes AS uuid[]),
                         CAST(:months AS date[]), CAST(:metrics AS text[]),
                         CAST(:amounts AS numeric[])) AS u(t, g, m, k, a)
    ORDER BY t, g, m, k
    ON CONFLICT (tenant_id, programme_id, month, metric)
        DO UPDATE SET amount = r.amount + EXCLUDED.amount
    """
)
_UNITS = text(
    """
    INSERT INTO rm_unit_month AS r
        (tenant_id, programme_id, month, mentor_unit_id, mentee_unit_id, pairs, people)
    SELECT * FROM unnest(CAST(:tenants AS uuid[]), CAST(:programmes AS uuid[]),
                         CAST(:months AS date[]), CAST(:mentor_units AS uuid[]),
                         CAST(:mentee_units AS uuid[]), CAST(:pairs AS int[]),
                         CAST(:people AS int[])) AS u(t, g, m, a, b, n, p)
    ORDER BY t, g, m, a, b
    ON CONFLICT (tenant_id, programme_id, month, mentor_unit_id, mentee_unit_id)
        DO UPDATE SET pairs = r.pairs + EXCLUDED.pairs, people = r.people + EXCLUDED.people
    """
)

PAIR_COLUMNS = (
    "programme_id",
    "mentor_id",
    "mentee_id",
    "mentor_unit_id",
    "mentee_unit_id",
    "status",
    "proposed_at",
    "declined_at",
    "created_at",
    "ended_at",
    "end_reason",
    "last_session_at",
    "sessions_logged",
)
PARTICIPANT_COLUMNS = (
    "role",
    "unit_id",
    "enrolled_at",
    "withdrawn_at",
    "first_proposed_at",
    "first_matched_at",
    "first_completed_at",
)
PROGRAMME_COLUMNS = (
    "name",
    "kind",
    "starts_on",
    "ends_on",
    "inactivity_days",
    "opened_at",
    "closed_at",
)
SURVEY_COLUMNS = (
    "programme_id",
    "pair_id",
    "participant_id",
    "instrument",
    "wave",
    "due_at",
    "submitted_at",
)


def _first(item: tuple[Any, Any]) -> Any:
    return item[0]


def _columns(rows: Sequence[tuple[Any, ...]], names: Sequence[str]) -> dict[str, list[Any]]:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


class SqlProjectionStore:
    """StateSource and writer of one batch's transaction (system scope, see decision 0011).

    New pairs and programmes record `namespace`, the topic namespace of the deployment that
    projects them: its scans publish about those only."""

    def __init__(self, session: AsyncSession, namespace: str = "") -> None:
        self.session = session
        self.namespace = namespace

    async def cursors(self, stream: int, events: Sequence[EventData]) -> dict[CursorKey, int]:
        keys = sorted({(e.tenant_id, subject_of(e)) for e in events})
        params = {
            "tenants": [k[0] for k in keys],
            "streams": [stream] * len(keys),
            "subjects": [k[1] for k in keys],
        }
        await self.session.execute(_NEW_CURSORS, params)
        rows = await self.session.execute(_LOCK_CURSORS, params)
        return {(r.tenant_id.int, r.subject.int): r.last_sequence for r in rows}

    async def pairs(self, wanted: dict[PairKey, UUID]) -> dict[PairKey, PairState]:
        keys = sorted(wanted)
        await self.session.execute(
            _NEW_PAIRS,
            {
                "tenants": [k[0] for k in keys],
                "pairs": [k[1] for k in keys],
                "programmes": [wanted[k] for k in keys],
                "namespace": self.namespace,
            },
        )
        rows = await self.session.execute(
            _LOCK_PAIRS, {"tenants": [k[0] for k in keys], "pairs": [k[1] for k in keys]}
        )
        return {
            (r.tenant_id, r.pair_id): PairState(**{c: getattr(r, c) for c in PAIR_COLUMNS})
            for r in rows
        }

    async def participants(
        self, wanted: Collection[ParticipantKey]
    ) -> dict[ParticipantKey, ParticipantState]:
        keys = sorted(wanted)
        params = {
            "tenants": [k[0] for k in keys],
            "programmes": [k[1] for k in keys],
            "participants": [k[2] for k in keys],
        }
        await self.session.execute(_NEW_PARTICIPANTS, params)
        rows = await self.session.execute(_LOCK_PARTICIPANTS, params)
        return {
            (r.tenant_id, r.programme_id, r.participant_id): ParticipantState(
                **{c: getattr(r, c) for c in PARTICIPANT_COLUMNS}
            )
            for r in rows
        }

    async def programmes(
        self, wanted: Collection[ProgrammeKey]
    ) -> dict[ProgrammeKey, ProgrammeState]:
        keys = sorted(wanted)
        params = {"tenants": [k[0] for k in keys], "programmes": [k[1] for k in keys]}
        await self.session.execute(_NEW_PROGRAMMES, {**params, "namespace": self.namespace})
        rows = await self.session.execute(_LOCK_PROGRAMMES, params)
        return {
            (r.tenant_id, r.programme_id): ProgrammeState(
                **{c: getattr(r, c) for c in PROGRAMME_COLUMNS}
            )
            for r in rows
        }

    async def surveys(self, wanted: Collection[SurveyKey]) -> dict[SurveyKey, SurveyState]:
        keys = list(wanted)
        rows = await self.session.execute(
            _READ_SURVEYS, {"tenants": [k[0] for k in keys], "surveys": [k[1] for k in keys]}
        )
        return {
            (r.tenant_id, r.survey_id): SurveyState(**{c: getattr(r, c) for c in SURVEY_COLUMNS})
            for r in rows
        }

    async def write(self, changes: Changes) -> None:
        """Write one batch's changes; the caller commits."""
        await self._entities(changes)
        if changes.pair_months:
            rows = sorted(set(changes.pair_months))
            await self.session.execute(
                _PAIR_MONTHS,
                _columns(rows, ("tenants", "pairs", "populations", "months", "programmes")),
            )
        metrics: dict[tuple[UUID, UUID, Any, str], Decimal] = {}
        units: dict[tuple[UUID, UUID, Any, UUID, UUID], list[int]] = {}
        for tenant, programme, month, metric, amount in changes.metrics:
            mkey = (tenant, programme, month, metric)
            metrics[mkey] = metrics.get(mkey, Decimal(0)) + amount
        for ukey, n in changes.units.items():
            units.setdefault(ukey, [0, 0])[0] += n
        if changes.members or changes.backfill:
            for tenant, programme, population, month in await self._members(changes):
                if population.startswith(UNIT_PREFIX):
                    a, b = parse_unit_population(population)
                    units.setdefault((tenant, programme, month, a, b), [0, 0])[1] += 1
                else:
                    pkey = (tenant, programme, month, PEOPLE_PREFIX + population)
                    metrics[pkey] = metrics.get(pkey, Decimal(0)) + 1
        if metrics:
            metric_rows = sorted((*k, v) for k, v in metrics.items() if v)
            if metric_rows:
                await self.session.execute(
                    _METRICS,
                    _columns(
                        metric_rows, ("tenants", "programmes", "months", "metrics", "amounts")
                    ),
                )
        if units:
            unit_rows = sorted((*k, v[0], v[1]) for k, v in units.items() if v[0] or v[1])
            if unit_rows:
                await self.session.execute(
                    _UNITS,
                    _columns(
                        unit_rows,
                        (
                            "tenants",
                            "programmes",
                            "months",
                            "mentor_units",
                            "mentee_units",
                            "pairs",
                            "people",
                        ),
                    ),
                )
        if changes.cursors:
            keys = sorted(changes.cursors)
            await self.session.execute(
                _RAISE_CURSORS,
                {
                    "tenants": [UUID(int=k[0]) for k in keys],
                    "streams": [changes.stream] * len(keys),
                    "subjects": [UUID(int=k[1]) for k in keys],
                    "seqs": [changes.cursors[k] for k in keys],
                },
            )

    async def _members(self, changes: Changes) -> list[tuple[UUID, UUID, str, Any]]:
        direct = sorted(set(changes.members))
        backfill = [
            (k[0], k[1], p.mentor_id, p.mentee_id)
            for k, p in sorted(changes.backfill.items(), key=_first)
        ]
        params = _columns(direct, ("tenants", "programmes", "populations", "months", "people"))
        params.update(_columns(backfill, ("b_tenants", "b_pairs", "b_mentors", "b_mentees")))
        rows = await self.session.execute(_MEMBERS, params)
        return [(r.tenant_id, r.programme_id, r.population, r.month) for r in rows]

    async def _entities(self, changes: Changes) -> None:
        if changes.programmes:
            items = sorted(changes.programmes.items(), key=_first)
            await self.session.execute(
                _WRITE_PROGRAMMES,
                {
                    "tenant_id": [k[0] for k, _ in items],
                    "programme_id": [k[1] for k, _ in items],
                    **{c: [getattr(v, c) for _, v in items] for c in PROGRAMME_COLUMNS},
                },
            )
        if changes.participants:
            items2 = sorted(changes.participants.items(), key=_first)
            await self.session.execute(
                _WRITE_PARTICIPANTS,
                {
                    "tenant_id": [k[0] for k, _ in items2],
                    "programme_id": [k[1] for k, _ in items2],
                    "participant_id": [k[2] for k, _ in items2],
                    **{c: [getattr(v, c) for _, v in items2] for c in PARTICIPANT_COLUMNS},
                },
            )
        if changes.pairs:
            items3 = sorted(changes.pairs.items(), key=_first)
            await self.session.execute(
                _WRITE_PAIRS,
                {
                    "tenant_id": [k[0] for k, _ in items3],
                    "pair_id": [k[1] for k, _ in items3],
                    **{c: [getattr(v, c) for _, v in items3] for c in PAIR_COLUMNS},
                },
            )
        if changes.surveys:
            items4 = sorted(changes.surveys.items(), key=_first)
            await self.session.execute(
                _WRITE_SURVEYS,
                {
                    "tenant_id": [k[0] for k, _ in items4],
                    "survey_id": [k[1] for k, _ in items4],
                    **{c: [getattr(v, c) for _, v in items4] for c in SURVEY_COLUMNS},
                },
            )
