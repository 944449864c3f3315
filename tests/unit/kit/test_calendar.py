"""The session .ics parses with the icalendar package and follows RFC 5545 update rules."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from icalendar import Calendar

from mentoring.kit.calendar import Attendee, SessionInvite, session_ics


def _parse(data: bytes):
    cal = Calendar.from_ical(data)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return cal, events[0]


def test_invite_parses_with_polish_text() -> None:
    sid = uuid4()
    invite = SessionInvite(
        session_id=sid,
        starts_at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
        duration_minutes=45,
        summary="Spotkanie mentoringowe: Zażółć gęślą jaźń",
        location="Sala 204",
        attendees=(Attendee("anna@example.gov.pl", "Anna Łęcka"),),
    )
    cal, event = _parse(session_ics(invite))
    assert str(cal["method"]) == "REQUEST"
    assert str(event["uid"]) == f"session-{sid}@mentoring"
    assert str(event["summary"]) == "Spotkanie mentoringowe: Zażółć gęślą jaźń"
    assert (event.decoded("dtend") - event.decoded("dtstart")).total_seconds() == 45 * 60


def test_reschedule_keeps_uid_and_raises_sequence_cancel_marks_cancelled() -> None:
    sid = uuid4()
    start = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    first = _parse(session_ics(SessionInvite(sid, start, 30, "S")))[1]
    moved = _parse(session_ics(SessionInvite(sid, start, 30, "S", revision=1)))[1]
    cal, cancelled = _parse(
        session_ics(SessionInvite(sid, start, 30, "S", revision=2, cancelled=True))
    )
    assert first["uid"] == moved["uid"] == cancelled["uid"]
    assert int(moved["sequence"]) == 1
    assert str(cal["method"]) == "CANCEL"
    assert str(cancelled["status"]) == "CANCELLED"
