"""What a demo pair did over the months: pure, deterministic plans that the seed then performs
through the sessions API (sessions held in the past, feedback, an agreement, goals)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from mentoring.demo.vocabulary import AGREEMENT_GOALS, GOAL_TITLES, SESSION_TOPICS

MODES = ("in_person", "online", "phone")
NOTES = (
    "Do przemyślenia: jak zacząć rozmowę z przełożonym o zakresie obowiązków.",
    "Umówiliśmy się, że przygotuję krótką notatkę i omówimy ją następnym razem.",
    "Dobra rozmowa o tym, jak czytać projekt rozporządzenia.",
    "Lista kontaktów w innych departamentach - dopisać dwie osoby.",
    "Następnym razem: przygotowanie do wystąpienia na naradzie.",
)
COMMENTS = (
    "Bardzo konkretna rozmowa.",
    "Przydatne wskazówki, dziękuję.",
    "Za krótko, ale wartościowo.",
    "Dobrze się rozmawia.",
)


@dataclass(frozen=True)
class PlannedFeedback:
    side: str  # mentor | mentee
    rating: int
    fit_check: bool | None
    comment: str | None


@dataclass(frozen=True)
class PlannedSession:
    held_at: datetime
    duration_minutes: int
    mode: str
    topics: tuple[str, ...]
    logged_by: str  # mentor | mentee
    notes: str | None
    feedback: tuple[PlannedFeedback, ...]


@dataclass(frozen=True)
class PlannedGoal:
    title: str
    target_date: date
    milestones: tuple[str, ...]
    progress: int
    achieved: bool


@dataclass(frozen=True)
class PairPlan:
    """A pair's history: when it met, how it rated, its agreement and goals, what is next."""

    kind: str  # regular | stalled | silent
    sessions: tuple[PlannedSession, ...]
    agreement: bool
    meetings_per_month: int
    goals: tuple[PlannedGoal, ...] = field(default_factory=tuple)
    upcoming: datetime | None = None  # a session scheduled ahead (its .ics goes out by e-mail)
    upcoming_mode: str = "online"


def _rating(rng: random.Random, mood: float) -> int:
    """Mostly 4s and 5s; a pair that is drifting apart (`mood` < 1) rates lower."""
    weights = (2 / mood, 5 / mood, 13, 35 * mood, 45 * mood)
    return rng.choices((1, 2, 3, 4, 5), weights=weights)[0]


def _working_time(rng: random.Random, day: date) -> datetime:
    while day.weekday() >= 5:  # meetings happen on working days
        day -= timedelta(days=1)
    hour = rng.choice((8, 9, 10, 11, 12, 13, 14))  # UTC: 9:00-16:00 in Warsaw
    return datetime.combine(day, time(hour, rng.choice((0, 0, 30))), tzinfo=UTC)


