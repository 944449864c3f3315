"""The matching engine: the exact optimal assignment of mentees to mentors, explained.

match(mentees, mentors, weights, rules) scores every (mentee, mentor) pair (scoring), removes
the pairs a hard rule forbids (self-pairs, rules.forbidden, optionally the same unit, in
BEST_QUALITY the pairs scoring <= min_score) and returns a proven optimum under the mentors'
capacities (solver): BEST_QUALITY maximises the total score; EVERYONE_MATCHED first the number
of matched mentees, then the total score. Proposals come in the mentees' input order, each with
its top three criteria; identical inputs give identical outputs. See docs/decisions/0010.
"""

from mentoring.matching.domain.engine.matcher import match
from mentoring.matching.domain.engine.model import (
    MatchResult,
    Mode,
    Profile,
    Proposal,
    Rules,
    Weights,
)
from mentoring.matching.domain.engine.scoring import CRITERIA, SCORE_UNIT

__all__ = [
    "CRITERIA",
    "SCORE_UNIT",
    "MatchResult",
    "Mode",
    "Profile",
    "Proposal",
    "Rules",
    "Weights",
    "match",
]
