"""When things go out: quiet hours in the person's time zone, the daily digest, the retry
schedule of webhooks and e-mails, and the webhook URL policy."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mentoring.kit.errors import InvalidInput
from mentoring.notifications.domain.model import Kind, Preferences
from mentoring.notifications.domain.schedule import (
    EmailDecision,
    RetryPolicy,
    checked_preferences,
    decide_email,
    next_digest_at,
    quiet_until,
)
from mentoring.notifications.domain.urls import forbidden_address, parse_endpoint_url

WARSAW = ZoneInfo("Europe/Warsaw")


def _at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


NIGHT = Preferences(quiet_start=time(22, 0), quiet_end=time(7, 0))


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (_at(23, 30), _at(7, 0, day=2)),  # before midnight: until tomorrow morning
        (_at(3, 0), _at(7, 0)),  # after midnight: until this morning
        (_at(7, 0), None),
        (_at(12, 0), None),
        (_at(22, 0), _at(7, 0, day=2)),
    ],
)
def test_quiet_hours_that_wrap_midnight(now: datetime, until: datetime | None) -> None:
    assert quiet_until(NIGHT, now) == until


def test_quiet_hours_within_a_day_and_in_another_time_zone() -> None:
    lunch = Preferences(quiet_start=time(12, 0), quiet_end=time(13, 0), timezone="Europe/London")
    london_noon_thirty = datetime(2026, 12, 1, 12, 30, tzinfo=ZoneInfo("Europe/London"))
    assert quiet_until(lunch, london_noon_thirty) == datetime(
        2026, 12, 1, 13, 0, tzinfo=ZoneInfo("Europe/London")
    )
    assert quiet_until(lunch, _at(12, 30)) is None  # 11:30 in London


def test_quiet_hours_across_a_daylight_saving_change() -> None:
    # the night of 28-29 March 2026: Warsaw moves from +01:00 to +02:00
    now = datetime(2026, 3, 28, 23, 0, tzinfo=WARSAW)
    until = quiet_until(NIGHT, now)
    assert until is not None
    assert until.astimezone(WARSAW).replace(tzinfo=None) == datetime(2026, 3, 29, 7, 0)
    assert until.utcoffset() == timedelta(0)
    assert until == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_a_due_email_follows_the_preferences_of_that_moment() -> None:
    now = _at(23, 0)
    assert decide_email(Preferences(email=False), Kind.PAIR_CREATED, now).action == "cancel"
    assert decide_email(Preferences(), Kind.PAIR_CREATED, now) == EmailDecision("send")
    assert decide_email(NIGHT, Kind.PAIR_CREATED, now) == EmailDecision("wait", _at(7, 0, day=2))
    digest = Preferences(digest=True, digest_time=time(17, 0))
    assert decide_email(digest, Kind.PAIR_CREATED, now) == EmailDecision(
        "wait", _at(17, 0, day=2), digest=True
    )
    # invites and reminders never wait for a digest
    assert decide_email(digest, Kind.SESSION_SCHEDULED, now) == EmailDecision("send")
    # the digest itself, when its time comes, goes out (or waits for quiet hours to end)
    assert decide_email(digest, Kind.PAIR_CREATED, now, collected=True) == EmailDecision(
        "send", digest=True
    )
    quiet_digest = Preferences(digest=True, quiet_start=time(22, 0), quiet_end=time(7, 0))
    assert decide_email(quiet_digest, Kind.PAIR_CREATED, now, collected=True) == EmailDecision(
        "wait", _at(7, 0, day=2), digest=True
    )


def test_the_digest_goes_today_if_its_time_is_ahead_and_never_in_quiet_hours() -> None:
    prefs = Preferences(digest=True, digest_time=time(17, 0))
    assert next_digest_at(prefs, _at(9, 0)) == _at(17, 0)
    assert next_digest_at(prefs, _at(17, 0)) == _at(17, 0, day=2)
    late = Preferences(
        digest=True, digest_time=time(23, 0), quiet_start=time(22, 0), quiet_end=time(7, 0)
    )
    assert next_digest_at(late, _at(9, 0)) == _at(7, 0, day=2)


def test_retries_back_off_exponentially_for_24_hours_then_give_up() -> None:
    policy = RetryPolicy(base_seconds=30, max_delay_seconds=4 * 3600, window_seconds=86400)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert policy.delay(20) == 4 * 3600
    assert policy.next_attempt(created_at=start, now=start, attempts=1) == start + timedelta(
        seconds=30
    )
    near_end = start + timedelta(hours=23, minutes=30)
    # the last retry is made at the end of the window, not beyond it
    assert policy.next_attempt(created_at=start, now=near_end, attempts=12) == start + timedelta(
        hours=24
    )
    assert (
        policy.next_attempt(created_at=start, now=start + timedelta(hours=24), attempts=13) is None
    )
    schedule = policy.schedule()
    assert schedule[-1] == 86400
    assert all(b > a for a, b in itertools.pairwise(schedule))


def test_preferences_are_checked() -> None:
    with pytest.raises(InvalidInput):
        checked_preferences(Preferences(timezone="Mars/Olympus"))
    with pytest.raises(InvalidInput):
        checked_preferences(Preferences(quiet_start=time(22, 0)))
    assert checked_preferences(NIGHT) == NIGHT


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.8",
        "172.16.4.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "not-an-ip",
    ],
)
def test_private_loopback_and_link_local_addresses_are_forbidden(address: str) -> None:
    assert forbidden_address(address)


@pytest.mark.parametrize("address", ["193.0.96.1", "8.8.8.8", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not forbidden_address(address)


def test_url_structure() -> None:
    assert parse_endpoint_url("https://hooks.example.gov.pl/x", require_https=True).port == 443
    with pytest.raises(InvalidInput, match="https"):
        parse_endpoint_url("http://hooks.example.gov.pl/x", require_https=True)
    assert (
        parse_endpoint_url("http://hooks.example.gov.pl:8080/x", require_https=False).port == 8080
    )
    for bad in ("ftp://x.pl/", "https://user:pw@x.pl/", "https:///nohost", "https://x.pl/#frag"):
        with pytest.raises(InvalidInput):
            parse_endpoint_url(bad, require_https=False)
