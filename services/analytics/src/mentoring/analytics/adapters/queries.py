"""What the dashboard reads, in the caller's tenant (row-level security scopes every query).

Figures come from the monthly sums and the unit matrix (a few hundred rows per programme); the
exact people counts behind a figure are asked only when the sums' bounds cannot decide, and then
only over small groups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.analytics.domain.figures import (
    MembersQuery,
    ParticipantsQuery,
    PeopleQuery,
    UnitCell,
)
from mentoring.analytics.domain.months import month_end, month_start
from mentoring.analytics.domain.privacy import MIN_PEOPLE


@dataclass(frozen=True)
class ProgrammeRow:
    programme_id: UUID
    name: str | None
    kind: str | None
    starts_on: date | None
    ends_on: date | None
    inactivity_days: int | None
    closed: bool
    health: str | None
    health_reasons: list[str]
    cost: Decimal | None
    currency: str | None


def _programmes_filter(programme_id: UUID | None, column: str = "programme_id") -> str:
    return f" AND {column} = :programme_id" if programme_id else ""


# Every query names the tenant although row-level security already confines it: the policies
# (tenant OR system scope) cannot steer an index, an explicit `tenant_id = :tenant` can.


async def programme_known(session: AsyncSession, tenant_id: UUID, programme_id: UUID) -> bool:
    found = await session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM rm_programme WHERE tenant_id = :t AND programme_id = :p)"
            " OR EXISTS (SELECT 1 FROM rm_metric_month WHERE tenant_id = :t AND programme_id = :p)"
        ),
        {"t": tenant_id, "p": programme_id},
    )
    return bool(found.scalar_one())


async def metric_rows(
    session: AsyncSession, tenant_id: UUID, programme_id: UUID | None, last: date
) -> list[tuple[UUID, date, str, Decimal]]:
    rows = await session.execute(
        text(
            "SELECT programme_id, month, metric, amount FROM rm_metric_month "
            "WHERE tenant_id = :tenant AND month <= :last" + _programmes_filter(programme_id)
        ),
        {"tenant": tenant_id, "last": last, "programme_id": programme_id},
    )
    return [tuple(r) for r in rows]


async def unit_cells(
    session: AsyncSession, tenant_id: UUID, programme_id: UUID | None, first: date, last: date
) -> list[UnitCell]:
    """The unit matrix of the period. Hundreds of cells come back as one JSON document: far
    cheaper to decode than as hundreds of rows."""
    found = await session.execute(
        text(
            "SELECT coalesce(json_agg(json_build_array(a, b, n, hi, total) ORDER BY a, b), '[]') "
            "FROM (SELECT mentor_unit_id::text AS a, mentee_unit_id::text AS b, "
            "sum(pairs)::int AS n, max(people) AS hi, sum(people)::int AS total "
            "FROM rm_unit_month WHERE tenant_id = :tenant AND month BETWEEN :first AND :last"
            + _programmes_filter(programme_id)
            + " GROUP BY mentor_unit_id, mentee_unit_id HAVING sum(pairs) > 0) AS cells"
        ),
        {"tenant": tenant_id, "first": first, "last": last, "programme_id": programme_id},
    )
    raw = found.scalar_one()
    rows = json.loads(raw) if isinstance(raw, str) else raw
    return [UnitCell(*row) for row in rows]


async def costs(
    session: AsyncSession, tenant_id: UUID, programme_id: UUID | None
) -> dict[UUID, Decimal]:
    rows = await session.execute(
        text(
            "SELECT programme_id, amount FROM programme_cost WHERE tenant_id = :tenant"
            + _programmes_filter(programme_id)
        ),
        {"tenant": tenant_id, "programme_id": programme_id},
    )
    return {r.programme_id: r.amount for r in rows}


async def programmes(session: AsyncSession, tenant_id: UUID) -> list[ProgrammeRow]:
    rows = await session.execute(
        text(
            """
            SELECT g.programme_id, g.name, g.kind, g.starts_on, g.ends_on, g.inactivity_days,
                   g.closed_at IS NOT NULL AS closed, h.health, h.reasons, c.amount, c.currency
            FROM rm_programme g
            LEFT JOIN programme_health h
                ON h.tenant_id = g.tenant_id AND h.programme_id = g.programme_id
            LEFT JOIN programme_cost c
                ON c.tenant_id = g.tenant_id AND c.programme_id = g.programme_id
            WHERE g.tenant_id = :tenant AND g.opened_at IS NOT NULL
            ORDER BY g.starts_on DESC NULLS LAST, g.name, g.programme_id
            """
        ),
        {"tenant": tenant_id},
    )
    return [
        ProgrammeRow(
            r.programme_id,
            r.name,
            r.kind,
            r.starts_on,
            r.ends_on,
            r.inactivity_days,
            bool(r.closed),
            r.health,
            list(r.reasons or []),
            r.amount,
            r.currency,
        )
        for r in rows
    ]


_STAGE_CONDITIONS = {
    "mentors_enrolled": "role IN ('mentor', 'both') AND enrolled_at < :end "
    "AND (withdrawn_at IS NULL OR withdrawn_at >= :end)",
    "mentees_enrolled": "role IN ('mentee', 'both') AND enrolled_at < :end "
    "AND (withdrawn_at IS NULL OR withdrawn_at >= :end)",
    "mentees_ever": "role IN ('mentee', 'both') AND enrolled_at < :end",
    "mentees_proposed": "role IN ('mentee', 'both') AND enrolled_at IS NOT NULL "
    "AND first_proposed_at < :end",
    "mentees_matched": "role IN ('mentee', 'both') AND enrolled_at IS NOT NULL "
    "AND first_matched_at < :end",
    "mentees_completed": "role IN ('mentee', 'both') AND enrolled_at IS NOT NULL "
    "AND first_completed_at < :end",
    "mentees_matched_in": "role IN ('mentee', 'both') AND enrolled_at IS NOT NULL "
    "AND first_matched_at >= :start AND first_matched_at < :end",
}

_ACTIVE_PAIR_PEOPLE = """
    WITH s AS (
        SELECT mentor_id, mentee_id FROM rm_pair
        WHERE tenant_id = :tenant AND created_at < :end AND (ended_at IS NULL OR ended_at >= :end)
          AND mentor_id IS NOT NULL AND mentee_id IS NOT NULL {programmes}
        ORDER BY created_at DESC
        LIMIT :limit
    )
    SELECT (SELECT count(*) FROM s) AS pairs,
           (SELECT count(DISTINCT x.person) FROM s,
                   LATERAL (VALUES (s.mentor_id), (s.mentee_id)) AS x(person)) AS people
