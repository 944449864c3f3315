"""Participants, programmes and rounds: consent, capacity, withdrawal, settings, states."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from mentoring.kit.errors import Conflict, InvalidInput
from mentoring.matching.domain.participants import (
    MatchingProfile,
    Participant,
    ParticipantEnrolled,
    ParticipantRole,
    ParticipantStatus,
    ParticipantWithdrawn,
)
from mentoring.matching.domain.programmes import (
    CriteriaWeights,
    MatchingMode,
    Programme,
    ProgrammeKind,
    ProgrammeSettings,
)
from mentoring.matching.domain.rounds import Round, RoundStatus

NOW = datetime(2027, 2, 1, tzinfo=UTC)


def participant(
    *,
    consent: bool = True,
    role: ParticipantRole = ParticipantRole.MENTOR,
    capacity: int | None = None,
) -> Participant:
    return Participant.enrol(
        tenant_id=uuid4(),
        programme_id=uuid4(),
        person_id=uuid4(),
        role=role,
        profile=MatchingProfile(
            skills={" Zarządzanie  Projektami ": 4}, languages=frozenset({"PL"})
        ),
        capacity=capacity,
        consented_at=NOW if consent else None,
        consent_version="v1",
        unit_id=None,
        at=NOW,
    )


def test_self_enrolment_with_consent_is_timestamped_and_recorded() -> None:
    p = participant()
    assert p.eligible and p.consented_at == NOW
    assert [type(e) for e in p.events] == [ParticipantEnrolled]
    assert p.profile.skills == {"zarządzanie projektami": 4}  # names normalised
    assert p.profile.languages == frozenset({"pl"})


def test_an_invitation_waits_for_consent() -> None:
    p = participant(consent=False)
    assert p.status is ParticipantStatus.INVITED and not p.eligible and not p.events
    p.consent(NOW, "v2", unit_id=None)
    assert p.eligible and p.consent_version == "v2"
    with pytest.raises(Conflict):
        p.consent(NOW, "v2", unit_id=None)


def test_effective_capacity() -> None:
    p = participant(capacity=2)
    assert p.effective_capacity(5) == 2
    p.override_capacity(4, NOW)
    assert p.effective_capacity(5) == 4  # the coordinator's override wins
    assert p.effective_capacity(3) == 3  # never above the programme's maximum
    p.override_capacity(None, NOW)
    assert p.effective_capacity(5) == 2
    assert participant(capacity=None).effective_capacity(3) == 3


def test_withdrawal_then_re_enrolment() -> None:
    p = participant()
    p.events.clear()
    p.withdraw(NOW)
    assert p.status is ParticipantStatus.WITHDRAWN and not p.eligible
    assert [type(e) for e in p.events] == [ParticipantWithdrawn]
    with pytest.raises(Conflict):
        p.withdraw(NOW)
    with pytest.raises(Conflict):
        p.change_profile(MatchingProfile(), NOW)
    p.re_enrol(
        role=ParticipantRole.BOTH,
        profile=MatchingProfile(),
        capacity=None,
        consented_at=NOW,
        consent_version=None,
        unit_id=None,
        at=NOW,
    )
    assert p.eligible and p.is_mentor and p.is_mentee


@pytest.mark.parametrize(
    "profile",
    [
        MatchingProfile(skills={"excel": 6}),
        MatchingProfile(goals={"excel": 0}),
        MatchingProfile(hours_per_month=500),
        MatchingProfile(skills={f"s{i}": 1 for i in range(31)}),
        MatchingProfile(skills={"  ": 2}),
    ],
)
def test_profiles_are_validated(profile: MatchingProfile) -> None:
    with pytest.raises(InvalidInput):
        profile.validated()


def settings(**changes: object) -> ProgrammeSettings:
    values: dict[str, object] = {
        "name": "Program",
        "kind": ProgrammeKind.ONE_TO_ONE,
        "starts_on": date(2027, 1, 1),
        "ends_on": date(2027, 6, 30),
        **changes,
    }
    return ProgrammeSettings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        {"ends_on": date(2026, 12, 31)},
        {"kind": ProgrammeKind.GROUP, "max_mentees_per_mentor": 1},
        {"weights": CriteriaWeights(skills=-1)},
        {"weights": CriteriaWeights(0, 0, 0, 0, 0)},
        {"name": "   "},
    ],
)
def test_programme_settings_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        Programme.open(tenant_id=uuid4(), settings=settings(**bad), coordinator_id=None, at=NOW)


def test_a_closed_programme_changes_no_more() -> None:
    programme = Programme.open(tenant_id=uuid4(), settings=settings(), coordinator_id=None, at=NOW)
    programme.close(NOW)
    with pytest.raises(Conflict):
        programme.close(NOW)
    with pytest.raises(Conflict):
        programme.change(settings(name="Inny"))


def test_round_states() -> None:
    r = Round.draft(
        tenant_id=uuid4(),
        programme_id=uuid4(),
        mode=MatchingMode.EVERYONE_MATCHED,
        mentees_in_pool=10,
        mentors_in_pool=4,
        proposals=8,
        total_score=30.0,
        at=NOW,
    )
    assert r.unmatched == 2
    r.start_publishing()
    r.start_publishing()  # continuing an interrupted publication
    with pytest.raises(Conflict):
        r.edited(7, 20.0)
    with pytest.raises(Conflict):
        r.discard(NOW)
    r.chunk_written(7, 1)
    r.finish_publishing(28.0, NOW)
    assert (r.status, r.published, r.dropped, len(r.events)) == (RoundStatus.PUBLISHED, 7, 1, 1)
    with pytest.raises(Conflict):
        r.start_publishing()
