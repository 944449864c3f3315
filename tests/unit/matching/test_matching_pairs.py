"""The pair lifecycle: every legal transition and the illegal ones (Conflict -> HTTP 409)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from mentoring.kit.errors import Conflict
from mentoring.matching.domain.pairs import (
    EndReason,
    Flag,
    Pair,
    PairCreated,
    PairDeclined,
    PairEnded,
    PairFlagged,
    PairProposed,
    PairStatus,
    Side,
)

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def proposed() -> Pair:
    return Pair.propose(
        tenant_id=uuid4(),
        programme_id=uuid4(),
        round_id=uuid4(),
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        score=4.5,
        explanation=(("skills", 4.0), ("languages", 0.5)),
        mentor_unit_id=None,
        mentee_unit_id=None,
        at=NOW,
    )


def active() -> Pair:
    pair = proposed()
    pair.accept(Side.MENTEE, NOW)
    pair.accept(Side.MENTOR, NOW)
    pair.events.clear()
    return pair


def requested(days: int = 7) -> Pair:
    return Pair.request(
        tenant_id=uuid4(),
        programme_id=uuid4(),
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        score=1.0,
        explanation=(),
        mentor_unit_id=None,
        mentee_unit_id=None,
        answer_within=timedelta(days=days),
        at=NOW,
    )


def test_a_proposal_records_pair_proposed() -> None:
    pair = proposed()
    assert pair.status is PairStatus.PROPOSED
    assert [type(e) for e in pair.events] == [PairProposed]


@pytest.mark.parametrize("first", [Side.MENTOR, Side.MENTEE])
def test_both_sides_accept_in_any_order_then_the_pair_is_created(first: Side) -> None:
    pair = proposed()
    pair.events.clear()
    pair.accept(first, NOW)
    assert pair.status.value == "proposed" and not pair.events  # (no narrowing for mypy)
    other = Side.MENTEE if first is Side.MENTOR else Side.MENTOR
    pair.accept(other, NOW + timedelta(hours=1))
    assert pair.status is PairStatus.ACTIVE
    assert pair.activated_at == NOW + timedelta(hours=1)
    assert [type(e) for e in pair.events] == [PairCreated]


def test_accepting_twice_is_a_conflict() -> None:
    pair = proposed()
    pair.accept(Side.MENTEE, NOW)
    with pytest.raises(Conflict):
        pair.accept(Side.MENTEE, NOW)


@pytest.mark.parametrize("side", [Side.MENTOR, Side.MENTEE])
def test_either_side_declines_a_proposal(side: Side) -> None:
    pair = proposed()
    pair.accept(Side.MENTEE, NOW)
    pair.events.clear()
    pair.decline(side, NOW)
    assert (pair.status, pair.declined_by) == (PairStatus.DECLINED, side)
    [event] = pair.events
    assert isinstance(event, PairDeclined) and event.by is side


@pytest.mark.parametrize(
    "action",
    [
        lambda p: p.accept(Side.MENTOR, NOW),
        lambda p: p.decline(Side.MENTEE, NOW),
        lambda p: p.end(EndReason.COMPLETED, NOW),
        lambda p: p.accept_rematch(NOW),
        lambda p: p.expire(NOW + timedelta(days=30)),
    ],
)
def test_a_declined_pair_admits_nothing(action) -> None:
    pair = proposed()
    pair.decline(Side.MENTOR, NOW)
    with pytest.raises(Conflict):
        action(pair)


@pytest.mark.parametrize(
    "action",
    [
        lambda p: p.accept(Side.MENTOR, NOW),
        lambda p: p.decline(Side.MENTEE, NOW),
        lambda p: p.expire(NOW + timedelta(days=30)),
    ],
)
def test_an_active_pair_cannot_be_answered_again(action) -> None:
    with pytest.raises(Conflict):
        action(active())


def test_a_proposal_cannot_end_and_an_ended_pair_cannot_end_again() -> None:
    with pytest.raises(Conflict):
        proposed().end(EndReason.COMPLETED, NOW)
    pair = active()
    pair.end(EndReason.COMPLETED, NOW)
    assert (pair.status, pair.end_reason) == (PairStatus.ENDED, EndReason.COMPLETED)
    assert [type(e) for e in pair.events] == [PairEnded]
    with pytest.raises(Conflict):
        pair.end(EndReason.INACTIVE, NOW)


def test_a_request_is_accepted_by_the_mentee_and_expires_unanswered() -> None:
    pair = requested(days=7)
    assert pair.accepted_by(Side.MENTEE) and not pair.accepted_by(Side.MENTOR)
    with pytest.raises(Conflict):
        pair.expire(NOW + timedelta(days=6))  # not yet
    pair.events.clear()
    pair.expire(NOW + timedelta(days=7))
    assert pair.status is PairStatus.EXPIRED
    [event] = pair.events
    assert isinstance(event, PairDeclined) and event.by is None


def test_the_mentor_answers_a_request() -> None:
    pair = requested()
    pair.accept(Side.MENTOR, NOW)
    assert pair.status is PairStatus.ACTIVE
    with pytest.raises(Conflict):
        pair.expire(NOW + timedelta(days=30))


def test_flags_are_recorded_once_and_only_on_open_pairs() -> None:
    pair = active()
    assert pair.flag(Flag.INACTIVE, NOW)
    assert not pair.flag(Flag.INACTIVE, NOW)  # once
    assert [type(e) for e in pair.events] == [PairFlagged]
    fresh = proposed()
    assert not fresh.flag(Flag.REMATCH_OFFERED, NOW)  # only an active pair offers a re-match
    assert fresh.flag(Flag.REPORTING_LINE, NOW)  # a reorganisation flags proposals too
    ended = active()
    ended.end(EndReason.COMPLETED, NOW)
    assert not ended.flag(Flag.REPORTING_LINE, NOW)


def test_a_rematch_needs_an_offer_and_ends_the_pair() -> None:
    pair = active()
    with pytest.raises(Conflict):
        pair.accept_rematch(NOW)
    pair.flag(Flag.REMATCH_OFFERED, NOW)
    pair.accept_rematch(NOW)
    assert (pair.status, pair.end_reason) == (PairStatus.ENDED, EndReason.REMATCH)


def test_withdrawal_declines_a_proposal_and_ends_an_active_pair() -> None:
    pair = proposed()
    pair.withdraw(Side.MENTEE, NOW)
    assert (pair.status, pair.declined_by) == (PairStatus.DECLINED, Side.MENTEE)
    pair = active()
    pair.withdraw(Side.MENTOR, NOW)
    assert (pair.status, pair.end_reason) == (PairStatus.ENDED, EndReason.WITHDRAWN)
