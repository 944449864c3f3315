"""HTTP routes: survey instruments, a participant's surveys and answers, programme figures."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from mentoring.kit.web import Offset
from mentoring.sessions.domain.instruments import ALL
from mentoring.sessions.entrypoints.http import (
    Anyone,
    Figures,
    IdempotencyKey,
    Members,
    caller_of,
    new_uow,
    now,
    write_once,
)
from mentoring.sessions.entrypoints.schemas import (
    AnswersIn,
    FigureOut,
    InstrumentOut,
    Page,
    StatsOut,
    SurveyDetailOut,
    SurveyFiguresOut,
    SurveyOut,
)
from mentoring.sessions.service_layer import stats, surveys

router = APIRouter(prefix="/api/v1")


@router.get("/instruments", response_model=list[InstrumentOut], tags=["surveys"])
async def list_instruments(_principal: Anyone) -> list[InstrumentOut]:
    """Every instrument with its version, items (pl, en), scale and scoring."""
    return [InstrumentOut.of(i) for i in ALL]


@router.get("/surveys", response_model=Page[SurveyOut], tags=["surveys"])
async def my_surveys(
    request: Request,
    principal: Members,
    submitted: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> Page[SurveyOut]:
    """Your own surveys, due and answered (nobody else sees individual answers)."""
    caller = caller_of(principal)
    if caller.participant_id is None:
        return Page(items=[], total=0, limit=limit, offset=offset)
    async with new_uow(request, principal) as uow:
        items, total = await uow.surveys.of_participant(
            caller.participant_id, submitted=submitted, limit=limit, offset=offset
        )
    return Page(items=[SurveyOut.of(s) for s in items], total=total, limit=limit, offset=offset)


@router.get("/surveys/{survey_id}", response_model=SurveyDetailOut, tags=["surveys"])
async def my_survey(survey_id: UUID, request: Request, principal: Members) -> SurveyDetailOut:
    async with new_uow(request, principal) as uow:
        survey = await surveys.my_survey(uow, caller_of(principal), survey_id)
    return SurveyDetailOut(
        **SurveyOut.of(survey).model_dump(), form=InstrumentOut.of(survey.instrument)
    )


@router.post("/surveys/{survey_id}/responses", response_model=SurveyOut, tags=["surveys"])
async def answer_survey(
    survey_id: UUID,
    body: AnswersIn,
    request: Request,
    principal: Members,
    key: IdempotencyKey = None,
) -> Response:
    """Answer a due survey, one answer per item. The score is computed and published in
    `sessions.survey_submitted.v1`; the answers themselves are never published."""
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: surveys.submit_survey(uow, caller, survey_id, body.answers, at),
        SurveyOut.of,
    )


@router.get("/stats", response_model=StatsOut, tags=["figures"])
async def programme_stats(
    request: Request, principal: Figures, programme_id: UUID | None = None
) -> StatsOut:
    """Aggregates for coordinators and analysts; a figure from fewer than 5 people is withheld."""
    async with new_uow(request, principal) as uow:
        figures = await stats.programme_figures(uow, programme_id)
    return StatsOut(
        programme_id=figures["programme_id"],
        **{k: FigureOut.of(v) for k, v in figures.items() if k not in ("programme_id", "surveys")},
        surveys=[
            SurveyFiguresOut(
                instrument=s["instrument"],
                instrument_version=s["instrument_version"],
                wave=s["wave"],
                issued=FigureOut.of(s["issued"]),
                responses=FigureOut.of(s["responses"]),
                mean_score=FigureOut.of(s["mean_score"]),
            )
            for s in figures["surveys"]
        ],
    )
