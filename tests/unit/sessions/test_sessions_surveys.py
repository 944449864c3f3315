"""Survey instruments (scoring with reverse-keyed items, by hand) and when surveys become due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from mentoring.kit.errors import InvalidInput
from mentoring.sessions.adapters.surveys import DuePair
from mentoring.sessions.domain.instruments import (
    ALL,
    CHECKIN,
    PARTICIPATIVE_LEADERSHIP,
    PSYCH_SAFETY,
    instrument,
)
from mentoring.sessions.domain.privacy import Figure
from mentoring.sessions.domain.surveys import (
    Wave,
    checkin_due_at,
    latest_due_checkin,
    pulse_schedule,
)
from mentoring.sessions.service_layer.surveys import plan_for


def test_edmondson_reverses_items_1_3_5_on_a_1_to_7_scale() -> None:
    assert PSYCH_SAFETY.version == "edmondson-1999-7"
    assert [i.number for i in PSYCH_SAFETY.items if i.reverse] == [1, 3, 5]
    answers = [2, 6, 1, 5, 3, 7, 4]
    # by hand: item1 8-2=6, item2 6, item3 8-1=7, item4 5, item5 8-3=5, item6 7, item7 4
    assert PSYCH_SAFETY.score(answers) == round((6 + 6 + 7 + 5 + 5 + 7 + 4) / 7, 4)
    assert PSYCH_SAFETY.score([1, 7, 1, 7, 1, 7, 7]) == 7.0
    assert PSYCH_SAFETY.score([7, 1, 7, 1, 7, 1, 1]) == 1.0


def test_participative_leadership_reverses_item_6_on_a_1_to_5_scale() -> None:
    # by hand: 4, 5, 3, 4, 2, 6-1=5 -> 23 / 6
    assert PARTICIPATIVE_LEADERSHIP.score([4, 5, 3, 4, 2, 1]) == round(23 / 6, 4)


def test_checkin_is_a_plain_mean() -> None:
    assert CHECKIN.score([5, 4, 3, 4]) == 4.0


@pytest.mark.parametrize("answers", [[1, 2, 3], [0, 4, 4, 4], [5, 5, 5, 6], [1, 2, 3, 4, 5]])
def test_wrong_number_or_range_of_answers_is_refused(answers: list[int]) -> None:
    with pytest.raises(InvalidInput):
        CHECKIN.score(answers)


def test_every_instrument_has_texts_in_both_languages_and_a_findable_version() -> None:
    for i in ALL:
        assert instrument(i.id, i.version) is i
        assert all(item.pl and item.en for item in i.items)
        assert [item.number for item in i.items] == list(range(1, len(i.items) + 1))
    with pytest.raises(InvalidInput):
        instrument(PSYCH_SAFETY.id, "edmondson-2099")


def test_checkins_30_days_after_creation_then_every_60() -> None:
    created = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert checkin_due_at(created, 1) == created + timedelta(days=30)
    assert checkin_due_at(created, 3) == created + timedelta(days=150)
    assert latest_due_checkin(created, created + timedelta(days=29)) is None
    assert latest_due_checkin(created, created + timedelta(days=30)) == 1
    assert latest_due_checkin(created, created + timedelta(days=89)) == 1
    assert latest_due_checkin(created, created + timedelta(days=90)) == 2


def test_pulse_waves_start_middle_end_and_late_joiners() -> None:
    starts, ends = date(2026, 1, 1), date(2026, 12, 31)
    middle = starts + timedelta(days=364 // 2)  # half of the 364 days from start to end
    assert pulse_schedule(starts, ends, date(2025, 12, 20)) == [
        (Wave.START, starts),
        (Wave.MIDDLE, middle),
        (Wave.END, ends),
    ]
    # a pair created after the middle takes a baseline when created, then the end wave
    assert pulse_schedule(starts, ends, date(2026, 8, 1)) == [
        (Wave.START, date(2026, 8, 1)),
        (Wave.END, ends),
    ]


def _due_pair(created: datetime, **kw: object) -> DuePair:
    values: dict[str, object] = {
        "tenant_id": uuid4(),
        "pair_id": uuid4(),
        "programme_id": uuid4(),
        "mentor_id": uuid4(),
        "mentee_id": uuid4(),
        "created_at": created,
        "next_checkin_at": checkin_due_at(created, 1),
        "pulse_wave": "start",
        "pulse_due_on": None,
        "starts_on": None,
        "ends_on": None,
        **kw,
    }
    return DuePair(**values)  # type: ignore[arg-type]


def test_plan_issues_the_latest_due_checkin_for_both_members() -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    now = created + timedelta(days=100)  # check-ins 1 (day 30) and 2 (day 90) are due
    plan = plan_for(_due_pair(created), now)
    assert {(s.instrument.id, s.wave) for s, _ in plan.surveys} == {("checkin", "checkin-2")}
    assert len(plan.surveys) == 2
    assert plan.next_checkin_at == checkin_due_at(created, 3)


def test_plan_issues_a_pulse_wave_per_instrument_and_moves_to_the_next() -> None:
    created = datetime(2026, 1, 10, tzinfo=UTC)
    pair = _due_pair(
        created,
        next_checkin_at=created + timedelta(days=30),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    plan = plan_for(pair, datetime(2026, 1, 15, tzinfo=UTC))
    assert {(s.instrument.id, s.wave) for s, _ in plan.surveys} == {
        (PSYCH_SAFETY.id, "start"),
        (PARTICIPATIVE_LEADERSHIP.id, "start"),
    }
    assert len(plan.surveys) == 4
    assert (plan.pulse_wave, plan.pulse_due_on) == ("middle", date(2026, 1, 1) + timedelta(182))
    # the pulse key is per programme: a mentor with two pairs answers each wave once
    assert {key for _s, key in plan.surveys} == {
        f"pulse:{pair.programme_id}:{PSYCH_SAFETY.id}:start",
        f"pulse:{pair.programme_id}:{PARTICIPATIVE_LEADERSHIP.id}:start",
    }


def test_plan_waits_for_a_future_wave() -> None:
    created = datetime(2026, 1, 10, tzinfo=UTC)
    pair = _due_pair(created, starts_on=date(2026, 3, 1), ends_on=date(2026, 12, 31))
    plan = plan_for(pair, datetime(2026, 1, 15, tzinfo=UTC))
    assert plan.surveys == []
    assert (plan.pulse_wave, plan.pulse_due_on) == ("start", date(2026, 3, 1))


def test_small_groups_are_suppressed() -> None:
    assert Figure.of(3.5, 4).value is None
    assert Figure.of(3.5, 4).suppressed
    assert Figure.of(3.5, 5).value == 3.5
