"""Reporting-chain rules."""

from __future__ import annotations

from uuid import UUID

import pytest

from mentoring.kit.errors import InvalidInput
from mentoring.matching.domain.hierarchy import reporting_chain_pairs, same_reporting_chain

# director -> head -> manager -> analyst ; director -> other_head -> other_analyst
DIRECTOR, HEAD, MANAGER, ANALYST, OTHER_HEAD, OTHER_ANALYST = (UUID(int=k) for k in range(1, 7))
MANAGER_OF: dict[UUID, UUID | None] = {
    DIRECTOR: None,
    HEAD: DIRECTOR,
    MANAGER: HEAD,
    ANALYST: MANAGER,
    OTHER_HEAD: DIRECTOR,
    OTHER_ANALYST: OTHER_HEAD,
}


def test_a_mentor_two_levels_above_the_mentees_manager_is_in_the_chain() -> None:
    pairs = reporting_chain_pairs(MANAGER_OF, mentors=[DIRECTOR], mentees=[ANALYST])
    assert pairs == {(DIRECTOR, ANALYST)}
    assert same_reporting_chain(DIRECTOR, ANALYST, MANAGER_OF)


def test_a_mentor_below_the_mentee_is_in_the_chain_too() -> None:
    pairs = reporting_chain_pairs(MANAGER_OF, mentors=[ANALYST], mentees=[HEAD])
    assert pairs == {(ANALYST, HEAD)}
    assert same_reporting_chain(ANALYST, HEAD, MANAGER_OF)


def test_unrelated_branches_are_not_in_the_chain() -> None:
    pairs = reporting_chain_pairs(
        MANAGER_OF, mentors=[OTHER_HEAD, OTHER_ANALYST], mentees=[ANALYST, MANAGER, HEAD]
    )
    assert pairs == set()
    assert not same_reporting_chain(OTHER_HEAD, ANALYST, MANAGER_OF)


def test_every_pair_of_a_mixed_round() -> None:
    everyone = list(MANAGER_OF)
    pairs = reporting_chain_pairs(MANAGER_OF, mentors=everyone, mentees=everyone)
    above = {
        ANALYST: {MANAGER, HEAD, DIRECTOR},
        MANAGER: {HEAD, DIRECTOR},
        HEAD: {DIRECTOR},
        OTHER_ANALYST: {OTHER_HEAD, DIRECTOR},
        OTHER_HEAD: {DIRECTOR},
        DIRECTOR: set(),
    }
    expected = {(boss, p) for p, bosses in above.items() for boss in bosses}
    assert pairs == expected | {(p, boss) for boss, p in expected}


def test_people_missing_from_the_org_data_have_no_chain() -> None:
    stranger = UUID(int=99)
    assert reporting_chain_pairs(MANAGER_OF, mentors=[stranger], mentees=[ANALYST]) == set()
    assert not same_reporting_chain(stranger, ANALYST, MANAGER_OF)


def test_a_loop_in_the_reporting_line_is_refused() -> None:
    looping = {**MANAGER_OF, DIRECTOR: ANALYST}
    with pytest.raises(InvalidInput):
        reporting_chain_pairs(looping, mentors=[OTHER_HEAD], mentees=[HEAD])
    with pytest.raises(InvalidInput):
        same_reporting_chain(HEAD, OTHER_ANALYST, looping)
    with pytest.raises(InvalidInput):
        reporting_chain_pairs({HEAD: HEAD}, mentors=[HEAD], mentees=[])


def test_a_long_line_does_not_hit_the_recursion_limit() -> None:
    people = [UUID(int=1000 + k) for k in range(3000)]
    line: dict[UUID, UUID | None] = {
        p: boss for boss, p in zip([None, *people], people, strict=False)
    }
    pairs = reporting_chain_pairs(line, mentors=[people[0]], mentees=[people[-1], people[10]])
    assert pairs == {(people[0], people[-1]), (people[0], people[10])}
