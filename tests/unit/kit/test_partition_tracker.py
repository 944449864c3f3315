"""Offsets are committed only up to the lowest unfinished message of a partition."""

from __future__ import annotations

from mentoring.kit.consumer import _PartitionTracker


def test_commit_stops_at_lowest_unfinished() -> None:
    t = _PartitionTracker()
    for offset in (10, 11, 12, 13):
        t.add(offset)
    assert t.committable() == 10
    t.finish(12)
    t.finish(13)
    assert t.committable() == 10  # 10 and 11 still running
    t.finish(10)
    assert t.committable() == 11
    t.finish(11)
    assert t.committable() == 14
    assert t.in_flight == 0


def test_empty_tracker_has_nothing_to_commit() -> None:
    assert _PartitionTracker().committable() is None
