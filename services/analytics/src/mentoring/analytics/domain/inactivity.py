"""When a pair counts as inactive: no logged session (or, before the first, no pair creation) for
the programme's `inactivity_days`. One inactivity episode lasts until the next logged session."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_INACTIVITY_DAYS = 30


def inactive_days(last_activity: datetime, now: datetime) -> int:
    return max(0, (now - last_activity) // timedelta(days=1))


def is_inactive(last_activity: datetime, now: datetime, threshold_days: int) -> bool:
    return now - last_activity >= timedelta(days=threshold_days)
