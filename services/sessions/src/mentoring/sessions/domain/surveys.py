"""When surveys become due: check-ins 30 days after the pair was created and every 60 days
after that; pulse surveys at the start, middle and end of the programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from mentoring.kit.errors import Conflict
from mentoring.sessions.domain.instruments import Instrument

CHECKIN_FIRST = timedelta(days=30)
CHECKIN_EVERY = timedelta(days=60)


class Wave(StrEnum):
    START = "start"
    MIDDLE = "middle"
    END = "end"


def checkin_due_at(pair_created_at: datetime, number: int) -> datetime:
    """When check-in `number` (1, 2, ...) is due."""
    return pair_created_at + CHECKIN_FIRST + (number - 1) * CHECKIN_EVERY


def checkin_wave(number: int) -> str:
    return f"checkin-{number}"


def latest_due_checkin(pair_created_at: datetime, now: datetime) -> int | None:
    """The newest check-in due by `now` (a worker that was down does not send the missed ones)."""
    if now < checkin_due_at(pair_created_at, 1):
        return None
    return 1 + int((now - checkin_due_at(pair_created_at, 1)) / CHECKIN_EVERY)


def pulse_schedule(starts_on: date, ends_on: date, joined_on: date) -> list[tuple[Wave, date]]:
    """The pulse waves a pair takes part in, with their dates.

    A pair created after the programme started takes the start wave (its baseline) when it is
    created, and only the later waves whose dates are still ahead.
    """
    middle = starts_on + (ends_on - starts_on) // 2
    waves = [(Wave.START, max(starts_on, joined_on))]
    if joined_on < middle:
        waves.append((Wave.MIDDLE, middle))
    if joined_on < ends_on:
        waves.append((Wave.END, ends_on))
    return waves


def wave_after(schedule: list[tuple[Wave, date]], wave: Wave) -> tuple[Wave, date] | None:
    names = [w for w, _d in schedule]
    if wave not in names:
        return schedule[0] if schedule else None
    index = names.index(wave) + 1
    return schedule[index] if index < len(schedule) else None


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


@dataclass
class Survey:
    id: UUID
    tenant_id: UUID
    pair_id: UUID
    programme_id: UUID
    participant_id: UUID
    instrument: Instrument
    wave: str
    due_at: datetime
    submitted_at: datetime | None = None
    responses: tuple[int, ...] | None = None
    score: float | None = None

    def submit(self, answers: list[int], now: datetime) -> float:
        if self.submitted_at is not None:
            raise Conflict("this survey was already answered")
        self.score = self.instrument.score(answers)
        self.responses = tuple(answers)
        self.submitted_at = now
        return self.score
