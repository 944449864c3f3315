"""What notifications reasons about: the facts it hears, the read models it keeps, what it sends.

Facts are the domain's view of the platform's events (the adapters translate the wire events);
a Draft is one notification to one person, a ReminderDraft one that waits for its time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any
from uuid import UUID


class Kind(StrEnum):
    PAIR_PROPOSED = "pair_proposed"
    PAIR_CREATED = "pair_created"
    PAIR_CREATED_COORDINATOR = "pair_created_coordinator"
    SESSION_SCHEDULED = "session_scheduled"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_REMINDER = "session_reminder"
    SURVEY_DUE = "survey_due"
    INACTIVITY_NUDGE = "inactivity_nudge"
    PAIR_INACTIVE = "pair_inactive"
    ROUND_COMPLETED = "round_completed"


# Time-bound messages skip the daily digest (they still wait for quiet hours to end).
URGENT_KINDS = frozenset(
    {Kind.SESSION_SCHEDULED, Kind.SESSION_CANCELLED, Kind.SESSION_REMINDER, Kind.SURVEY_DUE}
)
# E-mails of these kinds carry the session's .ics (REQUEST, or CANCEL when cancelled).
INVITE_KINDS = frozenset({Kind.SESSION_SCHEDULED, Kind.SESSION_CANCELLED})


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    WEBHOOK = "webhook"


# -- read models ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    programme_id: UUID
    name: str
    coordinator_id: UUID | None
    inactivity_days: int


class PairStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    ENDED = "ended"


@dataclass(frozen=True)
class Pair:
    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    status: PairStatus

    def members(self) -> tuple[UUID, UUID]:
        return self.mentor_id, self.mentee_id

    def partner_of(self, person: UUID) -> UUID:
        return self.mentee_id if person == self.mentor_id else self.mentor_id

    def role_of(self, person: UUID) -> str:
        return "mentor" if person == self.mentor_id else "mentee"


@dataclass(frozen=True)
class Session:
    session_id: UUID
    pair_id: UUID
    programme_id: UUID
    starts_at: datetime
    duration_minutes: int
    mode: str
    location: str | None
    revision: int
    scheduled_by: UUID | None
    cancelled: bool = False

    def params(self) -> dict[str, Any]:
        return {
            "session_id": str(self.session_id),
            "starts_at": self.starts_at.isoformat(),
            "duration_minutes": self.duration_minutes,
            "mode": self.mode,
            "location": self.location,
            "revision": self.revision,
            "scheduled_by": str(self.scheduled_by) if self.scheduled_by else None,
        }


@dataclass(frozen=True)
class Preferences:
    """A person's choices. In-app is always on; e-mail can be switched off."""

    email: bool = True
    quiet_start: time | None = None
    quiet_end: time | None = None
    timezone: str = "Europe/Warsaw"
    digest: bool = False
    digest_time: time = time(17, 0)


DEFAULT_PREFERENCES = Preferences()


# -- facts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    event_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class ProgrammeOpened(Fact):
    programme_id: UUID
    name: str
    coordinator_id: UUID | None
    inactivity_days: int


@dataclass(frozen=True)
class PairProposed(Fact):
    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID


@dataclass(frozen=True)
class PairCreated(Fact):
    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID


@dataclass(frozen=True)
class PairEnded(Fact):
    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID


@dataclass(frozen=True)
class RoundCompleted(Fact):
    round_id: UUID
    programme_id: UUID
    proposals: int
    mentees_in_pool: int
    mentees_unmatched: int


@dataclass(frozen=True)
class ParticipantErased(Fact):
    person_id: UUID


@dataclass(frozen=True)
class SessionScheduled(Fact):
    session: Session


@dataclass(frozen=True)
class SessionCancelled(Fact):
    session_id: UUID
    pair_id: UUID
    programme_id: UUID
    revision: int


@dataclass(frozen=True)
class SurveyDue(Fact):
    survey_id: UUID
    pair_id: UUID
    programme_id: UUID
    participant_id: UUID
    instrument: str
    wave: str
    due_at: datetime


@dataclass(frozen=True)
class PairInactive(Fact):
    pair_id: UUID
    programme_id: UUID
    inactive_days: int
    threshold_days: int


# -- what to send --------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    person_id: UUID


@dataclass(frozen=True)
class CoordinatorOf:
    programme_id: UUID


@dataclass(frozen=True)
class MembersOf:
    """Both members of a pair, or the one who is not `except_person`."""

    pair_id: UUID
    except_person: UUID | None = None


Recipient = Person | CoordinatorOf | MembersOf


@dataclass(frozen=True)
class Intent:
    """A rule's outcome before its recipients are known: who, what, and when (None: now).

    `reminder_group` names the reminders an intent schedules, so that a later fact can move or
    cancel them (e.g. `session:<id>`).
    """

    kind: Kind
    recipient: Recipient
    params: dict[str, Any]
    cause_event_id: UUID
    due_at: datetime | None = None
    reminder_group: str | None = None


@dataclass(slots=True)
class Draft:
    """One notification to one person, to be recorded now."""

    recipient_id: UUID
    kind: Kind
    params: dict[str, Any]
    cause_event_id: UUID | None
    dedupe_key: str


@dataclass(slots=True)
class ReminderDraft:
    group_key: str
    recipient_id: UUID
    pair_id: UUID | None
    kind: Kind
    params: dict[str, Any]
    due_at: datetime
    cause_event_id: UUID


@dataclass(frozen=True)
class Parked:
    """An intent waiting for a read model it needs (a pair or a programme not yet heard of)."""

    awaiting: str
    awaiting_id: UUID
    intent: Intent


@dataclass(frozen=True)
class StoredParked:
    parked_id: UUID
    parked: Parked


@dataclass
class Snapshot:
    """The read models a batch of facts needs, loaded before planning."""

    programmes: dict[UUID, Programme] = field(default_factory=dict)
    pairs: dict[UUID, Pair] = field(default_factory=dict)
    sessions: dict[UUID, Session] = field(default_factory=dict)
    parked: list[StoredParked] = field(default_factory=list)
