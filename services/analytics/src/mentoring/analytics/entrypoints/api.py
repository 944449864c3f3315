"""HTTP API of analytics: every figure as JSON, every table as CSV and XLSX, programme costs.

Every answer is an aggregate of the caller's tenant; no route returns rows about a person.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from mentoring.analytics.adapters.tables import kit as kit_tables
from mentoring.analytics.domain.figures import MONTHLY_FIGURES
from mentoring.analytics.domain.months import format_month, parse_month
from mentoring.analytics.domain.privacy import Value
from mentoring.analytics.entrypoints import tables as exports
from mentoring.analytics.entrypoints.auth import LANG_COOKIE, viewer
from mentoring.analytics.entrypoints.schemas import (
    CostIn,
    CostOut,
    CrossUnitsOut,
    DashboardOut,
    FigureOut,
    FiguresOut,
    FunnelOut,
    MonthlyOut,
    ProgrammeOut,
    RatingsOut,
    SurveysOut,
    TableOut,
    TenantOut,
    cells_json,
    dashboard_json_of,
    fig,
    figures_json,
    funnel_json,
    months_json,
    programmes_json,
    ratings_json,
    scope,
    surveys_json,
)
from mentoring.analytics.service_layer import costs as cost_use_cases
from mentoring.analytics.service_layer.dashboard import DashboardView, Filters, load_dashboard
from mentoring.kit.auth import Principal, Role
from mentoring.kit.errors import NotFound
from mentoring.kit.web import kit, require, tenant_session

router = APIRouter(prefix="/api/v1")

Viewer = Annotated[Principal, Depends(require(Role.COORDINATOR, Role.ANALYST))]
ProgrammeFilter = Annotated[
    UUID | None, Query(description="One programme; all of the tenant's when left out.")
]
FromFilter = Annotated[
    str | None,
    Query(
        alias="from",
        pattern=r"^\d{4}-\d{2}$",
        description="First month (YYYY-MM); the first month with data when left out.",
    ),
]
ToFilter = Annotated[
    str | None,
    Query(
        alias="to",
        pattern=r"^\d{4}-\d{2}$",
        description="Last month (YYYY-MM); the current month when left out.",
    ),
]


def today(request: Request) -> date:
    clock = kit(request).extras.get("clock")
    now: datetime = clock() if clock else datetime.now(UTC)
    return now.date()


def filters_of(
    programme_id: ProgrammeFilter = None, first: FromFilter = None, last: ToFilter = None
) -> Filters:
    """The programme and period filters of a request (also a dependency: `Period`)."""
    return Filters(
        programme_id=programme_id,
        first=parse_month(first) if first else None,
        last=parse_month(last) if last else None,
    )


Period = Annotated[Filters, Depends(filters_of)]


async def view_of(request: Request, principal: Principal, filters: Filters) -> DashboardView:
    async with tenant_session(request, principal.tenant_id) as session:
        return await load_dashboard(session, principal.tenant_id, filters, today(request))


@router.get("/tenant", response_model=TenantOut, tags=["tenant"])
async def my_tenant(
    request: Request, principal: Annotated[Principal, Depends(require())]
) -> TenantOut:
    """The caller's ministry as this service knows it (from `matching.tenant_provisioned.v1`)."""
    table = kit_tables.tenant_replica
    assert table is not None
    async with tenant_session(request, principal.tenant_id) as session:
        row = (await session.execute(select(table))).first()
    if row is None:
        raise NotFound("this service has not heard of your tenant yet")
    return TenantOut(
        id=row.tenant_id,
        name=row.name,
        slug=row.slug,
        default_locale=row.default_locale,
        provisioned_at=row.provisioned_at,
    )


@router.get("/dashboard", response_model=DashboardOut, tags=["figures"])
async def dashboard_json(
    request: Request,
    *,
    principal: Viewer,
    period: Period,
) -> Response:
    """Everything the dashboard shows, in one answer."""
    view = await view_of(request, principal, period)
    return JSONResponse(dashboard_json_of(principal, view))


@router.get("/figures", response_model=FiguresOut, tags=["figures"])
async def figures(
    request: Request,
    *,
    principal: Viewer,
    period: Period,
) -> Response:
    """Every figure over the period (definitions: docs/analytics.md)."""
    view = await view_of(request, principal, period)
    return JSONResponse({**scope(principal, view), "figures": figures_json(view)})


@router.get("/figures/{name}", response_model=FigureOut, tags=["figures"])
async def figure(
    request: Request,
    *,
    principal: Viewer,
    name: Annotated[str, Path(max_length=64)],
    period: Period,
) -> Response:
    """One figure over the period, with its monthly series when it has one."""
    view = await view_of(request, principal, period)
    series_name = {"sessions_per_pair_per_month": "sessions_per_pair"}.get(name, name)
    if name not in view.dashboard.figures and series_name not in MONTHLY_FIGURES:
        raise NotFound(f"no figure {name!r}")
    value = view.dashboard.figures.get(name, Value.empty())
    series = (
        [
            {"month": format_month(row.month), "value": fig(row.values[series_name])}
            for row in view.dashboard.monthly
        ]
        if series_name in MONTHLY_FIGURES
        else []
    )
    return JSONResponse(
        {**scope(principal, view), "name": name, "value": fig(value), "series": series}
    )


