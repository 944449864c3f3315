"""Hard rules of matching that the caller of the engine computes (DESIGN.md §7).

Never propose: a person to themselves; a mentor in the mentee's reporting chain (above or below,
any depth); a pair on a never-pair list (tenant-wide or for the programme); a pair that was
declined, expired or ended by a re-match in this programme; and, when the programme says so,
two people of the same unit. Capacity and consent are applied when the pool is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from mentoring.matching.domain.hierarchy import reporting_chain_pairs, same_reporting_chain

PairKey = tuple[UUID, UUID]  # (mentor_id, mentee_id)


class Violation(StrEnum):
    SAME_PERSON = "same_person"
    REPORTING_LINE = "reporting_line"
    NEVER_PAIR = "never_pair"
    DECLINED_BEFORE = "declined_before"
    SAME_UNIT = "same_unit"


@dataclass(frozen=True)
class RuleContext:
    """Everything the hard rules need about one programme, loaded once per round or request.

    never_pairs holds unordered pairs as frozensets; history holds (mentor, mentee) pairs that
    were declined, expired or ended by a re-match.
    """

    manager_of: Mapping[UUID, UUID | None]
    never_pairs: frozenset[frozenset[UUID]]
    history: frozenset[PairKey]
    forbid_same_unit: bool


def forbidden_pairs(
    context: RuleContext, mentors: Iterable[UUID], mentees: Iterable[UUID]
) -> frozenset[PairKey]:
    """The engine's `Rules.forbidden` for a pool (same person and same unit the engine does)."""
    mentor_set, mentee_set = set(mentors), set(mentees)
    out = set(reporting_chain_pairs(context.manager_of, mentor_set, mentee_set))
    for a, b in (tuple(p) for p in context.never_pairs if len(p) == 2):
        if a in mentor_set and b in mentee_set:
            out.add((a, b))
        if b in mentor_set and a in mentee_set:
            out.add((b, a))
    out.update((m, e) for m, e in context.history if m in mentor_set and e in mentee_set)
    return frozenset(out)


def violation(
    context: RuleContext,
    *,
    mentor_id: UUID,
    mentee_id: UUID,
    mentor_unit: UUID | None,
    mentee_unit: UUID | None,
) -> Violation | None:
    """The first hard rule one (mentor, mentee) pair breaks, or None."""
    if mentor_id == mentee_id:
        return Violation.SAME_PERSON
    if same_reporting_chain(mentor_id, mentee_id, context.manager_of):
        return Violation.REPORTING_LINE
    if frozenset((mentor_id, mentee_id)) in context.never_pairs:
        return Violation.NEVER_PAIR
    if (mentor_id, mentee_id) in context.history:
        return Violation.DECLINED_BEFORE
    if context.forbid_same_unit and mentor_unit is not None and mentor_unit == mentee_unit:
        return Violation.SAME_UNIT
    return None