"""
_ACTIVE_NOW_PEOPLE = """
    WITH s AS (
        SELECT mentor_id, mentee_id FROM rm_pair
        WHERE tenant_id = :tenant AND status = 'active'
          AND mentor_id IS NOT NULL AND mentee_id IS NOT NULL {programmes}
        LIMIT :limit
    )
    SELECT (SELECT count(*) FROM s) AS pairs,
           (SELECT count(DISTINCT x.person) FROM s,
                   LATERAL (VALUES (s.mentor_id), (s.mentee_id)) AS x(person)) AS people
"""
_PROBE = 64


async def people(
    session: AsyncSession,
    tenant_id: UUID,
    query: PeopleQuery,
    programme_id: UUID | None,
    *,
    current_month: date,
) -> int:
    """Distinct people behind a figure (for active pairs: exact, or some number >= 5).

    Pairs active at the end of the current month are the pairs active now (a partial index
    finds the first few); for an earlier month the pairs are read newest first.
    """
    params: dict[str, Any] = {"tenant": tenant_id, "programme_id": programme_id}
    if isinstance(query, MembersQuery):
        sql = (
            "SELECT count(DISTINCT person_id) FROM rm_member WHERE tenant_id = :tenant "
            "AND population = ANY(:populations) AND month <= :last"
        )
        params.update(populations=list(query.populations), last=query.last)
        if query.first is not None:
            sql += " AND month >= :first"
            params["first"] = query.first
        sql += _programmes_filter(programme_id)
        return int((await session.execute(text(sql), params)).scalar_one())
    if isinstance(query, ParticipantsQuery):
        params.update(end=month_end(query.last), start=_start(query.first))
        sql = (
            "SELECT count(DISTINCT participant_id) FROM rm_participant WHERE tenant_id = :tenant "
            "AND " + _STAGE_CONDITIONS[query.stage] + _programmes_filter(programme_id)
        )
        return int((await session.execute(text(sql), params)).scalar_one())
    params["end"] = month_end(query.last)
    if query.programmes is not None:
        where = " AND programme_id = ANY(:programmes)"
        params["programmes"] = list(query.programmes)
    else:
        where = _programmes_filter(programme_id)
    template = _ACTIVE_NOW_PEOPLE if query.last >= current_month else _ACTIVE_PAIR_PEOPLE
    sql = template.format(programmes=where)
    row = (await session.execute(text(sql), {**params, "limit": _PROBE})).one()
    if row.pairs == _PROBE and row.people < MIN_PEOPLE:
        row = (await session.execute(text(sql), {**params, "limit": None})).one()
    return int(row.people)


def _start(first: date | None) -> datetime | None:
    return month_start(first) if first else None
