"""The engine's inputs and outputs: profiles, weights, hard rules, proposals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID


class Mode(StrEnum):
    BEST_QUALITY = "best_quality"
    EVERYONE_MATCHED = "everyone_matched"


@dataclass(frozen=True)
class Profile:
    """One mentee or one mentor as the engine sees them.

    skills: for a mentor the level offered per skill, for a mentee the level wanted per
    development goal, both 1..5. capacity (mentors only) is the number of mentees this mentor
    may take in this round, already the minimum of their own limit, the programme's maximum
    and any coordinator override.
    """

    id: UUID
    unit_id: UUID | None = None
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: frozenset[str] = frozenset()
    location: str | None = None
    remote: bool = True
    hours_per_month: int = 2
    seniority: int = 0
    capacity: int = 1


@dataclass(frozen=True)
class Weights:
    """Non-negative weight of each criterion; configurable per programme."""

    skills: float = 5.0
    seniority: float = 1.0
    languages: float = 2.0
    location: float = 1.0
    availability: float = 1.0


@dataclass(frozen=True)
class Rules:
    """Hard rules of a round.

    forbidden holds (mentor_id, mentee_id) pairs that must never be proposed: never-pair
    lists, declined pairs, reporting chains, per-tenant rules, all computed by the caller.
    min_score applies in BEST_QUALITY only: pairs scoring <= min_score are never proposed.
    EVERYONE_MATCHED first maximises the number of matched mentees, then the total score,
    and may propose any allowed pair whatever its score.
    """

    mode: Mode = Mode.BEST_QUALITY
    forbid_same_unit: bool = False
    forbidden: frozenset[tuple[UUID, UUID]] = frozenset()
    min_score: float = 0.0


@dataclass(frozen=True)
class Proposal:
    """A proposed pair; explanation lists the top 3 non-zero criteria, largest first.

    breakdown holds every criterion's contribution in a fixed order; it sums to score.
    """

    mentee_id: UUID
    mentor_id: UUID
    score: float
    explanation: tuple[tuple[str, float], ...]
    breakdown: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class MatchResult:
    proposals: tuple[Proposal, ...]
    total_score: float
    unmatched_mentees: tuple[UUID, ...]
