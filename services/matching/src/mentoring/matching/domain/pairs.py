"""A pair and its lifecycle: proposed, active (both accepted), declined or expired, ended.

    proposed --both accept--> active --end(reason)--> ended
    proposed --either declines--> declined        proposed --request not answered--> expired

Anything else is an illegal transition (Conflict, HTTP 409). Flags (reporting line, re-match
offered, inactive) mark a pair for attention without changing its status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from mentoring.kit.errors import Conflict


class PairStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    EXPIRED = "expired"
    ENDED = "ended"


OPEN_STATUSES = (PairStatus.PROPOSED, PairStatus.ACTIVE)


class Side(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class Origin(StrEnum):
    ROUND = "round"
    REQUEST = "request"  # a mentee asked a mentor (self-service)


class EndReason(StrEnum):
    COMPLETED = "completed"
    REMATCH = "rematch"
    WITHDRAWN = "withdrawn"
    INACTIVE = "inactive"


class Flag(StrEnum):
    REPORTING_LINE = "reporting_line"
    REMATCH_OFFERED = "rematch_offered"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class PairProposed:
    pair: Pair


@dataclass(frozen=True)
class PairCreated:
    pair: Pair


@dataclass(frozen=True)
class PairDeclined:
    pair: Pair
    by: Side | None  # None: a request nobody answered in time


@dataclass(frozen=True)
class PairEnded:
    pair: Pair
    reason: EndReason


@dataclass(frozen=True)
class PairFlagged:
    pair: Pair
    flag: Flag
    at: datetime


PairEvent = PairProposed | PairCreated | PairDeclined | PairEnded | PairFlagged


@dataclass
class Pair:
    id: UUID
    tenant_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    origin: Origin
    status: PairStatus
    proposed_at: datetime
    score: float = 0.0
    explanation: tuple[tuple[str, float], ...] = ()
    round_id: UUID | None = None
    mentor_unit_id: UUID | None = None
    mentee_unit_id: UUID | None = None
    expires_at: datetime | None = None
    mentor_accepted_at: datetime | None = None
    mentee_accepted_at: datetime | None = None
    activated_at: datetime | None = None
    closed_at: datetime | None = None
    declined_by: Side | None = None
    end_reason: EndReason | None = None
    flags: dict[Flag, datetime] = field(default_factory=dict)
    events: list[PairEvent] = field(default_factory=list, repr=False)

    @classmethod
    def propose(
        cls,
        *,
        tenant_id: UUID,
        programme_id: UUID,
        round_id: UUID,
        mentor_id: UUID,
        mentee_id: UUID,
        score: float,
        explanation: tuple[tuple[str, float], ...],
        mentor_unit_id: UUID | None,
        mentee_unit_id: UUID | None,
        at: datetime,
    ) -> Pair:
        """A round's proposal: both sides still have to accept."""
        pair = cls(
            id=uuid4(),
            tenant_id=tenant_id,
            programme_id=programme_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            origin=Origin.ROUND,
            status=PairStatus.PROPOSED,
            proposed_at=at,
            score=score,
            explanation=explanation,
            round_id=round_id,
            mentor_unit_id=mentor_unit_id,
            mentee_unit_id=mentee_unit_id,
        )
        pair.events.append(PairProposed(pair))
        return pair

    @classmethod
    def request(
        cls,
        *,
        tenant_id: UUID,
        programme_id: UUID,
        mentor_id: UUID,
        mentee_id: UUID,
        score: float,
        explanation: tuple[tuple[str, float], ...],
        mentor_unit_id: UUID | None,
        mentee_unit_id: UUID | None,
        answer_within: timedelta,
        at: datetime,
    ) -> Pair:
        """A mentee asks a mentor: the mentee has accepted; the mentor answers in time or not."""
        pair = cls(
            id=uuid4(),
            tenant_id=tenant_id,
            programme_id=programme_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            origin=Origin.REQUEST,
            status=PairStatus.PROPOSED,
            proposed_at=at,
            score=score,
            explanation=explanation,
            mentor_unit_id=mentor_unit_id,
            mentee_unit_id=mentee_unit_id,
            expires_at=at + answer_within,
            mentee_accepted_at=at,
        )
        pair.events.append(PairProposed(pair))
        return pair

    def side_of(self, person_id: UUID) -> Side | None:
        if person_id == self.mentor_id:
            return Side.MENTOR
        if person_id == self.mentee_id:
            return Side.MENTEE
        return None

    def accepted_by(self, side: Side) -> bool:
        at = self.mentor_accepted_at if side is Side.MENTOR else self.mentee_accepted_at
        return at is not None

    def accept(self, side: Side, at: datetime) -> None:
        self._require(PairStatus.PROPOSED, "accept")
        if self.accepted_by(side):
            raise Conflict(f"the {side} has already accepted this pair")
        if side is Side.MENTOR:
            self.mentor_accepted_at = at
        else:
            self.mentee_accepted_at = at
        if self.accepted_by(Side.MENTOR) and self.accepted_by(Side.MENTEE):
            self.status, self.activated_at = PairStatus.ACTIVE, at
            self.events.append(PairCreated(self))

    def decline(self, side: Side, at: datetime) -> None:
        self._require(PairStatus.PROPOSED, "decline")
        self.status, self.declined_by, self.closed_at = PairStatus.DECLINED, side, at
        self.events.append(PairDeclined(self, side))

    def expire(self, at: datetime) -> None:
        self._require(PairStatus.PROPOSED, "expire")
        if self.expires_at is None or self.expires_at > at:
            raise Conflict("this proposal has not expired")
        self.status, self.closed_at = PairStatus.EXPIRED, at
        self.events.append(PairDeclined(self, None))

    def end(self, reason: EndReason, at: datetime) -> None:
        self._require(PairStatus.ACTIVE, "end")
        self.status, self.end_reason, self.closed_at = PairStatus.ENDED, reason, at
        self.events.append(PairEnded(self, reason))

    def withdraw(self, side: Side, at: datetime) -> None:
        """One member left the programme: a proposal is declined, an active pair ends."""
        if self.status is PairStatus.PROPOSED:
            self.decline(side, at)
        elif self.status is PairStatus.ACTIVE:
            self.end(EndReason.WITHDRAWN, at)

    def flag(self, flag: Flag, at: datetime) -> bool:
        """Mark the pair; False (and nothing recorded) when closed or already so flagged."""
        if self.status not in OPEN_STATUSES or flag in self.flags:
            return False
        if flag is not Flag.REPORTING_LINE and self.status is not PairStatus.ACTIVE:
            return False
        self.flags[flag] = at
        self.events.append(PairFlagged(self, flag, at))
        return True

    def accept_rematch(self, at: datetime) -> None:
        """The mentee takes the offered re-match: the pair ends and the mentee is free again."""
        self._require(PairStatus.ACTIVE, "re-match")
        if Flag.REMATCH_OFFERED not in self.flags:
            raise Conflict("no re-match was offered for this pair")
        self.end(EndReason.REMATCH, at)

    def _require(self, status: PairStatus, action: str) -> None:
        if self.status is not status:
            raise Conflict(f"cannot {action} a pair that is {self.status}")
