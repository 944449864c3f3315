"""The JSON answers of the analytics API: their models (for OpenAPI) and how they are built.

Answers are built as plain dictionaries from the domain's figures; the models describe them in the
OpenAPI document (a dashboard holds thousands of figure objects: validating each would cost more
than computing them).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from mentoring.analytics.domain.months import format_month
from mentoring.analytics.domain.privacy import MIN_PEOPLE, Value
from mentoring.analytics.service_layer.dashboard import DashboardView
from mentoring.kit.auth import Principal


class FigureValue(BaseModel):
    """A figure, or null with the reason (suppressed: computed from fewer than 5 people)."""

    value: float | None = Field(examples=[12.5])
    suppressed: bool = False
    reason: str | None = Field(default=None, examples=["fewer than 5 people"])


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    first: str = Field(alias="from", examples=["2026-01"])
    last: str = Field(alias="to", examples=["2026-12"])


class ScopeOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    tenant_id: UUID
    programme_id: UUID | None
    period: PeriodOut
    min_people: int = MIN_PEOPLE


class FiguresOut(ScopeOut):
    figures: dict[str, FigureValue]


class MonthOut(BaseModel):
    month: str
    values: dict[str, FigureValue]


class MonthlyOut(ScopeOut):
    months: list[MonthOut]


class FigureSeriesPoint(BaseModel):
    month: str
    value: FigureValue


class FigureOut(ScopeOut):
    name: str
    value: FigureValue
    series: list[FigureSeriesPoint] = Field(
        default_factory=list, description="Monthly values, for figures that have them."
    )


class FunnelStageOut(BaseModel):
    stage: Literal["enrolled", "matched", "active", "completed"]
    mentees: FigureValue


class FunnelOut(ScopeOut):
    stages: list[FunnelStageOut]


class RatingOut(BaseModel):
    rating: int
    count: FigureValue
    share: FigureValue


class RatingsOut(ScopeOut):
    average: FigureValue
    distribution: list[RatingOut]


class SurveyOut(BaseModel):
    instrument: str
    start: FigureValue
    middle: FigureValue
    end: FigureValue
    change: FigureValue


class SurveysOut(ScopeOut):
    instruments: list[SurveyOut]


class CrossUnitCellOut(BaseModel):
    mentor_unit_id: UUID
    mentee_unit_id: UUID
    pairs: FigureValue


class CrossUnitsOut(ScopeOut):
    share: FigureValue
    cells: list[CrossUnitCellOut]


class CostOut(BaseModel):
    programme_id: UUID
    amount: Decimal
    currency: str
    updated_at: datetime


class ProgrammeOut(BaseModel):
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


class DashboardOut(ScopeOut):
    figures: dict[str, FigureValue]
    months: list[MonthOut]
    funnel: list[FunnelStageOut]
    ratings: list[RatingOut]
    surveys: list[SurveyOut]
    cross_units: list[CrossUnitCellOut]
    programmes: list[ProgrammeOut]


class TableColumnOut(BaseModel):
    key: str
    label: str


class TableOut(ScopeOut):
    name: str
    columns: list[TableColumnOut]
    rows: list[list[FigureValue | str | float | int | None]]


class CostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2, examples=["250000.00"])
    currency: Literal["PLN"] = "PLN"


class TenantOut(BaseModel):
    id: UUID
    name: str
    slug: str
    default_locale: str
    provisioned_at: datetime


Json = dict[str, Any]


def fig(v: Value) -> Json:
    return {"value": v.value, "suppressed": v.suppressed, "reason": v.reason}


def scope(principal: Principal, view: DashboardView) -> Json:
    period = view.dashboard.period
    programme = view.filters.programme_id
    return {
        "tenant_id": str(principal.tenant_id),
        "programme_id": str(programme) if programme else None,
        "period": {"from": format_month(period.first), "to": format_month(period.last)},
        "min_people": MIN_PEOPLE,
    }


def figures_json(view: DashboardView) -> Json:
    return {k: fig(v) for k, v in view.dashboard.figures.items()}


def months_json(view: DashboardView) -> list[Json]:
    return [
        {"month": format_month(row.month), "values": {k: fig(v) for k, v in row.values.items()}}
        for row in view.dashboard.monthly
    ]


def funnel_json(view: DashboardView) -> list[Json]:
    return [{"stage": stage, "mentees": fig(v)} for stage, v in view.dashboard.funnel]


def ratings_json(view: DashboardView) -> list[Json]:
    return [
        {"rating": r.rating, "count": fig(r.count), "share": fig(r.share)}
        for r in view.dashboard.ratings
    ]


def surveys_json(view: DashboardView) -> list[Json]:
    return [
        {
            "instrument": r.instrument,
            "start": fig(r.waves["start"]),
            "middle": fig(r.waves["middle"]),
            "end": fig(r.waves["end"]),
            "change": fig(r.change),
        }
        for r in view.dashboard.surveys
    ]


def cells_json(view: DashboardView) -> list[Json]:
    return [
        {
            "mentor_unit_id": c.mentor_unit_id,
            "mentee_unit_id": c.mentee_unit_id,
            "pairs": fig(c.pairs),
        }
        for c in view.dashboard.cross_units
    ]


def programmes_json(view: DashboardView) -> list[Json]:
    return [
        {
            "programme_id": str(p.programme_id),
            "name": p.name,
            "kind": p.kind,
            "starts_on": p.starts_on.isoformat() if p.starts_on else None,
            "ends_on": p.ends_on.isoformat() if p.ends_on else None,
            "inactivity_days": p.inactivity_days,
            "closed": p.closed,
            "health": p.health,
            "health_reasons": p.health_reasons,
            "cost": str(p.cost) if p.cost is not None else None,
            "currency": p.currency,
        }
        for p in view.programmes
    ]


def dashboard_json_of(principal: Principal, view: DashboardView) -> Json:
    return {
        **scope(principal, view),
        "figures": figures_json(view),
        "months": months_json(view),
        "funnel": funnel_json(view),
        "ratings": ratings_json(view),
        "surveys": surveys_json(view),
        "cross_units": cells_json(view),
        "programmes": programmes_json(view),
    }
