"""The figures of a tenant (or one of its programmes) over a period, and the tables built from
them: what the JSON API, the dashboard page and the exports all show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.analytics.adapters import queries
from mentoring.analytics.adapters.queries import ProgrammeRow
from mentoring.analytics.domain.cube import Cube, Period
from mentoring.analytics.domain.figures import (
    Dashboard,
    PeopleQuery,
    build_dashboard,
    questions_up_front,
)
from mentoring.analytics.domain.months import add_months
from mentoring.kit.errors import InvalidInput, NotFound

MAX_MONTHS = 120


@dataclass(frozen=True)
class Filters:
    programme_id: UUID | None = None
    first: date | None = None
    last: date | None = None


@dataclass
class DashboardView:
    filters: Filters
    dashboard: Dashboard
    programmes: list[ProgrammeRow]


async def load_dashboard(
    session: AsyncSession, tenant_id: UUID, filters: Filters, today: date
) -> DashboardView:
    """Everything the dashboard shows, in the session's tenant (one transaction)."""
    programme_id = filters.programme_id
    if programme_id is not None and not await queries.programme_known(
        session, tenant_id, programme_id
    ):
        raise NotFound("no such programme")
    last = filters.last or month_of_day(today)
    cube = Cube(await queries.metric_rows(session, tenant_id, programme_id, last))
    first = filters.first or min(cube.months_seen, default=last)
    if first > last:
        raise InvalidInput("the period starts after it ends")
    if add_months(first, MAX_MONTHS) <= last:
        raise InvalidInput(f"a period is at most {MAX_MONTHS} months long")
    period = Period(first, last)
    costs = await queries.costs(session, tenant_id, programme_id)
    cells = await queries.unit_cells(session, tenant_id, programme_id, first, last)
    single = programme_id is not None
    current = month_of_day(today)

    async def count(q: PeopleQuery) -> int:
        return await queries.people(session, tenant_id, q, programme_id, current_month=current)

    exact = {
        q: await count(q) for q in questions_up_front(period, single_programme=single, costs=costs)
    }
    dashboard, missing = build_dashboard(
        cube, period, single_programme=single, costs=costs, cells=cells, exact=exact
    )
    if missing:
        exact.update({q: await count(q) for q in missing})
        dashboard, _ = build_dashboard(
            cube, period, single_programme=single, costs=costs, cells=cells, exact=exact
        )
    return DashboardView(filters, dashboard, await queries.programmes(session, tenant_id))


def month_of_day(day: date) -> date:
    return date(day.year, day.month, 1)
