"""Pacing for bulk work (DESIGN.md §6, fair sharing): a long import or publication that runs flat
out takes the database, and the CPU it shares, from every other tenant for as long as it runs.
A `Pacer` lets bulk work use at most a fraction (`duty`) of the wall time: after each stretch of
work it sleeps in proportion, so ordinary requests of other tenants find the database between
the stretches. The bulk call takes longer (1 / duty times, at most); nothing else changes -
a transaction stays one transaction.

Bulk code calls `await pace(session)` between chunks; it is a no-op unless the unit of work was
opened with a pacer (the API's bulk lane, `MENTORING_BULK_DUTY` below 1).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from mentoring.kit import metrics

PACER_KEY = "mentoring.pacer"


class Pacer:
    """Work at most `duty` of the time: after `quantum` seconds or more of work, sleep
    `worked * (1 - duty) / duty`."""

    def __init__(
        self,
        duty: float,
        *,
        service: str = "service",
        quantum: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if not 0 < duty <= 1:
            raise ValueError("duty must be in (0, 1]")
        self.duty = duty
        self.service = service
        self.quantum = quantum
        self.slept = 0.0
        self._clock = clock
        self._sleep = sleep
        self._since = clock()

    async def step(self) -> None:
        if self.duty >= 1:
            return
        worked = self._clock() - self._since
        if worked < self.quantum:
            return
        pause = worked * (1 - self.duty) / self.duty
        await self._sleep(pause)
        self.slept += pause
        metrics.BULK_PAUSED.labels(self.service).inc(pause)
        self._since = self._clock()


async def pace(session: Any) -> None:
    """A step of the pacer the session's unit of work carries, if any (`Session.info`)."""
    pacer: Pacer | None = session.info.get(PACER_KEY)
    if pacer is not None:
        await pacer.step()
