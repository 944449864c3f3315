"""match(): rules applied to the score matrix, the exact solver, explained proposals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain, repeat

import numpy as np

from mentoring.kit.errors import InvalidInput
from mentoring.matching.domain.engine.explanations import explain
from mentoring.matching.domain.engine.model import MatchResult, Mode, Profile, Rules, Weights
from mentoring.matching.domain.engine.scoring import (
    UNITS_PER_POINT,
    FloatMatrix,
    ScoreModel,
    build_score_model,
    to_points,
)
from mentoring.matching.domain.engine.solver import NOT_ALLOWED, solve


def _index(profiles: Sequence[Profile], role: str) -> dict[int, int]:
    """Position of each profile by the 128-bit int of its id (hashed in C, unlike a UUID)."""
    keys = [p.id.int for p in profiles]
    index = dict(zip(keys, range(len(keys)), strict=True))
    if len(index) != len(keys):
        twice = next(p.id for k, p in enumerate(profiles) if index[p.id.int] != k)
        raise InvalidInput(f"{role} {twice} appears twice")
    return index


def _forbid_same_unit(
    scores: FloatMatrix, mentees: Sequence[Profile], mentors: Sequence[Profile]
) -> None:
    """Marks every pair whose mentee and mentor are in the same (known) unit as not allowed."""
    vocabulary: dict[int, int] = {}
    a = np.array(
        [
            vocabulary.setdefault(p.unit_id.int, len(vocabulary)) if p.unit_id else -1
            for p in mentees
        ],
        dtype=np.int64,
    ).reshape(len(mentees))
    b = np.array(
        [vocabulary.get(p.unit_id.int, -1) if p.unit_id else -1 for p in mentors], dtype=np.int64
    ).reshape(len(mentors))
    a_order, b_order = np.argsort(a, kind="stable"), np.argsort(b, kind="stable")
    a_bounds = np.searchsorted(a[a_order], np.arange(len(vocabulary) + 1))
    b_bounds = np.searchsorted(b[b_order], np.arange(len(vocabulary) + 1))
    for code in range(len(vocabulary)):
        rows = a_order[a_bounds[code] : a_bounds[code + 1]]
        cols = b_order[b_bounds[code] : b_bounds[code + 1]]
        if len(rows) and len(cols):
            scores[np.ix_(rows, cols)] = NOT_ALLOWED


def _last_unit_at_most(points: float) -> float:
    """The largest whole number of units whose score in points is <= points."""
    units = math.floor(points * UNITS_PER_POINT)
    while to_points(units + 1) <= points:
        units += 1
    while to_points(units) > points:
        units -= 1
    return float(units)


def allowed_scores(
    model: ScoreModel, mentees: Sequence[Profile], mentors: Sequence[Profile], rules: Rules
) -> FloatMatrix:
    """The score matrix in units, NOT_ALLOWED where a hard rule forbids the pair."""
    if not math.isfinite(rules.min_score):
        raise InvalidInput("min_score must be a finite number")
    mentee_at = _index(mentees, "mentee")
    mentor_at = _index(mentors, "mentor")
    scores = model.matrix()
    if Mode(rules.mode) is Mode.BEST_QUALITY:
        scores[scores <= _last_unit_at_most(rules.min_score)] = NOT_ALLOWED
    for both in mentee_at.keys() & mentor_at.keys():  # nobody mentors themselves
        scores[mentee_at[both], mentor_at[both]] = NOT_ALLOWED
    if rules.forbid_same_unit:
        _forbid_same_unit(scores, mentees, mentors)
    if rules.forbidden:
        # one flat pass (zip(*pairs) makes the cyclic GC crawl on large sets)
        ints = [person.int for person in chain.from_iterable(rules.forbidden)]
        cols = np.fromiter(map(mentor_at.get, ints[0::2], repeat(-1)), np.int64, len(ints) // 2)
        rows = np.fromiter(map(mentee_at.get, ints[1::2], repeat(-1)), np.int64, len(ints) // 2)
        known = (rows >= 0) & (cols >= 0)
        scores[rows[known], cols[known]] = NOT_ALLOWED
    return scores


def match(
    mentees: Sequence[Profile], mentors: Sequence[Profile], weights: Weights, rules: Rules
) -> MatchResult:
    """The optimal proposals of a round under the hard rules (see the package docstring)."""
    model = build_score_model(mentees, mentors, weights)
    scores = allowed_scores(model, mentees, mentors, rules)
    capacity = np.array([p.capacity for p in mentors], dtype=np.int64)
    solution = solve(scores, capacity, maximise_count=Mode(rules.mode) is Mode.EVERYONE_MATCHED)
    assignment = solution.assignment
    matched = np.flatnonzero(assignment >= 0)
    chosen = scores[matched, assignment[matched]]
    proposals = explain(
        model,
        mentees=mentees,
        mentors=mentors,
        mentee_idx=matched,
        mentor_idx=assignment[matched],
        scores=chosen,
    )
    total_units = int(chosen.sum())
    unmatched = tuple(mentees[i].id for i in np.flatnonzero(assignment < 0).tolist())
    return MatchResult(
        proposals=proposals, total_score=to_points(total_units), unmatched_mentees=unmatched
    )
