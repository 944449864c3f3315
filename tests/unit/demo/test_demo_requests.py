"""The demo talks to the services over HTTP only; here its request bodies are checked against the
services' own request models (pydantic, unknown fields forbidden), so an API change that would
break `make up`'s seed fails fast, without a running system."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from mentoring.demo.activity import (
    agreement_body,
    feedback_body,
    goal_body,
    log_body,
    plan_pair,
    schedule_body,
)
from mentoring.demo.orgdata import Ministry, generate
from mentoring.demo.seed import choose_coordinator, choose_participants, enrolment
from mentoring.matching.entrypoints.routes.participants import EnrolIn
from mentoring.sessions.entrypoints.schemas import (
    AgreementIn,
    FeedbackIn,
    GoalIn,
    LogPastIn,
    ScheduleIn,
)
from mentoring.sessions.entrypoints.schemas import TopicIn as SessionTopicIn

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ministry() -> Ministry:
    return generate(2000)


def test_enrolments_fit_the_matching_api(ministry: Ministry) -> None:
    rng = random.Random(1)
    coordinator = choose_coordinator(ministry)
    assert coordinator.position == "Naczelnik Wydziału"
    mentors, mentees = choose_participants(
        ministry, 120, 140, rng, exclude={coordinator.employee_id}
    )
    assert (len(mentors), len(mentees)) == (120, 140)
    assert not {m.employee_id for m in mentors} & {m.employee_id for m in mentees}
    assert coordinator not in mentors + mentees
    units = {u.code: u.name for u in ministry.units}
    for e in mentors:
        body = EnrolIn.model_validate(enrolment(e, "mentor", rng, units[e.unit_code]))
        assert body.consent and body.skills and body.capacity
    for e in mentees:
        body = EnrolIn.model_validate(enrolment(e, "mentee", rng, units[e.unit_code]))
        assert body.consent and body.goals


def test_pair_histories_fit_the_sessions_api() -> None:
    for i in range(300):
        plan = plan_pair(random.Random(i), now=NOW, started_days_ago=150)
        AgreementIn.model_validate(agreement_body(plan, "Zofia", ["komunikacja", "legislacja"]))
        for goal in plan.goals:
            GoalIn.model_validate(goal_body(goal))
        for session in plan.sessions:
            LogPastIn.model_validate(log_body(session))
            for fb in session.feedback:
                FeedbackIn.model_validate(feedback_body(fb))
        if plan.upcoming is not None:
            ScheduleIn.model_validate(schedule_body(plan, "https://spotkania.muc.gov.pl/m/1"))


def test_session_topics_fit_the_sessions_api() -> None:
    from mentoring.demo.vocabulary import SESSION_TOPICS

    for code, pl, en in SESSION_TOPICS:
        SessionTopicIn.model_validate({"code": code, "label_pl": pl, "label_en": en})
