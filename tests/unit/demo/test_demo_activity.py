"""The seed's pair histories: sessions in the past, in order, on working days; feedback the
sessions API accepts (a fit check only with the first session); a mix of regular, stalled and
silent pairs."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from mentoring.demo.activity import plan_pair, survey_answers

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def plans(n: int = 400) -> list:
    return [
        plan_pair(random.Random(i), now=NOW, started_days_ago=random.Random(-i).randint(40, 170))
        for i in range(n)
    ]


def test_sessions_are_in_the_past_in_order_on_working_days() -> None:
    for plan in plans():
        held = [s.held_at for s in plan.sessions]
        assert held == sorted(held)
        assert all(h < NOW - timedelta(hours=1) for h in held)
        assert all(h.weekday() < 5 for h in held)
        assert all(1 <= s.duration_minutes <= 480 for s in plan.sessions)
        if plan.upcoming is not None:
            assert plan.upcoming > NOW


def test_the_fit_check_comes_with_the_first_session_only() -> None:
    for plan in plans():
        for n, session in enumerate(plan.sessions):
            for fb in session.feedback:
                assert 1 <= fb.rating <= 5
                assert (fb.fit_check is not None) == (n == 0)


def test_a_mix_of_pairs_some_of_them_inactive_for_a_month() -> None:
    all_plans = plans()
    kinds = Counter(p.kind for p in all_plans)
    assert kinds["regular"] > kinds["stalled"] > kinds["silent"] > 0
    for p in all_plans:
        if p.kind == "stalled" and p.sessions:
            assert NOW - p.sessions[-1].held_at > timedelta(days=30)
        if p.kind == "silent":
            assert not p.sessions and not p.agreement


def test_the_same_random_state_gives_the_same_history() -> None:
    first = plan_pair(random.Random(3), now=NOW, started_days_ago=120)
    again = plan_pair(random.Random(3), now=NOW, started_days_ago=120)
    assert first == again


def test_survey_answers_stay_on_the_scale() -> None:
    rng = random.Random(1)
    for _ in range(200):
        answers = survey_answers(rng, 7, 1, 7)
        assert len(answers) == 7
        assert all(1 <= a <= 7 for a in answers)
