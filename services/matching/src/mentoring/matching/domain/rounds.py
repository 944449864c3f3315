"""A matching round: a draft of proposals a coordinator reviews, then publishes.

    draft --publish--> publishing --(every chunk written)--> published
    draft --discard--> discarded

Publishing writes the proposals in chunks, one transaction each; a publish that stopped half-way
is continued by publishing again. Only a draft can be edited (swap, remove).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from mentoring.kit.errors import Conflict
from mentoring.matching.domain.programmes import MatchingMode


class RoundStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    DISCARDED = "discarded"


class ProposalStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    DROPPED = "dropped"  # no longer valid at publication (withdrawn, rule changed, capacity)


@dataclass(frozen=True)
class DraftProposal:
    mentee_id: UUID
    mentor_id: UUID
    score: float
    explanation: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class RoundCompleted:
    round: Round


@dataclass
class Round:
    id: UUID
    tenant_id: UUID
    programme_id: UUID
    mode: MatchingMode
    status: RoundStatus
    created_at: datetime
    mentees_in_pool: int
    mentors_in_pool: int
    proposals: int
    total_score: float
    published: int = 0
    dropped: int = 0
    published_at: datetime | None = None
    discarded_at: datetime | None = None
    events: list[RoundCompleted] = field(default_factory=list, repr=False)

    @classmethod
    def draft(
        cls,
        *,
        tenant_id: UUID,
        programme_id: UUID,
        mode: MatchingMode,
        mentees_in_pool: int,
        mentors_in_pool: int,
        proposals: int,
        total_score: float,
        at: datetime,
    ) -> Round:
        return cls(
            id=uuid4(),
            tenant_id=tenant_id,
            programme_id=programme_id,
            mode=mode,
            status=RoundStatus.DRAFT,
            created_at=at,
            mentees_in_pool=mentees_in_pool,
            mentors_in_pool=mentors_in_pool,
            proposals=proposals,
            total_score=total_score,
        )

    @property
    def unmatched(self) -> int:
        return self.mentees_in_pool - self.proposals

    def require_draft(self) -> None:
        if self.status is not RoundStatus.DRAFT:
            raise Conflict(f"the round is {self.status}; only a draft can be changed")

    def edited(self, proposals: int, total_score: float) -> None:
        self.require_draft()
        self.proposals, self.total_score = proposals, total_score

    def start_publishing(self) -> None:
        """Idempotent for a publication that stopped half-way."""
        if self.status is RoundStatus.PUBLISHING:
            return
        self.require_draft()
        self.status = RoundStatus.PUBLISHING

    def chunk_written(self, published: int, dropped: int) -> None:
        if self.status is not RoundStatus.PUBLISHING:
            raise Conflict(f"the round is {self.status}")
        self.published += published
        self.dropped += dropped

    def finish_publishing(self, total_score: float, at: datetime) -> None:
        if self.status is not RoundStatus.PUBLISHING:
            raise Conflict(f"the round is {self.status}")
        self.status, self.published_at, self.total_score = RoundStatus.PUBLISHED, at, total_score
        self.events.append(RoundCompleted(self))

    def discard(self, at: datetime) -> None:
        self.require_draft()
        self.status, self.discarded_at = RoundStatus.DISCARDED, at
