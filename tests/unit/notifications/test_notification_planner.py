"""The rules of who hears about what, applied by the planner to facts (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from mentoring.notifications.domain.model import (
    Kind,
    Pair,
    PairCreated,
    PairEnded,
    PairInactive,
    PairProposed,
    PairStatus,
    Parked,
    ParticipantErased,
    Programme,
    ProgrammeOpened,
    RoundCompleted,
    Session,
    SessionCancelled,
    SessionScheduled,
    Snapshot,
    StoredParked,
    SurveyDue,
)
from mentoring.notifications.domain.rules import Planner

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEAD = timedelta(hours=24)


def _planner(snapshot: Snapshot | None = None) -> Planner:
    return Planner(snapshot or Snapshot(), NOW, session_reminder_lead=LEAD)


def _who(planner: Planner) -> set[tuple[UUID, Kind]]:
    return {(d.recipient_id, d.kind) for d in planner.plan.drafts}


def _ids(n: int) -> list[UUID]:
    return [uuid4() for _ in range(n)]


def _programme(coordinator: UUID | None) -> Programme:
    return Programme(uuid4(), "Program", coordinator, 30)


def test_pair_proposed_tells_both_members_with_their_partner() -> None:
    mentor, mentee, pair, prog = _ids(4)
    p = _planner()
    p.apply(PairProposed(uuid4(), NOW, pair, prog, mentor, mentee))
    assert _who(p) == {(mentor, Kind.PAIR_PROPOSED), (mentee, Kind.PAIR_PROPOSED)}
    by_person = {d.recipient_id: d.params for d in p.plan.drafts}
    assert by_person[mentor]["partner_id"] == str(mentee)
    assert by_person[mentee]["role"] == "mentee"
    assert p.plan.pairs[pair].status is PairStatus.PROPOSED


def test_pair_created_tells_both_and_the_coordinator() -> None:
    mentor, mentee, coordinator, pair = _ids(4)
    programme = _programme(coordinator)
    p = _planner(Snapshot(programmes={programme.programme_id: programme}))
    p.apply(PairCreated(uuid4(), NOW, pair, programme.programme_id, mentor, mentee))
    assert _who(p) == {
        (mentor, Kind.PAIR_CREATED),
        (mentee, Kind.PAIR_CREATED),
        (coordinator, Kind.PAIR_CREATED_COORDINATOR),
    }
    assert len({(d.recipient_id, d.dedupe_key) for d in p.plan.drafts}) == 3


def test_an_unknown_programme_parks_the_coordinator_message_until_it_opens() -> None:
    mentor, mentee, coordinator, pair, prog = _ids(5)
    p = _planner()
    p.apply(PairCreated(uuid4(), NOW, pair, prog, mentor, mentee))
    assert _who(p) == {(mentor, Kind.PAIR_CREATED), (mentee, Kind.PAIR_CREATED)}
    [parked] = p.plan.parked
    assert (parked.awaiting, parked.awaiting_id) == ("programme", prog)
    # in a later batch the programme arrives, with the parked intent loaded from storage
    later = _planner(Snapshot(parked=[StoredParked(uuid4(), parked)]))
    later.apply(ProgrammeOpened(uuid4(), NOW, prog, "Program", coordinator, 30))
    assert _who(later) == {(coordinator, Kind.PAIR_CREATED_COORDINATOR)}
    assert len(later.plan.unparked) == 1
    assert later.plan.parked == []


def test_a_programme_without_a_coordinator_tells_nobody() -> None:
    programme = _programme(None)
    p = _planner(Snapshot(programmes={programme.programme_id: programme}))
    p.apply(RoundCompleted(uuid4(), NOW, uuid4(), programme.programme_id, 3, 4, 1))
    assert p.plan.drafts == []
    assert p.plan.parked == []


def test_round_completed_tells_the_coordinator_opened_in_the_same_batch() -> None:
    coordinator, prog, round_id = _ids(3)
    p = _planner()
    p.apply(ProgrammeOpened(uuid4(), NOW, prog, "Program", coordinator, 30))
    p.apply(RoundCompleted(uuid4(), NOW, round_id, prog, 41, 44, 3))
    [draft] = p.plan.drafts
    assert (draft.recipient_id, draft.kind) == (coordinator, Kind.ROUND_COMPLETED)
    assert draft.params["mentees_unmatched"] == 3


def _session(pair: Pair, *, starts: datetime, revision: int = 0, by: UUID | None = None) -> Session:
    return Session(
        uuid4(), pair.pair_id, pair.programme_id, starts, 45, "online", None, revision, by
    )


def test_session_scheduled_tells_the_other_member_and_reminds_both() -> None:
    mentor, mentee = _ids(2)
    pair = Pair(uuid4(), uuid4(), mentor, mentee, PairStatus.ACTIVE)
    session = _session(pair, starts=NOW + timedelta(days=3), by=mentor)
    p = _planner(Snapshot(pairs={pair.pair_id: pair}))
    p.apply(SessionScheduled(uuid4(), NOW, session))
    assert _who(p) == {(mentee, Kind.SESSION_SCHEDULED)}
    reminders = list(p.plan.reminders.values())
    assert {r.recipient_id for r in reminders} == {mentor, mentee}
    assert {r.due_at for r in reminders} == {session.starts_at - LEAD}
    assert {r.kind for r in reminders} == {Kind.SESSION_REMINDER}


def test_a_session_too_soon_for_a_reminder_gets_none_and_a_reschedule_replaces_it() -> None:
    mentor, mentee = _ids(2)
    pair = Pair(uuid4(), uuid4(), mentor, mentee, PairStatus.ACTIVE)
    first = _session(pair, starts=NOW + timedelta(days=3))
    p = _planner(Snapshot(pairs={pair.pair_id: pair}))
    p.apply(SessionScheduled(uuid4(), NOW, first))
    soon = Session(**{**first.__dict__, "starts_at": NOW + timedelta(hours=2), "revision": 1})
    p.apply(SessionScheduled(uuid4(), NOW, soon))
    assert p.plan.reminders == {}
    assert f"session:{first.session_id}" in p.plan.cancelled_groups
    # with no scheduler named, both members hear of each schedule
    assert sorted(d.params["revision"] for d in p.plan.drafts) == [0, 0, 1, 1]


def test_an_older_revision_arriving_late_is_ignored() -> None:
    mentor, mentee = _ids(2)
    pair = Pair(uuid4(), uuid4(), mentor, mentee, PairStatus.ACTIVE)
    newer = _session(pair, starts=NOW + timedelta(days=5), revision=2)
    older = Session(**{**newer.__dict__, "revision": 1})
    p = _planner(Snapshot(pairs={pair.pair_id: pair}, sessions={newer.session_id: newer}))
    p.apply(SessionScheduled(uuid4(), NOW, older))
    assert p.plan.drafts == []


def test_session_cancelled_tells_both_with_the_session_and_cancels_reminders() -> None:
    mentor, mentee = _ids(2)
    pair = Pair(uuid4(), uuid4(), mentor, mentee, PairStatus.ACTIVE)
    session = _session(pair, starts=NOW + timedelta(days=3), by=mentee)
    p = _planner(Snapshot(pairs={pair.pair_id: pair}, sessions={session.session_id: session}))
    p.apply(SessionCancelled(uuid4(), NOW, session.session_id, pair.pair_id, pair.programme_id, 0))
    assert _who(p) == {(mentor, Kind.SESSION_CANCELLED), (mentee, Kind.SESSION_CANCELLED)}
    assert all(d.params["cancelled"] and d.params["starts_at"] for d in p.plan.drafts)
    assert p.plan.sessions[session.session_id].cancelled
    assert p.plan.cancelled_groups == {f"session:{session.session_id}"}


def test_an_event_for_an_unknown_pair_waits_for_the_pair() -> None:
    mentor, mentee = _ids(2)
    pair = Pair(uuid4(), uuid4(), mentor, mentee, PairStatus.ACTIVE)
    p = _planner()
    p.apply(SessionScheduled(uuid4(), NOW, _session(pair, starts=NOW + timedelta(days=3))))
    assert p.plan.drafts == []
    assert {x.awaiting for x in p.plan.parked} == {"pair"}
    p.apply(PairCreated(uuid4(), NOW, pair.pair_id, pair.programme_id, mentor, mentee))
    assert (mentee, Kind.SESSION_SCHEDULED) in _who(p)
    assert len(p.plan.reminders) == 2
    assert [x.awaiting for x in p.plan.parked] == ["programme"]  # the coordinator's message


def test_survey_due_now_notifies_and_due_later_waits_as_a_reminder() -> None:
    person, pair, prog = _ids(3)
    p = _planner()
    p.apply(SurveyDue(uuid4(), NOW, uuid4(), pair, prog, person, "checkin", "checkin-1", NOW))
    assert _who(p) == {(person, Kind.SURVEY_DUE)}
    later = NOW + timedelta(days=2)
    p.apply(SurveyDue(uuid4(), NOW, uuid4(), pair, prog, person, "checkin", "checkin-2", later))
    [reminder] = p.plan.reminders.values()
    assert (reminder.recipient_id, reminder.due_at) == (person, later)


def test_pair_inactive_nudges_both_and_tells_the_coordinator() -> None:
    mentor, mentee, coordinator = _ids(3)
    programme = _programme(coordinator)
    pair = Pair(uuid4(), programme.programme_id, mentor, mentee, PairStatus.ACTIVE)
    p = _planner(
        Snapshot(programmes={programme.programme_id: programme}, pairs={pair.pair_id: pair})
    )
    p.apply(PairInactive(uuid4(), NOW, pair.pair_id, programme.programme_id, 32, 30))
    assert _who(p) == {
        (mentor, Kind.INACTIVITY_NUDGE),
        (mentee, Kind.INACTIVITY_NUDGE),
        (coordinator, Kind.PAIR_INACTIVE),
    }


def test_pair_ended_cancels_its_reminders() -> None:
    mentor, mentee = _ids(2)
    pair = Pair(uuid4(), uuid4(), mentor, mentee, PairStatus.ACTIVE)
    p = _planner(Snapshot(pairs={pair.pair_id: pair}))
    p.apply(SessionScheduled(uuid4(), NOW, _session(pair, starts=NOW + timedelta(days=3))))
    p.apply(PairEnded(uuid4(), NOW, pair.pair_id, pair.programme_id, mentor, mentee))
    assert p.plan.reminders == {}
    assert p.plan.cancelled_pairs == {pair.pair_id}
    assert p.plan.pairs[pair.pair_id].status is PairStatus.ENDED


def test_an_erased_person_hears_nothing_more() -> None:
    mentor, mentee, pair, prog = _ids(4)
    p = _planner()
    p.apply(PairProposed(uuid4(), NOW, pair, prog, mentor, mentee))
    p.apply(ParticipantErased(uuid4(), NOW, mentee))
    p.apply(PairCreated(uuid4(), NOW, pair, prog, mentor, mentee))
    assert {d.recipient_id for d in p.plan.drafts} == {mentor}
    assert p.plan.erased == {mentee}
    plan = p.plan
    plan.drop_recipients({mentor})
    assert plan.drafts == []


def test_parked_intents_are_not_lost_when_nothing_arrives() -> None:
    p = _planner()
    p.apply(PairInactive(uuid4(), NOW, uuid4(), uuid4(), 40, 30))
    assert sorted(x.awaiting for x in p.plan.parked) == ["pair", "programme"]
    assert all(isinstance(x, Parked) for x in p.plan.parked)
