"""A hand-computed set of events and the figures they must give (docs/analytics.md defines them).

Tenant A runs programme P (six mentors, eight mentees, eight proposals) and the tiny programme Q
(one pair); tenant B only enrols seven mentors. Every moment is at 10:00 UTC in 2026. The
expected numbers below were worked out by hand from the story, not by running the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching as m
from mentoring.contracts.events import notifications as n
from mentoring.contracts.events import sessions as s

PSYCH = "psych_safety_edmondson_7"
LEAD = "participative_leadership_elq_pdm_6"


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


@dataclass
class Story:
    """Builds events with gap-free sequences per aggregate, in the order they happen."""

    events: list[EventData] = field(default_factory=list)
    _sequences: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, model: type[EventData], **fields: Any) -> EventData:
        probe = model.model_construct(**fields)
        key = (model.topic, str(getattr(probe, model.subject_field)))
        self._sequences[key] = self._sequences.get(key, 0) + 1
        event = model(sequence=self._sequences[key], **fields)
        self.events.append(event)
        return event


@dataclass
class Ids:
    tenant: UUID = field(default_factory=uuid4)
    p: UUID = field(default_factory=uuid4)
    q: UUID = field(default_factory=uuid4)
    units: dict[str, UUID] = field(default_factory=lambda: {u: uuid4() for u in ("U1", "U2", "U3")})
    people: dict[str, UUID] = field(default_factory=dict)
    pairs: dict[str, UUID] = field(default_factory=dict)

    def person(self, name: str) -> UUID:
        return self.people.setdefault(name, uuid4())

    def pair(self, name: str) -> UUID:
        return self.pairs.setdefault(name, uuid4())


def tenant_a(ids: Ids | None = None) -> tuple[Ids, list[EventData]]:
    ids = ids or Ids()
    t = ids.tenant
    story = Story()
    for programme, name in ((ids.p, "Program P"), (ids.q, "Program Q")):
        story.add(
            m.ProgrammeOpened,
            tenant_id=t,
            occurred_at=at(1, 2),
            programme_id=programme,
            name=name,
            kind=m.ProgrammeKind.ONE_TO_ONE,
            mode=m.MatchingMode.BEST_QUALITY,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            max_mentees_per_mentor=3,
            inactivity_days=30,
        )

    def enrol(who: str, role: m.ParticipantRole, when: datetime, programme: UUID) -> None:
        story.add(
            m.ParticipantEnrolled,
            tenant_id=t,
            occurred_at=when,
            participant_id=ids.person(who),
            programme_id=programme,
            role=role,
            unit_id=None,
            consented_at=when,
        )

    def withdraw(who: str, when: datetime) -> None:
        story.add(
            m.ParticipantWithdrawn,
            tenant_id=t,
            occurred_at=when,
            participant_id=ids.person(who),
            programme_id=ids.p,
        )

    for i in range(1, 7):
        enrol(f"M{i}", m.ParticipantRole.MENTOR, at(1, 5), ids.p)
    for i in range(1, 7):
        enrol(f"E{i}", m.ParticipantRole.MENTEE, at(1, 5), ids.p)
    enrol("E7", m.ParticipantRole.MENTEE, at(2, 1), ids.p)
    enrol("E8", m.ParticipantRole.MENTEE, at(3, 1), ids.p)
    withdraw("M6", at(2, 10))
    withdraw("E8", at(3, 20))
    enrol("N1", m.ParticipantRole.MENTOR, at(1, 5), ids.q)
    enrol("F1", m.ParticipantRole.MENTEE, at(1, 5), ids.q)

    u = ids.units

    def propose(
        pair: str,
        mentor: str,
        mentee: str,
        when: datetime,
        units: tuple[str, str],
        programme: UUID | None = None,
    ) -> None:
        story.add(
            m.PairProposed,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=programme or ids.p,
            round_id=None,
            mentor_id=ids.person(mentor),
            mentee_id=ids.person(mentee),
            mentor_unit_id=u[units[0]],
            mentee_unit_id=u[units[1]],
            score=1.0,
        )

    def create(
        pair: str,
        mentor: str,
        mentee: str,
        when: datetime,
        proposed: datetime,
        units: tuple[str, str],
        programme: UUID | None = None,
    ) -> None:
        story.add(
            m.PairCreated,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=programme or ids.p,
            mentor_id=ids.person(mentor),
            mentee_id=ids.person(mentee),
            mentor_unit_id=u[units[0]],
            mentee_unit_id=u[units[1]],
            proposed_at=proposed,
        )

    def decline(pair: str, mentor: str, mentee: str, when: datetime) -> None:
        story.add(
            m.PairDeclined,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=ids.p,
            mentor_id=ids.person(mentor),
            mentee_id=ids.person(mentee),
            declined_by=m.PairSide.MENTEE,
        )

    def end(pair: str, mentor: str, mentee: str, when: datetime, reason: m.PairEndReason) -> None:
        story.add(
            m.PairEnded,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=ids.p,
            mentor_id=ids.person(mentor),
            mentee_id=ids.person(mentee),
            reason=reason,
        )

    for pair, mentor, mentee in (
        ("p1", "M1", "E1"),
        ("p2", "M2", "E2"),
        ("p3", "M3", "E3"),
        ("p4", "M4", "E4"),
        ("p5", "M5", "E5"),
    ):
        units = {
            "p1": ("U1", "U2"),
            "p2": ("U1", "U1"),
            "p3": ("U1", "U2"),
            "p4": ("U3", "U1"),
            "p5": ("U2", "U3"),
        }[pair]
        propose(pair, mentor, mentee, at(1, 10), units)
    create("p1", "M1", "E1", at(1, 12), at(1, 10), ("U1", "U2"))
    decline("p5", "M5", "E5", at(1, 12))
    create("p2", "M2", "E2", at(1, 15), at(1, 10), ("U1", "U1"))
    create("p3", "M3", "E3", at(1, 20), at(1, 10), ("U1", "U2"))
    propose("p6", "M1", "E5", at(2, 1), ("U1", "U2"))
    propose("p7", "M2", "E6", at(2, 1), ("U1", "U3"))
    decline("p7", "M2", "E6", at(2, 2))
    create("p6", "M1", "E5", at(2, 3), at(2, 1), ("U1", "U2"))
    create("p4", "M4", "E4", at(2, 5), at(1, 10), ("U3", "U1"))
    propose("p8", "M3", "E6", at(2, 15), ("U2", "U2"))
    create("p8", "M3", "E6", at(2, 20), at(2, 15), ("U2", "U2"))
    end("p2", "M2", "E2", at(3, 10), m.PairEndReason.COMPLETED)
    end("p3", "M3", "E3", at(3, 15), m.PairEndReason.REMATCH)
    propose("q1", "N1", "F1", at(1, 10), ("U1", "U2"), ids.q)
    create("q1", "N1", "F1", at(1, 11), at(1, 10), ("U1", "U2"), ids.q)

    def log(pair: str, when: datetime, minutes: int, programme: UUID | None = None) -> None:
        story.add(
            s.SessionLogged,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=programme or ids.p,
            session_id=uuid4(),
            held_at=when,
            duration_minutes=minutes,
        )

    for pair, when, minutes in (
        ("p1", at(1, 20), 60),
        ("p2", at(1, 25), 60),
        ("p1", at(2, 10), 90),
        ("p2", at(2, 20), 60),
        ("p3", at(2, 1), 30),
        ("p4", at(2, 15), 60),
        ("p6", at(2, 25), 120),
        ("p1", at(3, 5), 60),
        ("p4", at(3, 10), 60),
        ("p6", at(3, 20), 60),
        ("p8", at(3, 1), 45),
    ):
        log(pair, when, minutes)
    log("q1", at(2, 5), 60, ids.q)
    story.add(
        s.SessionScheduled,
        tenant_id=t,
        occurred_at=at(1, 18),
        pair_id=ids.pair("p1"),
        programme_id=ids.p,
        session_id=uuid4(),
        starts_at=at(1, 20),
        duration_minutes=60,
        mode=s.SessionMode.ONLINE,
    )

    def goal(pair: str, when: datetime, achieved: datetime | None) -> None:
        goal_id = uuid4()
        story.add(
            s.GoalSet,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=ids.p,
            goal_id=goal_id,
        )
        if achieved:
            story.add(
                s.GoalAchieved,
                tenant_id=t,
                occurred_at=achieved,
                pair_id=ids.pair(pair),
                programme_id=ids.p,
                goal_id=goal_id,
            )

    goal("p1", at(1, 15), at(3, 1))
    goal("p2", at(1, 20), None)
    goal("p4", at(2, 10), at(3, 12))
    goal("p6", at(2, 26), None)

    def feedback(
        pair: str,
        who: str,
        when: datetime,
        rating: int,
        fit: bool | None,
        programme: UUID | None = None,
    ) -> None:
        story.add(
            s.FeedbackSubmitted,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=programme or ids.p,
            session_id=uuid4(),
            participant_id=ids.person(who),
            rating=rating,
            fit_check=fit,
        )

    feedback("p1", "E1", at(1, 21), 5, True)
    feedback("p1", "M1", at(1, 21), 4, True)
    feedback("p2", "E2", at(1, 26), 3, False)
    feedback("p1", "E1", at(2, 11), 4, None)
    feedback("p3", "E3", at(2, 2), 2, False)
    feedback("p4", "E4", at(2, 16), 5, True)
    feedback("p6", "E5", at(2, 26), 4, True)
    feedback("p4", "M4", at(2, 16), 4, None)
    feedback("p8", "E6", at(3, 2), 5, True)
    feedback("p1", "E1", at(3, 6), 3, None)
    feedback("q1", "F1", at(2, 6), 2, None, ids.q)

    def due(
        pair: str, who: str, when: datetime, instrument: str = "checkin", wave: str = "checkin-1"
    ) -> UUID:
        survey_id = uuid4()
        story.add(
            s.SurveyDue,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=ids.p,
            survey_id=survey_id,
            participant_id=ids.person(who),
            instrument=instrument,
            instrument_version="1",
            wave=wave,
            due_at=when,
        )
        return survey_id

    def answer(
        pair: str,
        who: str,
        when: datetime,
        survey_id: UUID,
        instrument: str = "checkin",
        wave: str = "checkin-1",
        score: float = 4.0,
    ) -> None:
        story.add(
            s.SurveySubmitted,
            tenant_id=t,
            occurred_at=when,
            pair_id=ids.pair(pair),
            programme_id=ids.p,
            survey_id=survey_id,
            participant_id=ids.person(who),
            instrument=instrument,
            instrument_version="1",
            wave=wave,
            score=score,
        )

    c1 = due("p1", "E1", at(2, 12))
    due("p1", "M1", at(2, 12))
    c3 = due("p2", "E2", at(2, 15))
    c4 = due("p2", "M2", at(2, 15))
    due("p3", "E3", at(2, 20))
    c6 = due("p4", "E4", at(3, 5))
    answer("p1", "E1", at(2, 13), c1)
    answer("p2", "E2", at(2, 16), c3)
    answer("p2", "M2", at(3, 1), c4)
    answer("p4", "E4", at(3, 6), c6)

    pulse_pairs = {"E1": "p1", "M1": "p1", "E2": "p2", "M2": "p2", "E3": "p3"}
    start_scores = {"E1": 4.0, "E2": 5.0, "E3": 3.5, "M1": 6.0, "M2": 4.5}
    end_scores = {"E1": 5.0, "E2": 5.5, "E3": 4.0, "M1": 6.5, "M2": 5.0}
    for who, score in start_scores.items():
        survey = due(pulse_pairs[who], who, at(1, 14), PSYCH, "start") if who == "E1" else uuid4()
        answer(pulse_pairs[who], who, at(1, 15), survey, PSYCH, "start", score)
    for who, score in end_scores.items():
        answer(pulse_pairs[who], who, at(3, 25), uuid4(), PSYCH, "end", score)
    answer("p1", "E1", at(1, 16), uuid4(), LEAD, "start", 3.0)
    answer("p2", "E2", at(1, 16), uuid4(), LEAD, "start", 4.0)

    for who in ("E1", "E2", "E3", "E4", "E5", "M1"):
        story.add(
            n.NotificationSent,
            tenant_id=t,
            occurred_at=at(2, 3),
            notification_id=uuid4(),
            recipient_id=ids.person(who),
            channel="email",
            kind="pair_created",
        )
    story.add(
        n.NotificationFailed,
        tenant_id=t,
        occurred_at=at(2, 3),
        notification_id=uuid4(),
        recipient_id=ids.person("E6"),
        channel="email",
        kind="pair_created",
        attempts=3,
        error="mailbox full",
    )
    return ids, story.events


def tenant_b(tenant: UUID | None = None) -> tuple[UUID, UUID, list[EventData]]:
    t = tenant or uuid4()
    programme = uuid4()
    story = Story()
    story.add(
        m.ProgrammeOpened,
        tenant_id=t,
        occurred_at=at(1, 3),
        programme_id=programme,
        name="Program B",
        kind=m.ProgrammeKind.GROUP,
        mode=m.MatchingMode.EVERYONE_MATCHED,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
        max_mentees_per_mentor=5,
    )
    for _ in range(7):
        story.add(
            m.ParticipantEnrolled,
            tenant_id=t,
            occurred_at=at(1, 8),
            participant_id=uuid4(),
            programme_id=programme,
            role=m.ParticipantRole.MENTOR,
            consented_at=at(1, 8),
        )
    return t, programme, story.events


PERIOD = {"from": "2026-01", "to": "2026-03"}
COST_P = "10000.00"
S = "suppressed"  # shorthand of the expectations: {"value": None, "suppressed": True}
E = "empty"  # nothing to compute from: {"value": None, "suppressed": False}

# Programme P, January to March 2026.
EXPECTED_P: dict[str, float | int | str] = {
    "enrolled_mentors": 5,  # M1..M6, M6 withdrew
    "enrolled_mentees": 7,  # E1..E8, E8 withdrew
    "match_rate": 0.75,  # 6 of 8 mentees ever enrolled had a pair created
    "time_to_match_days": 23.0,  # (7 + 10 + 15 + 31 + 29 + 46) / 6
    "acceptance_rate": 0.75,  # 6 created, 2 declined; 11 people
    "pairs_started": 6,
    "active_pairs": 4,  # p1, p4, p6, p8 (7 people)
    "pairs_ended_completed": S,  # p2: 2 people
    "pairs_ended_rematch": S,  # p3: 2 people
    "pairs_ended_withdrawn": 0,
    "pairs_ended_inactive": 0,
    "sessions_logged": 11,
    "mentoring_hours": 11.75,  # 705 minutes
    "sessions_per_pair_per_month": 0.7333,  # 11 sessions / (3 + 6 + 6) pair-months
    "goal_completion": 0.5,  # 2 of 4 goals
    "average_rating": 3.9,  # 39 / 10, 8 raters
    "fit_check_failures": 2,
    "fit_check_failure_rate": 0.2857,  # 2 / 7
    "checkin_response_rate": 0.6667,  # 4 of 6 due
    "cross_unit_share": 0.6667,  # 4 of 6 pairs with both units known
    "cost_per_active_pair": 2500.0,  # 10000 / 4
}
EXPECTED_P_FUNNEL = {"enrolled": 8, "matched": 6, "active": 6, "completed": S}
EXPECTED_P_RATINGS = {1: 0, 2: 1, 3: 2, 4: 4, 5: 3}
EXPECTED_P_SURVEYS: dict[str, dict[str, float | int | str]] = {
    PSYCH: {"start": 4.6, "middle": E, "end": 5.2, "change": 0.6},
    LEAD: {"start": S, "middle": E, "end": E, "change": S},
}
# (mentor unit, mentee unit) -> pairs created in the period
EXPECTED_P_CELLS = {("U1", "U2"): 3, ("U1", "U1"): S, ("U3", "U1"): S, ("U2", "U2"): S}
EXPECTED_P_MONTHS = {
    "2026-01": {
        "sessions_logged": S,
        "mentoring_hours": S,
        "sessions_per_pair": S,
        "average_rating": S,
        "pairs_started": 3,
        "mentees_matched": S,
        "checkin_response_rate": E,
        "pairs_ended": 0,
    },
    "2026-02": {
        "sessions_logged": 5,
        "mentoring_hours": 6.0,
        "sessions_per_pair": 0.8333,
        "average_rating": 3.8,
        "pairs_started": 3,
        "mentees_matched": S,
        "checkin_response_rate": 0.6,
        "pairs_ended": 0,
    },
    "2026-03": {
        "sessions_logged": 4,
        "mentoring_hours": 3.75,
        "sessions_per_pair": 0.6667,
        "average_rating": S,
        "pairs_started": 0,
        "mentees_matched": 0,
        "checkin_response_rate": S,
        "pairs_ended": S,
    },
}
# Every programme of tenant A (P and Q), January to March 2026.
EXPECTED_ALL: dict[str, float | int | str] = {
    "enrolled_mentors": 6,
    "enrolled_mentees": 8,
    "time_to_match_days": 20.5714,  # (138 + 6) / 7
    "pairs_started": 7,
    "active_pairs": 5,
    "sessions_logged": 12,
    "mentoring_hours": 12.75,
    "average_rating": 3.7273,  # 41 / 11
    "cross_unit_share": 0.7143,  # 5 of 7
    "cost_per_active_pair": 2500.0,  # only P has a cost
    "notifications_sent": 6,
    "notifications_failed": 1,
}
EXPECTED_ALL_CELLS = {("U1", "U2"): 4}
# Programme Q alone: one pair, so every figure about people is suppressed.
EXPECTED_Q: dict[str, float | int | str] = {
    "enrolled_mentors": S,
    "enrolled_mentees": S,
    "match_rate": S,
    "pairs_started": S,
    "active_pairs": S,
    "sessions_logged": S,
    "average_rating": S,
}
# Programme P in February only.
EXPECTED_P_FEBRUARY: dict[str, float | int | str] = {
    "sessions_logged": 5,
    "mentoring_hours": 6.0,
    "average_rating": 3.8,
    "checkin_response_rate": 0.6,
    "pairs_started": 3,  # p6, p4, p8: 6 people
}
EXPECTED_B = {"enrolled_mentors": 7, "pairs_started": 0, "sessions_logged": 0}


def matches(expected: float | int | str, actual: dict[str, Any]) -> bool:
    """An expectation against a {"value", "suppressed", "reason"} figure."""
    if expected == S:
        return actual == {"value": None, "suppressed": True, "reason": "fewer than 5 people"}
    if expected == E:
        return actual["value"] is None and actual["suppressed"] is False
    assert not isinstance(expected, str)
    return (
        actual["suppressed"] is False
        and actual["value"] is not None
        and abs(actual["value"] - expected) < 1e-4
    )


def mismatches(expected: dict[str, Any], actual: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        k: (v, actual.get(k))
        for k, v in expected.items()
        if k not in actual or not matches(v, actual[k])
    }
