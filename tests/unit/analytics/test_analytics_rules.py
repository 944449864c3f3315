"""The small-group rule, the health rule, the inactivity rule, months, and decoding for the
rebuild (it must refuse exactly what the consumer runtime dead-letters)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from mentoring.analytics.adapters.fastdecode import decode_event
from mentoring.analytics.domain import health
from mentoring.analytics.domain.cube import Bounds, Cube, Period
from mentoring.analytics.domain.figures import Assessor, MembersQuery, build_dashboard
from mentoring.analytics.domain.inactivity import inactive_days, is_inactive
from mentoring.analytics.domain.months import (
    add_months,
    format_month,
    month_end,
    month_of,
    months_between,
    parse_month,
)
from mentoring.analytics.domain.privacy import SUPPRESSED_REASON, Value, decide
from mentoring.analytics.domain.readmodel import (
    FEEDBACK,
    MENTORS_ENROLLED,
    RATED,
    RATING_SUM,
    people,
)
from mentoring.contracts.events.sessions import SessionLogged
from mentoring.kit.envelope import InvalidEnvelope, ce_headers, decode, to_kafka_headers
from mentoring.kit.errors import InvalidInput

JAN = date(2026, 1, 1)


def figures(rows: list[tuple[UUID, date, str, int]], *, single: bool = True) -> dict[str, Value]:
    dashboard, missing = build_dashboard(
        Cube(rows), Period(JAN, JAN), single_programme=single, costs={}, cells=[], exact={}
    )
    assert not missing
    return dashboard.figures


@pytest.mark.parametrize(("mentors", "shown"), [(4, False), (5, True), (0, True)])
def test_a_count_of_fewer_than_five_people_is_suppressed(mentors: int, shown: bool) -> None:
    got = figures([(uuid4(), JAN, MENTORS_ENROLLED, mentors)])["enrolled_mentors"]
    if shown:
        assert got == Value(float(mentors))
    else:
        assert got == Value(None, True, SUPPRESSED_REASON)


@pytest.mark.parametrize(("raters", "shown"), [(4, False), (5, True)])
def test_an_average_of_fewer_than_five_people_is_suppressed(raters: int, shown: bool) -> None:
    p = uuid4()
    rows = [(p, JAN, FEEDBACK, 10), (p, JAN, RATING_SUM, 42), (p, JAN, people(RATED), raters)]
    got = figures(rows)["average_rating"]
    assert got == (Value(4.2) if shown else Value.hidden())


def test_people_across_programmes_are_counted_exactly_when_the_bounds_cannot_tell() -> None:
    a, b = uuid4(), uuid4()
    rows = [
        (a, JAN, FEEDBACK, 2),
        (a, JAN, RATING_SUM, 8),
        (a, JAN, people(RATED), 3),
        (b, JAN, FEEDBACK, 2),
        (b, JAN, RATING_SUM, 8),
        (b, JAN, people(RATED), 3),
    ]
    cube, period = Cube(rows), Period(JAN, JAN)
    dashboard, missing = build_dashboard(
        cube, period, single_programme=False, costs={}, cells=[], exact={}
    )
    question = MembersQuery((RATED,), JAN, JAN)
    assert question in missing  # 3 or 6 people: only a count can say
    assert dashboard.figures["average_rating"].suppressed
    for distinct, shown in ((4, False), (5, True)):  # the same raters in both, or not
        dashboard, missing = build_dashboard(
            cube, period, single_programme=False, costs={}, cells=[], exact={question: distinct}
        )
        assert not missing
        assert dashboard.figures["average_rating"] == (Value(4.0) if shown else Value.hidden())


def test_decide_and_assessor() -> None:
    assert decide(5, 9) is True
    assert decide(0, 4) is False
    assert decide(4, 5) is None
    assessor = Assessor({})
    assert assessor.shown(MembersQuery(("x",), None, JAN), Bounds(0, 0)) is True  # nobody
    assert assessor.shown(MembersQuery(("x",), None, JAN), Bounds(2, 6)) is False
    assert assessor.missing == {MembersQuery(("x",), None, JAN)}


def test_health_rule() -> None:
    fine = health.HealthInputs(
        active_pairs=10,
        inactive_pairs=2,
        raters=6,
        feedback=10,
        rating_sum=Decimal(40),
        fit_checkers=6,
        fit_checks=10,
        fit_check_failures=1,
        checkin_people=6,
        checkins_due=10,
        checkins_submitted=6,
    )
    assert health.assess(fine) == (health.ON_TRACK, [])
    inactive = health.HealthInputs(active_pairs=8, inactive_pairs=2)
    assert health.assess(inactive) == (health.NEEDS_ATTENTION, ["inactive_pairs"])
    low = health.HealthInputs(raters=5, feedback=10, rating_sum=Decimal(34))
    assert health.assess(low) == (health.NEEDS_ATTENTION, ["low_rating"])
    assert health.assess(health.HealthInputs(raters=4, feedback=4, rating_sum=Decimal(4)))[0] == (
        health.ON_TRACK
    )  # four raters are too few to count
    unfit = health.HealthInputs(fit_checkers=5, fit_checks=5, fit_check_failures=1)
    assert health.assess(unfit)[1] == ["fit_check_failures"]
    quiet = health.HealthInputs(checkin_people=5, checkins_due=10, checkins_submitted=4)
    assert health.assess(quiet)[1] == ["low_checkin_response"]
    assert health.changed(None, health.ON_TRACK) is False
    assert health.changed(None, health.NEEDS_ATTENTION) is True
    assert health.changed(health.NEEDS_ATTENTION, health.NEEDS_ATTENTION) is False


def test_inactivity_rule() -> None:
    last = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert not is_inactive(last, last + timedelta(days=29, hours=23), 30)
    assert is_inactive(last, last + timedelta(days=30), 30)
    assert inactive_days(last, last + timedelta(days=45, hours=3)) == 45


def test_months() -> None:
    assert month_of(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == date(2026, 3, 1)
    from datetime import timezone

    warsaw_summer = timezone(timedelta(hours=2))
    assert month_of(datetime(2026, 4, 1, 1, 0, tzinfo=warsaw_summer)) == date(2026, 3, 1)
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert months_between(date(2025, 11, 1), date(2026, 2, 1))[-1] == date(2026, 2, 1)
    assert len(months_between(date(2025, 11, 1), date(2026, 2, 1))) == 4
    assert month_end(date(2026, 12, 1)) == datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_month("2026-07") == date(2026, 7, 1)
    assert format_month(date(2026, 7, 1)) == "2026-07"
    for bad in ("2026-13", "26-01", "2026/01"):
        with pytest.raises(InvalidInput):
            parse_month(bad)


def _record() -> tuple[list[tuple[str, bytes]], bytes]:
    now = datetime(2026, 2, 1, tzinfo=UTC)
    event = SessionLogged(
        tenant_id=uuid4(),
        sequence=1,
        occurred_at=now,
        pair_id=uuid4(),
        programme_id=uuid4(),
        session_id=uuid4(),
        held_at=now,
        duration_minutes=60,
    )
    return to_kafka_headers(ce_headers(event, event_id=uuid4(), time=now)), (
        event.model_dump_json().encode()
    )


def _mutations() -> list[tuple[list[tuple[str, bytes]], bytes | None]]:
    headers, value = _record()

    def without(name: str) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in headers if k != name]

    def replaced(name: str, raw: bytes) -> list[tuple[str, bytes]]:
        return [(k, raw if k == name else v) for k, v in headers]

    return [
        (headers, value),
        (headers, None),
        (headers, b"{not json"),
        (headers, value.replace(b'"duration_minutes":60', b'"duration_minutes":0')),
        (without("ce_id"), value),
        (without("ce_specversion"), value),
        (replaced("ce_specversion", b"0.3"), value),
        (replaced("ce_type", b"sessions.nothing.v1"), value),
        (replaced("ce_tenantid", str(uuid4()).encode()), value),
        (replaced("ce_id", b"not-a-uuid"), value),
        (replaced("ce_tenantid", b"\xff\xfe"), value),
        (replaced("ce_id", dict(headers)["ce_id"].upper()), value),
        (replaced("ce_id", b"{" + dict(headers)["ce_id"] + b"}"), value),
        ([*headers, ("ce_type", None)], value),  # type: ignore[list-item]
        ([("ce_type", b"sessions.nothing.v1"), *headers], value),
    ]


@pytest.mark.parametrize("case", range(15))
def test_the_rebuild_decodes_exactly_what_the_consumer_accepts(case: int) -> None:
    headers, value = _mutations()[case]
    try:
        expected = decode(headers, value).data
    except InvalidEnvelope:
        expected = None
    assert decode_event(headers, value) == expected
