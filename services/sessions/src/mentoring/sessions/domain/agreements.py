"""The mentoring agreement of a pair: goals, meeting cadence and confidentiality, signed by both.

Changing the terms raises the revision and clears earlier signatures, so each side signs the
terms they read. Once both have signed the same revision the agreement is final.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from mentoring.kit.errors import Conflict
from mentoring.sessions.domain.pairs import Side

DEFAULT_CONFIDENTIALITY = (
    "Treść naszych rozmów pozostaje między nami. / What we discuss stays between us."
)


@dataclass(frozen=True)
class Terms:
    goals: str
    meetings_per_month: int
    session_minutes: int
    confidentiality: str


@dataclass(frozen=True)
class AgreementSigned:
    signed_at: datetime


@dataclass
class Agreement:
    id: UUID
    tenant_id: UUID
    pair_id: UUID
    programme_id: UUID
    terms: Terms
    revision: int = 1
    mentor_signed_at: datetime | None = None
    mentee_signed_at: datetime | None = None
    signed_at: datetime | None = None
    updated_at: datetime | None = None
    events: list[AgreementSigned] = field(default_factory=list, repr=False)

    @classmethod
    def draft(
        cls, *, tenant_id: UUID, pair_id: UUID, programme_id: UUID, terms: Terms, now: datetime
    ) -> Agreement:
        return cls(
            id=uuid4(),
            tenant_id=tenant_id,
            pair_id=pair_id,
            programme_id=programme_id,
            terms=terms,
            updated_at=now,
        )

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    def amend(self, terms: Terms, now: datetime) -> bool:
        """New terms; False when they equal the current ones (nothing changes)."""
        if self.signed:
            raise Conflict("the agreement is signed by both; it can no longer change")
        if terms == self.terms:
            return False
        self.terms = terms
        self.revision += 1
        self.mentor_signed_at = self.mentee_signed_at = None
        self.updated_at = now
        return True

    def sign(self, side: Side, revision: int, now: datetime) -> None:
        if self.signed:
            raise Conflict("the agreement is already signed by both")
        if revision != self.revision:
            raise Conflict(
                f"the terms changed: sign revision {self.revision}", revision=self.revision
            )
        if side is Side.MENTOR:
            if self.mentor_signed_at is not None:
                raise Conflict("you have already signed this revision")
            self.mentor_signed_at = now
        else:
            if self.mentee_signed_at is not None:
                raise Conflict("you have already signed this revision")
            self.mentee_signed_at = now
        self.updated_at = now
        if self.mentor_signed_at is not None and self.mentee_signed_at is not None:
            self.signed_at = now
            self.events.append(AgreementSigned(now))
