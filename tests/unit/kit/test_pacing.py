"""The bulk pacer's arithmetic, on a fake clock: bulk work gets at most `duty` of the time."""

from __future__ import annotations

import pytest

from mentoring.kit.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _pacer(duty: float, t: FakeTime) -> Pacer:
    return Pacer(duty, quantum=0.05, clock=t.clock, sleep=t.sleep)


async def test_half_duty_sleeps_as_long_as_it_worked() -> None:
    t = FakeTime()
    pacer = _pacer(0.5, t)
    t.now += 0.2  # a chunk of work
    await pacer.step()
    t.now += 0.1
    await pacer.step()
    assert t.sleeps == pytest.approx([0.2, 0.1])
    assert pacer.slept == pytest.approx(0.3)


async def test_a_quarter_duty_sleeps_three_times_the_work() -> None:
    t = FakeTime()
    pacer = _pacer(0.25, t)
    t.now += 0.4
    await pacer.step()
    assert t.sleeps == pytest.approx([1.2])  # 0.4 s of work in 1.6 s: a quarter


async def test_short_stretches_add_up_to_a_quantum_before_a_pause() -> None:
    t = FakeTime()
    pacer = _pacer(0.5, t)
    for _ in range(4):
        t.now += 0.01
        await pacer.step()
    assert t.sleeps == []  # 40 ms of work: below the 50 ms quantum
    t.now += 0.02
    await pacer.step()
    assert t.sleeps == pytest.approx([0.06])


async def test_full_duty_never_pauses() -> None:
    t = FakeTime()
    pacer = _pacer(1.0, t)
    t.now += 10
    await pacer.step()
    assert t.sleeps == []


@pytest.mark.parametrize("duty", [0.0, -0.5, 1.5])
def test_a_duty_outside_0_to_1_is_refused(duty: float) -> None:
    with pytest.raises(ValueError, match="duty"):
        Pacer(duty)
