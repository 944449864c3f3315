"""The small-group rule: no figure computed from fewer than five people is shown.

A figure carries the people it was computed from. Where only bounds of that number are known
cheaply (the largest and the sum of per-programme, per-month counts), the figure is shown when
the lower bound reaches five, suppressed when the upper bound stays below five, and otherwise
decided by an exact count (see `figures.Assessor`).
"""

from __future__ import annotations

from typing import NamedTuple

MIN_PEOPLE = 5
SUPPRESSED_REASON = "fewer than 5 people"


class Value(NamedTuple):
    """One figure as callers see it: a number, or null and why. (A tuple: a dashboard makes
    thousands of them per answer.)"""

    value: float | None
    suppressed: bool = False
    reason: str | None = None

    @classmethod
    def hidden(cls) -> Value:
        return _HIDDEN

    @classmethod
    def empty(cls) -> Value:
        """Nothing to compute from (a zero denominator): not a privacy matter."""
        return _EMPTY


_HIDDEN = Value(None, True, SUPPRESSED_REASON)
_EMPTY = Value(None, False, None)


def decide(lo: int, hi: int) -> bool | None:
    """True: at least five people for sure; False: fewer for sure; None: count them."""
    if lo >= MIN_PEOPLE:
        return True
    if hi < MIN_PEOPLE:
        return False
    return None
