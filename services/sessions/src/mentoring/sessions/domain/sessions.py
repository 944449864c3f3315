"""A mentoring session: scheduled, rescheduled (same session, revision + 1), cancelled or logged.

scheduled --reschedule--> scheduled (revision + 1)
scheduled --cancel------> cancelled (final, revision + 1 so calendars accept the cancellation)
scheduled --log---------> logged    (final: the session was held)
(nothing) --log_past----> logged    (a session recorded after the fact)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from mentoring.kit.errors import Conflict, InvalidInput

MAX_DURATION_MINUTES = 8 * 60
MAX_TOPICS = 20
CLOCK_SKEW = timedelta(minutes=5)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    LOGGED = "logged"


class Mode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    PHONE = "phone"


@dataclass(frozen=True)
class Scheduled:
    """First scheduled (revision 0) or rescheduled (revision > 0)."""

    at: datetime


@dataclass(frozen=True)
class Cancelled:
    at: datetime


@dataclass(frozen=True)
class Logged:
    at: datetime


SessionEvent = Scheduled | Cancelled | Logged


@dataclass
class Session:
    id: UUID
    tenant_id: UUID
    pair_id: UUID
    programme_id: UUID | None
    status: SessionStatus
    mode: Mode
    starts_at: datetime
    duration_minutes: int
    location: str | None = None
    revision: int = 0
    held_at: datetime | None = None
    topics: tuple[str, ...] = ()
    scheduled_by: UUID | None = None
    logged_by: UUID | None = None
    updated_at: datetime | None = None
    events: list[SessionEvent] = field(default_factory=list, repr=False)

    @classmethod
    def schedule(
        cls,
        *,
        tenant_id: UUID,
        pair_id: UUID,
        programme_id: UUID,
        by: UUID,
        starts_at: datetime,
        duration_minutes: int,
        mode: Mode,
        location: str | None,
        now: datetime,
    ) -> Session:
        _check_future(starts_at, now)
        session = cls(
            id=uuid4(),
            tenant_id=tenant_id,
            pair_id=pair_id,
            programme_id=programme_id,
            status=SessionStatus.SCHEDULED,
            mode=mode,
            starts_at=starts_at,
            duration_minutes=_duration(duration_minutes),
            location=_location(location),
            scheduled_by=by,
            updated_at=now,
        )
        session.events.append(Scheduled(now))
        return session

    @classmethod
    def log_past(
        cls,
        *,
        tenant_id: UUID,
        pair_id: UUID,
        by: UUID,
        held_at: datetime,
        duration_minutes: int,
        mode: Mode,
        topics: Iterable[str],
        now: datetime,
    ) -> Session:
        """A session recorded after it was held. The pair's programme is filled in on insert."""
        _check_past(held_at, now)
        session = cls(
            id=uuid4(),
            tenant_id=tenant_id,
            pair_id=pair_id,
            programme_id=None,
            status=SessionStatus.LOGGED,
            mode=mode,
            starts_at=held_at,
            duration_minutes=_duration(duration_minutes),
            held_at=held_at,
            topics=normalise_topics(topics),
            logged_by=by,
            updated_at=now,
        )
        session.events.append(Logged(now))
        return session

    def reschedule(
        self,
        *,
        starts_at: datetime,
        duration_minutes: int | None,
        mode: Mode | None,
        location: str | None,
        now: datetime,
    ) -> None:
        self._require(SessionStatus.SCHEDULED, "reschedule")
        _check_future(starts_at, now)
        self.starts_at = starts_at
        if duration_minutes is not None:
            self.duration_minutes = _duration(duration_minutes)
        if mode is not None:
            self.mode = mode
        if location is not None:
            self.location = _location(location)
        self.revision += 1
        self.updated_at = now
        self.events.append(Scheduled(now))

    def cancel(self, *, now: datetime) -> None:
        self._require(SessionStatus.SCHEDULED, "cancel")
        self.status = SessionStatus.CANCELLED
        self.revision += 1
        self.updated_at = now
        self.events.append(Cancelled(now))

    def log(
        self,
        *,
        by: UUID,
        held_at: datetime | None,
        duration_minutes: int | None,
        topics: Iterable[str],
        now: datetime,
    ) -> None:
        """The scheduled session was held."""
        self._require(SessionStatus.SCHEDULED, "log")
        if held_at is None:
            if self.starts_at > now + CLOCK_SKEW:
                raise Conflict("the session has not started yet; it can be logged once held")
            held_at = self.starts_at
        _check_past(held_at, now)
        self.status = SessionStatus.LOGGED
        self.held_at = held_at
        if duration_minutes is not None:
            self.duration_minutes = _duration(duration_minutes)
        self.topics = normalise_topics(topics)
        self.logged_by = by
        self.updated_at = now
        self.events.append(Logged(now))

    @property
    def final(self) -> bool:
        return self.status in (SessionStatus.CANCELLED, SessionStatus.LOGGED)

    def _require(self, status: SessionStatus, action: str) -> None:
        if self.status is not status:
            raise Conflict(
                f"a {self.status.value} session cannot {action}", session_status=self.status.value
            )


def normalise_topics(topics: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(t.strip().lower() for t in topics))
    if len(out) > MAX_TOPICS:
        raise InvalidInput(f"at most {MAX_TOPICS} topics per session")
    return out


def unknown_topics(requested: Iterable[str], known: Iterable[str]) -> list[str]:
    known_set = set(known)
    return [t for t in requested if t not in known_set]


def _duration(minutes: int) -> int:
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise InvalidInput(f"duration_minutes must be between 1 and {MAX_DURATION_MINUTES}")
    return minutes


def _location(location: str | None) -> str | None:
    if location is None:
        return None
    location = location.strip()
    return location or None


def _aware(ts: datetime, name: str) -> None:
    if ts.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone")


def _check_future(starts_at: datetime, now: datetime) -> None:
    _aware(starts_at, "starts_at")
    if starts_at <= now:
        raise InvalidInput("a session is scheduled for a time in the future")


def _check_past(held_at: datetime, now: datetime) -> None:
    _aware(held_at, "held_at")
    if held_at > now + CLOCK_SKEW:
        raise InvalidInput("held_at is in the future; schedule the session instead")
