"""Reporting-chain rules: a mentor is never above or below the mentee in the reporting line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from uuid import UUID

from mentoring.kit.errors import InvalidInput


def _above(person: UUID, manager_of: Mapping[UUID, UUID | None]) -> Iterator[UUID]:
    """Everyone above person, nearest first; raises InvalidInput when the line loops."""
    seen = {person}
    boss = manager_of.get(person)
    while boss is not None:
        if boss in seen:
            raise InvalidInput("the reporting line loops", person=str(person), at=str(boss))
        seen.add(boss)
        yield boss
        boss = manager_of.get(boss)


def reporting_chain_pairs(
    manager_of: Mapping[UUID, UUID | None], mentors: Iterable[UUID], mentees: Iterable[UUID]
) -> set[tuple[UUID, UUID]]:
    """Every (mentor, mentee) pair where one is above the other, at any depth.

    manager_of maps a person to their direct manager (None or absent at the top).
    Raises InvalidInput when the reporting line of a mentor or a mentee loops.
    """
    mentor_set = set(mentors)
    mentee_set = set(mentees)
    pairs: set[tuple[UUID, UUID]] = set()
    for mentee in mentee_set:
        pairs.update((boss, mentee) for boss in _above(mentee, manager_of) if boss in mentor_set)
    for mentor in mentor_set:
        pairs.update((mentor, boss) for boss in _above(mentor, manager_of) if boss in mentee_set)
    return pairs


def same_reporting_chain(a: UUID, b: UUID, manager_of: Mapping[UUID, UUID | None]) -> bool:
    """True when a is above b or b above a (or a is b). Raises InvalidInput on a loop."""
    above_a, above_b = tuple(_above(a, manager_of)), tuple(_above(b, manager_of))
    return a == b or a in above_b or b in above_a
