"""Session transitions, agreements and goals: the rules, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from mentoring.kit.errors import Conflict, InvalidInput, NotFound
from mentoring.sessions.domain.agreements import Agreement, AgreementSigned, Terms
from mentoring.sessions.domain.goals import Goal, GoalAchieved, GoalSet
from mentoring.sessions.domain.pairs import Caller, Pair, PairStatus, Side
from mentoring.sessions.domain.sessions import (
    Cancelled,
    Logged,
    Mode,
    Scheduled,
    Session,
    SessionStatus,
    unknown_topics,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _scheduled(starts_in: timedelta = timedelta(days=2)) -> Session:
    return Session.schedule(
        tenant_id=uuid4(),
        pair_id=uuid4(),
        programme_id=uuid4(),
        by=uuid4(),
        starts_at=NOW + starts_in,
        duration_minutes=60,
        mode=Mode.ONLINE,
        location="https://meet.example/abc",
        now=NOW,
    )


def test_schedule_reschedule_cancel_raise_the_revision() -> None:
    s = _scheduled()
    assert (s.status, s.revision) == (SessionStatus.SCHEDULED, 0)
    s.reschedule(
        starts_at=NOW + timedelta(days=3), duration_minutes=None, mode=None, location=None, now=NOW
    )
    assert (s.status, s.revision, s.duration_minutes) == (SessionStatus.SCHEDULED, 1, 60)
    s.cancel(now=NOW)
    assert (s.status, s.revision) == (SessionStatus.CANCELLED, 2)
    assert [type(e) for e in s.events] == [Scheduled, Scheduled, Cancelled]


def _scheduled_past() -> Session:
    s = _scheduled()
    s.starts_at = NOW - timedelta(hours=2)
    return s


@pytest.mark.parametrize("final", ["cancel", "log"])
def test_cancelled_and_logged_are_final(final: str) -> None:
    s = _scheduled_past()  # already started, so it can be logged
    if final == "cancel":
        s.cancel(now=NOW)
    else:
        s.log(by=uuid4(), held_at=None, duration_minutes=None, topics=[], now=NOW)
    with pytest.raises(Conflict):
        s.cancel(now=NOW)
    with pytest.raises(Conflict):
        s.reschedule(
            starts_at=NOW + timedelta(days=1),
            duration_minutes=None,
            mode=None,
            location=None,
            now=NOW,
        )
    with pytest.raises(Conflict):
        s.log(by=uuid4(), held_at=None, duration_minutes=None, topics=[], now=NOW)


def test_logging_a_scheduled_session_keeps_its_start_and_takes_topics() -> None:
    s = _scheduled_past()
    s.log(by=uuid4(), held_at=None, duration_minutes=50, topics=[" Career ", "career"], now=NOW)
    assert s.status is SessionStatus.LOGGED
    assert s.held_at == s.starts_at
    assert s.topics == ("career",)
    assert isinstance(s.events[-1], Logged)


def test_a_session_ahead_cannot_be_logged_yet() -> None:
    with pytest.raises(Conflict):
        _scheduled().log(by=uuid4(), held_at=None, duration_minutes=None, topics=[], now=NOW)


def test_schedule_needs_a_future_time_and_log_past_a_past_one() -> None:
    with pytest.raises(InvalidInput):
        _scheduled(timedelta(minutes=-1))
    with pytest.raises(InvalidInput):
        Session.log_past(
            tenant_id=uuid4(),
            pair_id=uuid4(),
            by=uuid4(),
            held_at=NOW + timedelta(days=1),
            duration_minutes=30,
            mode=Mode.PHONE,
            topics=[],
            now=NOW,
        )
    with pytest.raises(InvalidInput):
        Session.log_past(
            tenant_id=uuid4(),
            pair_id=uuid4(),
            by=uuid4(),
            held_at=NOW - timedelta(days=1),
            duration_minutes=0,
            mode=Mode.PHONE,
            topics=[],
            now=NOW,
        )


def test_unknown_topics_are_reported_in_order() -> None:
    assert unknown_topics(("a", "x", "b", "y"), {"a", "b"}) == ["x", "y"]


def _pair(status: PairStatus = PairStatus.ACTIVE) -> Pair:
    return Pair(uuid4(), uuid4(), uuid4(), uuid4(), uuid4(), status, NOW)


def test_pair_access_members_coordinators_and_strangers() -> None:
    pair = _pair()
    mentor = Caller(pair.mentor_id, member_role=True, coordinator=False)
    coordinator = Caller(None, member_role=False, coordinator=True)
    stranger = Caller(uuid4(), member_role=True, coordinator=False)
    member_id_without_role = Caller(pair.mentee_id, member_role=False, coordinator=False)
    assert pair.ensure_member(mentor) == pair.mentor_id
    assert pair.can_see(coordinator)
    assert not pair.is_member(coordinator)
    for caller in (stranger, member_id_without_role, coordinator):
        with pytest.raises(NotFound):
            pair.ensure_member(caller)
    with pytest.raises(NotFound):
        pair.ensure_visible(stranger)
    with pytest.raises(Conflict):
        _pair(PairStatus.ENDED).ensure_active()


def _terms(goals: str = "Lepsze wdrożenie") -> Terms:
    return Terms(goals=goals, meetings_per_month=2, session_minutes=60, confidentiality="Poufne")


def test_agreement_is_signed_once_by_both_sides_of_one_revision() -> None:
    a = Agreement.draft(
        tenant_id=uuid4(), pair_id=uuid4(), programme_id=uuid4(), terms=_terms(), now=NOW
    )
    a.sign(Side.MENTEE, 1, NOW)
    with pytest.raises(Conflict):
        a.sign(Side.MENTEE, 1, NOW)
    assert a.amend(_terms("Nowe cele"), NOW)
    assert a.revision == 2
    assert a.mentee_signed_at is None  # changed terms clear earlier signatures
    with pytest.raises(Conflict):
        a.sign(Side.MENTOR, 1, NOW)  # signing terms that changed meanwhile
    a.sign(Side.MENTOR, 2, NOW)
    assert not a.signed
    a.sign(Side.MENTEE, 2, NOW)
    assert a.signed
    assert [type(e) for e in a.events] == [AgreementSigned]
    with pytest.raises(Conflict):
        a.amend(_terms("Jeszcze inne"), NOW)
    assert not Agreement.draft(
        tenant_id=uuid4(), pair_id=uuid4(), programme_id=uuid4(), terms=_terms(), now=NOW
    ).amend(_terms(), NOW)


def test_goal_progress_milestones_and_achievement() -> None:
    g = Goal.set(
        tenant_id=uuid4(),
        pair_id=uuid4(),
        programme_id=uuid4(),
        author_id=uuid4(),
        title=" Wystąpienia publiczne ",
        description=None,
        target_date=None,
        milestones=["Pierwsza prezentacja"],
        now=NOW,
    )
    assert g.title == "Wystąpienia publiczne"
    g.update(title=None, description="opis", target_date=None, progress=40)
    with pytest.raises(InvalidInput):
        g.update(title=None, description=None, target_date=None, progress=101)
    m = g.add_milestone("Druga prezentacja")
    g.complete_milestone(m.id, NOW)
    with pytest.raises(Conflict):
        g.complete_milestone(m.id, NOW)
    with pytest.raises(NotFound):
        g.complete_milestone(uuid4(), NOW)
    g.achieve(NOW)
    assert g.progress == 100
    with pytest.raises(Conflict):
        g.achieve(NOW)
    assert [type(e) for e in g.events] == [GoalSet, GoalAchieved]
