"""A programme's health: on track, or needs attention, by a fixed and documented rule.

The rule looks at the last three months (the current one included) and at the pairs now active.
A reason counts only when its group has at least five members (pairs, raters, people answering a
fit check, people with a check-in due), so a health change never describes a handful of people.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mentoring.analytics.domain.privacy import MIN_PEOPLE

ON_TRACK = "on_track"
NEEDS_ATTENTION = "needs_attention"

WINDOW_MONTHS = 3
MAX_INACTIVE_SHARE = Decimal("0.25")
MIN_AVERAGE_RATING = Decimal("3.5")
MAX_FIT_CHECK_FAILURE_SHARE = Decimal("0.2")
MIN_CHECKIN_RESPONSE_RATE = Decimal("0.5")


@dataclass(frozen=True)
class HealthInputs:
    active_pairs: int = 0
    inactive_pairs: int = 0
    raters: int = 0
    feedback: int = 0
    rating_sum: Decimal = Decimal(0)
    fit_checkers: int = 0
    fit_checks: int = 0
    fit_check_failures: int = 0
    checkin_people: int = 0
    checkins_due: int = 0
    checkins_submitted: int = 0


def assess(inputs: HealthInputs) -> tuple[str, list[str]]:
    """The health and the reasons for it (empty when on track)."""
    reasons: list[str] = []
    i = inputs
    if i.active_pairs >= MIN_PEOPLE and i.inactive_pairs >= MAX_INACTIVE_SHARE * i.active_pairs:
        reasons.append("inactive_pairs")
    if i.raters >= MIN_PEOPLE and i.feedback and i.rating_sum < MIN_AVERAGE_RATING * i.feedback:
        reasons.append("low_rating")
    if (
        i.fit_checkers >= MIN_PEOPLE
        and i.fit_checks
        and i.fit_check_failures >= MAX_FIT_CHECK_FAILURE_SHARE * i.fit_checks
    ):
        reasons.append("fit_check_failures")
    if (
        i.checkin_people >= MIN_PEOPLE
        and i.checkins_due
        and i.checkins_submitted < MIN_CHECKIN_RESPONSE_RATE * i.checkins_due
    ):
        reasons.append("low_checkin_response")
    return (NEEDS_ATTENTION if reasons else ON_TRACK), reasons


def changed(previous: str | None, current: str) -> bool:
    """A programme starts on track: only a move away from (or back to) it is a change."""
    return (previous or ON_TRACK) != current
