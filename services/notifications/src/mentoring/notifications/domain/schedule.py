"""When things are sent: quiet hours, the daily digest, and the retry schedule.

Times are computed in the person's own time zone (quiet hours 22:00-07:00 mean Warsaw's night
for someone in Warsaw) and returned in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mentoring.kit.errors import InvalidInput
from mentoring.notifications.domain.model import URGENT_KINDS, Kind, Preferences


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Warsaw")


def quiet_until(prefs: Preferences, now: datetime) -> datetime | None:
    """The end of the quiet window that `now` falls in, or None when it is not quiet."""
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None or start == end:
        return None
    tz = zone(prefs.timezone)
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    today = local.date()
    if start < end:
        quiet = start <= t < end
        end_day = today
    else:  # the window wraps midnight, e.g. 22:00-07:00
        quiet = t >= start or t < end
        end_day = today + timedelta(days=1) if t >= start else today
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def next_digest_at(prefs: Preferences, now: datetime) -> datetime:
    """The next daily digest time after `now`, moved past quiet hours if it falls in them."""
    tz = zone(prefs.timezone)
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), prefs.digest_time, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), prefs.digest_time, tzinfo=tz)
    at = candidate.astimezone(UTC)
    return quiet_until(prefs, at) or at


@dataclass(frozen=True)
class EmailDecision:
    """What to do with a queued e-mail now: send it, drop it, or wait until `at`."""

    action: Literal["send", "cancel", "wait"]
    at: datetime | None = None
    digest: bool = False


def decide_email(
    prefs: Preferences, kind: Kind, now: datetime, *, collected: bool = False
) -> EmailDecision:
    """Decided when the e-mail is due, so a change of preferences applies to queued e-mails.
    `collected` is a digest's worth of e-mails whose time has come."""
    if not prefs.email:
        return EmailDecision("cancel")
    if prefs.digest and kind not in URGENT_KINDS and not collected:
        return EmailDecision("wait", next_digest_at(prefs, now), digest=True)
    quiet = quiet_until(prefs, now)
    if quiet is not None:
        return EmailDecision("wait", quiet, digest=collected)
    return EmailDecision("send", digest=collected)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base, 2x base, 4x base ... capped at `max_delay`, for `window`
    after the first attempt; the last attempt is made at the end of the window."""

    base_seconds: float
    max_delay_seconds: float
    window_seconds: float

    def delay(self, attempts: int) -> float:
        growth: float = 2.0 ** max(0, attempts - 1)
        return min(self.base_seconds * growth, self.max_delay_seconds)

    def next_attempt(
        self, *, created_at: datetime, now: datetime, attempts: int
    ) -> datetime | None:
        """After `attempts` failed attempts: when to try again, or None to give up."""
        deadline = created_at + timedelta(seconds=self.window_seconds)
        if now >= deadline:
            return None
        return min(now + timedelta(seconds=self.delay(attempts)), deadline)

    def schedule(self) -> list[float]:
        """Seconds after the first attempt at which the retries happen (for the docs)."""
        out: list[float] = []
        elapsed, attempts = 0.0, 1
        while elapsed < self.window_seconds:
            elapsed = min(elapsed + self.delay(attempts), self.window_seconds)
            out.append(elapsed)
            attempts += 1
        return out


def parse_hhmm(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


def checked_preferences(prefs: Preferences) -> Preferences:
    """Refuse what cannot be honoured: an unknown time zone, half a quiet window."""
    try:
        ZoneInfo(prefs.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {prefs.timezone!r}") from None
    if (prefs.quiet_start is None) != (prefs.quiet_end is None):
        raise InvalidInput("quiet hours need both a start and an end")
    if prefs.quiet_start is not None and prefs.quiet_start == prefs.quiet_end:
        raise InvalidInput("quiet hours must not start and end at the same time")
    return prefs