@router.get("/monthly", response_model=MonthlyOut, tags=["figures"])
async def monthly(
    request: Request,
    *,
    principal: Viewer,
    period: Period,
) -> Response:
    """The monthly figures (sessions over time, pairs, ratings, check-ins) of the period."""
    view = await view_of(request, principal, period)
    return JSONResponse({**scope(principal, view), "months": months_json(view)})


@router.get("/funnel", response_model=FunnelOut, tags=["figures"])
async def funnel(
    request: Request,
    *,
    principal: Viewer,
    period: Period,
) -> Response:
    """Mentees who reached each stage by the end of the period."""
    view = await view_of(request, principal, period)
    return JSONResponse({**scope(principal, view), "stages": funnel_json(view)})


@router.get("/ratings", response_model=RatingsOut, tags=["figures"])
async def ratings(
    request: Request,
    *,
    principal: Viewer,
    period: Period,
) -> Response:
    """Session ratings of the period: the average and how often each rating was given."""
    view = await view_of(request, principal, period)
    return JSONResponse(
        {
            **scope(principal, view),
            "average": fig(view.dashboard.figures["average_rating"]),
            "distribution": ratings_json(view),
        }
    )


@router.get("/surveys", response_model=SurveysOut, tags=["figures"])
async def surveys(
    request: Request,
    *,
    principal: Viewer,
    period: Period,
) -> Response:
    """Pulse-survey indices (psychological safety, participative leadership) by wave."""
    view = await view_of(request, principal, period)
    return JSONResponse({**scope(principal, view), "instruments": surveys_json(view)})


@router.get("/cross-units", response_model=CrossUnitsOut, tags=["figures"])
async def cross_units(
    request: Request,
    *,
    principal: Viewer,
    period: Period,
) -> Response:
    """The share of pairs across units, and pairs by (mentor's unit, mentee's unit)."""
    view = await view_of(request, principal, period)
    return JSONResponse(
        {
            **scope(principal, view),
            "share": fig(view.dashboard.figures["cross_unit_share"]),
            "cells": cells_json(view),
        }
    )


@router.get("/programmes", response_model=list[ProgrammeOut], tags=["programmes"])
async def programmes(request: Request, principal: Viewer) -> Response:
    """The tenant's programmes with their health and cost."""
    view = await view_of(request, principal, Filters())
    return JSONResponse(programmes_json(view))


@router.get("/programmes/{programme_id}/cost", response_model=CostOut, tags=["programmes"])
async def get_cost(request: Request, principal: Viewer, programme_id: UUID) -> CostOut:
    async with tenant_session(request, principal.tenant_id) as session:
        cost = await cost_use_cases.get_cost(session, principal.tenant_id, programme_id)
    return CostOut(**cost.__dict__)


@router.put("/programmes/{programme_id}/cost", response_model=CostOut, tags=["programmes"])
async def put_cost(
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.COORDINATOR))],
    programme_id: UUID,
    body: CostIn,
) -> CostOut:
    """The programme's cost (PLN), entered by its coordinator: cost per active pair uses it."""
    async with tenant_session(request, principal.tenant_id) as session:
        cost = await cost_use_cases.set_cost(
            session,
            cost_use_cases.SetCost(
                principal.tenant_id, programme_id, body.amount, body.currency, principal.subject
            ),
            datetime.now(UTC),
        )
    return CostOut(**cost.__dict__)


@router.get("/tables/{table}", response_model=TableOut, tags=["exports"])
async def table_json(
    request: Request,
    *,
    principal: Viewer,
    table: Annotated[exports.TableName, Path()],
    period: Period,
    lang: Annotated[Literal["pl", "en"] | None, Query()] = None,
) -> Response:
    """A table of the dashboard (the rows of its CSV and XLSX exports) as JSON."""
    view = await view_of(request, principal, period)
    built = exports.build_tables(view)[table]
    language = lang or request.cookies.get(LANG_COOKIE) or "pl"
    return JSONResponse(
        {
            **scope(principal, view),
            "name": table,
            "columns": [
                {"key": c, "label": exports.column_label(language, c)} for c in built.columns
            ],
            "rows": exports.json_rows(built),
        }
    )


@router.get(
    "/exports/{table}.{extension}",
    tags=["exports"],
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
            "description": "The table as CSV (UTF-8 with BOM) or XLSX.",
        }
    },
)
async def export(
    request: Request,
    *,
    principal: Annotated[Principal, Depends(viewer)],
    table: Annotated[exports.TableName, Path()],
    extension: Annotated[Literal["csv", "xlsx"], Path()],
    period: Period,
    lang: Annotated[Literal["pl", "en"] | None, Query()] = None,
) -> Response:
    """A table as CSV or XLSX, headers in the chosen language (bearer token or the dashboard's
    cookie)."""
    view = await view_of(request, principal, period)
    built = exports.build_tables(view)[table]
    language = lang or request.cookies.get(LANG_COOKIE) or "pl"
    shown = view.dashboard.period
    name = exports.filename(table, extension, [format_month(shown.first), format_month(shown.last)])
    if extension == "csv":
        body, media = exports.to_csv(built, language), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(built, language)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
