"""iCalendar (RFC 5545) files for mentoring sessions: one builder shared by the sessions service
(download) and the notifications service (e-mail attachment), so both send the same UID/SEQUENCE.

A reschedule keeps the UID and raises SEQUENCE; a cancellation is METHOD:CANCEL, STATUS:CANCELLED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Mentoring platform//sessions//PL"


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class SessionInvite:
    session_id: UUID
    starts_at: datetime
    duration_minutes: int
    summary: str
    location: str | None = None
    description: str | None = None
    revision: int = 0
    cancelled: bool = False
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()
    stamp: datetime | None = None


def session_uid(session_id: UUID) -> str:
    return f"session-{session_id}@mentoring"


def session_ics(invite: SessionInvite) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if invite.cancelled else "REQUEST")
    event = Event()
    event.add("uid", session_uid(invite.session_id))
    event.add("sequence", invite.revision)
    event.add("dtstamp", (invite.stamp or datetime.now(UTC)).astimezone(UTC))
    start = invite.starts_at.astimezone(UTC)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=invite.duration_minutes))
    event.add("summary", invite.summary)
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    if invite.location:
        event.add("location", invite.location)
    if invite.description:
        event.add("description", invite.description)
    if invite.organizer:
        organizer = vCalAddress(f"mailto:{invite.organizer.email}")
        if invite.organizer.name:
            organizer.params["cn"] = vText(invite.organizer.name)
        event["organizer"] = organizer
    for person in invite.attendees:
        attendee = vCalAddress(f"mailto:{person.email}")
        if person.name:
            attendee.params["cn"] = vText(person.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    cal.add_component(event)
    return bytes(cal.to_ical())
