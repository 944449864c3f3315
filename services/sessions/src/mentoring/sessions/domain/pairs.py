"""The pair as sessions sees it: a local read model of matching's pairs, and who may act on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from mentoring.kit.errors import Conflict, NotFound


class PairStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class Side(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


@dataclass(frozen=True)
class Caller:
    """Who is asking: pair members sign in with their participant id; coordinators see
    metadata of every pair of their ministry."""

    participant_id: UUID | None
    member_role: bool
    coordinator: bool


@dataclass
class Pair:
    id: UUID
    tenant_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    status: PairStatus
    created_at: datetime
    ended_at: datetime | None = None

    def side_of(self, participant_id: UUID | None) -> Side | None:
        if participant_id == self.mentor_id:
            return Side.MENTOR
        if participant_id == self.mentee_id:
            return Side.MENTEE
        return None

    def is_member(self, caller: Caller) -> bool:
        return caller.member_role and self.side_of(caller.participant_id) is not None

    def can_see(self, caller: Caller) -> bool:
        """Members see everything of their pair; coordinators of the tenant see its metadata."""
        return caller.coordinator or self.is_member(caller)

    def ensure_visible(self, caller: Caller) -> None:
        if not self.can_see(caller):
            raise NotFound("no such pair")

    def ensure_member(self, caller: Caller) -> UUID:
        """The caller's participant id when they belong to the pair; 404 for anyone else."""
        if not self.is_member(caller) or caller.participant_id is None:
            raise NotFound("no such pair")
        return caller.participant_id

    def ensure_active(self) -> None:
        if self.status is not PairStatus.ACTIVE:
            raise Conflict("the pair has ended; its records are read-only")

    def member_ids(self) -> tuple[UUID, UUID]:
        return (self.mentor_id, self.mentee_id)