def plan_pair(
    rng: random.Random, *, now: datetime, started_days_ago: int, topics: tuple[str, ...] = ()
) -> PairPlan:
    """A pair that started meeting `started_days_ago` days before `now`.

    Most pairs meet every two to five weeks; some stall (their last session more than a month
    ago, so analytics calls them inactive); a few never met.
    """
    codes = topics or tuple(code for code, _pl, _en in SESSION_TOPICS)
    draw = rng.random()
    kind = "regular" if draw < 0.78 else "stalled" if draw < 0.95 else "silent"
    cadence = rng.choice((21, 28, 28, 35, 42))
    today = now.date()
    start = today - timedelta(days=started_days_ago)
    stop = today - timedelta(days=2)
    if kind == "stalled":
        stop = today - timedelta(days=rng.randint(35, 80))
    mood = 1.0 if kind == "regular" else 0.6
    sessions: list[PlannedSession] = []
    day = start + timedelta(days=rng.randint(3, 12))
    while kind != "silent" and day <= stop:
        held_at = _working_time(rng, day)
        if held_at >= now - timedelta(hours=1):
            break
        first = not sessions
        feedback = []
        for side, chance in (("mentee", 0.75), ("mentor", 0.5)):
            if rng.random() < chance:
                fit = (rng.random() > 0.04) if first else None
                comment = rng.choice(COMMENTS) if rng.random() < 0.2 else None
                feedback.append(PlannedFeedback(side, _rating(rng, mood), fit, comment))
        sessions.append(
            PlannedSession(
                held_at=held_at,
                duration_minutes=rng.choice((45, 60, 60, 60, 90)),
                mode=rng.choices(MODES, weights=(50, 40, 10))[0],
                topics=tuple(rng.sample(codes, rng.choice((1, 1, 2)))),
                logged_by=rng.choice(("mentee", "mentee", "mentor")),
                notes=rng.choice(NOTES) if rng.random() < 0.3 else None,
                feedback=tuple(feedback),
            )
        )
        day += timedelta(days=cadence + rng.randint(-4, 6))
    goals = []
    if kind != "silent" and rng.random() < 0.65:
        for title in rng.sample(GOAL_TITLES, rng.choice((1, 1, 2))):
            achieved = rng.random() < 0.35 and len(sessions) >= 3
            goals.append(
                PlannedGoal(
                    title=title,
                    target_date=today + timedelta(days=rng.randint(30, 150)),
                    milestones=("Pierwszy krok", "Omówienie z mentorem"),
                    progress=100 if achieved else rng.choice((10, 25, 40, 50, 60, 75)),
                    achieved=achieved,
                )
            )
    upcoming = None
    if kind == "regular" and rng.random() < 0.5:
        upcoming = _working_time(rng, today + timedelta(days=rng.randint(3, 20)))
        if upcoming <= now:
            upcoming += timedelta(days=7)
    return PairPlan(
        kind=kind,
        sessions=tuple(sessions),
        agreement=kind != "silent" and rng.random() < 0.9,
        meetings_per_month=max(1, round(30 / cadence)),
        goals=tuple(goals),
        upcoming=upcoming,
        upcoming_mode=rng.choices(MODES, weights=(50, 40, 10))[0],
    )


def survey_answers(rng: random.Random, items: int, low: int, high: int) -> list[int]:
    """Answers leaning to the positive end of the scale (reverse-scored items included)."""
    middle = (low + high) / 2
    return [
        max(low, min(high, round(rng.gauss(middle + (high - low) / 5, (high - low) / 4))))
        for _ in range(items)
    ]


# -- the request bodies of the sessions API (docs/sessions.md) ---------------------------------


def agreement_body(plan: PairPlan, mentee_first_name: str, goals: list[str]) -> dict[str, Any]:
    return {
        "goals": AGREEMENT_GOALS.format(mentee=mentee_first_name, goals=", ".join(goals[:3])),
        "meetings_per_month": plan.meetings_per_month,
        "session_minutes": 60,
    }


def goal_body(goal: PlannedGoal) -> dict[str, Any]:
    return {
        "title": goal.title,
        "target_date": goal.target_date.isoformat(),
        "milestones": list(goal.milestones),
    }


def log_body(session: PlannedSession) -> dict[str, Any]:
    return {
        "held_at": session.held_at.isoformat(),
        "duration_minutes": session.duration_minutes,
        "mode": session.mode,
        "topics": list(session.topics),
        "notes": session.notes,
    }


def feedback_body(feedback: PlannedFeedback) -> dict[str, Any]:
    body: dict[str, Any] = {"rating": feedback.rating, "comment": feedback.comment}
    if feedback.fit_check is not None:
        body["fit_check"] = feedback.fit_check
    return body


def schedule_body(plan: PairPlan, meeting_link: str) -> dict[str, Any]:
    assert plan.upcoming is not None
    online = plan.upcoming_mode != "in_person"
    return {
        "starts_at": plan.upcoming.isoformat(),
        "duration_minutes": 60,
        "mode": plan.upcoming_mode,
        "location": meeting_link if online else "Sala 2.14, ul. Królewska 27, Warszawa",
    }
