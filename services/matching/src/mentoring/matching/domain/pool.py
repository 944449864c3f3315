"""From participants to the engine's inputs: who is in a round's pool and with what profile.

Mentees: enrolled with consent, and not in a proposed or active pair of the programme.
Mentors: enrolled with consent, with room left: the effective capacity (override, else own
limit, capped by the programme's maximum) minus mentees in proposed or active pairs.
In a reverse programme the seniority criterion is turned around: it rewards the mentee's lead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from uuid import UUID

from mentoring.matching.domain.engine import Mode, Profile, Proposal, Rules, Weights, match
from mentoring.matching.domain.participants import MAX_SENIORITY, Participant
from mentoring.matching.domain.programmes import CriteriaWeights, Programme, ProgrammeKind


@dataclass(frozen=True)
class Pool:
    mentees: list[Profile]
    mentors: list[Profile]


def _seniority(participant: Participant, kind: ProgrammeKind) -> int:
    years = participant.profile.seniority
    return MAX_SENIORITY - years if kind is ProgrammeKind.REVERSE else years


def profile_of(
    participant: Participant,
    unit_id: UUID | None,
    *,
    as_mentor: bool,
    kind: ProgrammeKind,
    capacity: int = 1,
) -> Profile:
    p = participant.profile
    return Profile(
        id=participant.person_id,
        unit_id=unit_id,
        skills=dict(p.skills if as_mentor else p.goals),
        languages=p.languages,
        location=p.location,
        remote=p.remote,
        hours_per_month=p.hours_per_month,
        seniority=_seniority(participant, kind),
        capacity=capacity,
    )


def build_pool(
    programme: Programme,
    eligible: Iterable[tuple[Participant, UUID | None]],
    mentees_in_open_pairs: set[UUID],
    mentor_load: Mapping[UUID, int],
) -> Pool:
    kind, cap = programme.settings.kind, programme.settings.max_mentees_per_mentor
    mentees: list[Profile] = []
    mentors: list[Profile] = []
    for participant, unit_id in eligible:
        if not participant.eligible:
            continue
        if participant.is_mentee and participant.person_id not in mentees_in_open_pairs:
            mentees.append(profile_of(participant, unit_id, as_mentor=False, kind=kind))
        if participant.is_mentor:
            room = participant.effective_capacity(cap) - mentor_load.get(participant.person_id, 0)
            if room > 0:
                mentors.append(
                    profile_of(participant, unit_id, as_mentor=True, kind=kind, capacity=room)
                )
    return Pool(mentees, mentors)


def engine_weights(weights: CriteriaWeights) -> Weights:
    return Weights(**weights.as_dict())


def score_one(mentee: Profile, mentor: Profile, weights: CriteriaWeights) -> Proposal | None:
    """The score and explanation of one given pair (a coordinator's swap, a mentee's request);
    hard rules are the caller's."""
    result = match(
        [mentee],
        [replace(mentor, capacity=1)],
        engine_weights(weights),
        Rules(mode=Mode.EVERYONE_MATCHED),
    )
    return result.proposals[0] if result.proposals else None
