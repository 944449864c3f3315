"""Surveys: the scheduler that makes check-ins and pulse surveys due (once each), and answers.

The scheduler runs in the worker as a PeriodicJob. Its state is in Postgres: each active pair
holds its next check-in time and its next pulse wave. A due survey is a row with a unique key,
inserted with its `sessions.survey_due.v1` event in one transaction, so a second run, or a
second worker, finds it there and announces nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

from mentoring.kit.errors import NotFound
from mentoring.sessions.adapters.events import emit_survey_due, emit_survey_submitted
from mentoring.sessions.adapters.surveys import DuePair
from mentoring.sessions.domain.instruments import CHECKIN, PULSE, Instrument
from mentoring.sessions.domain.pairs import Caller
from mentoring.sessions.domain.surveys import (
    Survey,
    Wave,
    checkin_due_at,
    checkin_wave,
    latest_due_checkin,
    pulse_schedule,
    start_of,
)
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork

WAVE_ORDER = (Wave.START, Wave.MIDDLE, Wave.END)


@dataclass
class Plan:
    """What one pass decides for one pair: surveys to issue and the pair's next state."""

    surveys: list[tuple[Survey, str]]
    next_checkin_at: datetime | None
    pulse_wave: str | None
    pulse_due_on: date | None


def plan_for(p: DuePair, now: datetime) -> Plan:
    plan = Plan([], p.next_checkin_at, p.pulse_wave, p.pulse_due_on)
    members = (p.mentor_id, p.mentee_id)

    def issue(instrument: Instrument, wave: str, due_at: datetime, key: str) -> None:
        for member in members:
            survey = Survey(
                id=uuid4(),
                tenant_id=p.tenant_id,
                pair_id=p.pair_id,
                programme_id=p.programme_id,
                participant_id=member,
                instrument=instrument,
                wave=wave,
                due_at=due_at,
            )
            plan.surveys.append((survey, key))

    if p.next_checkin_at is not None and p.next_checkin_at <= now:
        number = latest_due_checkin(p.created_at, now)
        if number is not None:
            wave = checkin_wave(number)
            issue(
                CHECKIN, wave, checkin_due_at(p.created_at, number), f"checkin:{p.pair_id}:{wave}"
            )
            plan.next_checkin_at = checkin_due_at(p.created_at, number + 1)
        else:
            plan.next_checkin_at = checkin_due_at(p.created_at, 1)

    if p.pulse_wave is not None and p.starts_on is not None and p.ends_on is not None:
        schedule = pulse_schedule(p.starts_on, p.ends_on, p.created_at.date())
        current = WAVE_ORDER.index(Wave(p.pulse_wave))
        ahead = [(w, d) for w, d in schedule if WAVE_ORDER.index(w) >= current]
        if not ahead:
            plan.pulse_wave, plan.pulse_due_on = None, None
        else:
            wave, due_on = ahead[0]
            if due_on <= now.date():
                for instrument in PULSE:
                    key = f"pulse:{p.programme_id}:{instrument.id}:{wave.value}"
                    issue(instrument, wave.value, start_of(due_on), key)
                following = ahead[1:]
                plan.pulse_wave = following[0][0].value if following else None
                plan.pulse_due_on = following[0][1] if following else None
            else:
                plan.pulse_wave, plan.pulse_due_on = wave.value, due_on
    return plan


async def issue_due_surveys(
    new_uow: Callable[[], SessionsUnitOfWork], now: datetime, *, batch: int = 200
) -> int:
    """One scheduler pass over every tenant (system scope); returns the surveys announced.

    Only the pairs recorded by this deployment (the unit of work's topic namespace) are
    scanned: another deployment sharing the database announces its own."""
    announced = 0
    while True:
        async with new_uow() as uow:
            due = await uow.surveys.due_pairs(now, batch)
            for pair in due:
                plan = plan_for(pair, now)
                for survey, key in plan.surveys:
                    if await uow.surveys.issue(survey, key, now):
                        emit_survey_due(uow, survey)
                        announced += 1
                await uow.surveys.advance(
                    pair.pair_id,
                    next_checkin_at=plan.next_checkin_at,
                    pulse_wave=plan.pulse_wave,
                    pulse_due_on=plan.pulse_due_on,
                )
            await uow.commit()
        if len(due) < batch:
            return announced


async def submit_survey(
    uow: SessionsUnitOfWork, caller: Caller, survey_id: UUID, answers: list[int], now: datetime
) -> Survey:
    """Answers from the participant the survey is for; only the score goes on the wire."""
    survey = await uow.surveys.get(survey_id, for_update=True)
    if survey is None or survey.participant_id != caller.participant_id:
        raise NotFound("no such survey")
    survey.submit(answers, now)
    await uow.surveys.save_submission(survey)
    emit_survey_submitted(uow, survey)
    return survey


async def my_survey(uow: SessionsUnitOfWork, caller: Caller, survey_id: UUID) -> Survey:
    survey = await uow.surveys.get(survey_id)
    if survey is None or survey.participant_id != caller.participant_id:
        raise NotFound("no such survey")
    return survey
