"""Property tests of the engine against brute-force enumeration on tiny rounds."""

from __future__ import annotations

import itertools
from uuid import UUID

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring.matching.domain.engine import Mode, Profile, Rules, Weights, match
from mentoring.matching.domain.engine.scoring import build_score_model
from mentoring.matching.domain.engine.solver import NOT_ALLOWED, solve

SKILLS = ["law", "data", "budget"]
UNITS = [UUID(int=1000 + k) for k in range(2)]


def brute_force(weights: np.ndarray, capacity: list[int], *, count_first: bool) -> tuple[int, int]:
    """(matched, total) of the best assignment, trying every mentee -> mentor-or-nobody."""
    n, m = weights.shape
    best = (0, 0)
    for choice in itertools.product(range(-1, m), repeat=n):
        load = [0] * m
        total = matched = 0
        feasible = True
        for i, j in enumerate(choice):
            if j < 0:
                continue
            if not np.isfinite(weights[i, j]) or (not count_first and weights[i, j] <= 0):
                feasible = False
                break
            load[j] += 1
            matched += 1
            total += int(weights[i, j])
        if not feasible or any(k > c for k, c in zip(load, capacity, strict=True)):
            continue
        if (count_first and (matched, total) > best) or (not count_first and total > best[1]):
            best = (matched, total)
    return best


weight_cells = st.one_of(st.integers(0, 30).map(float), st.just(NOT_ALLOWED))


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    n=st.integers(0, 5),
    m=st.integers(0, 3),
    count_first=st.booleans(),
    per_mentee=st.integers(1, 3),
    per_slot=st.integers(0, 2),
)
def test_the_solver_finds_the_brute_force_optimum(
    data: st.DataObject, n: int, m: int, count_first: bool, per_mentee: int, per_slot: int
) -> None:
    weights = np.array(
        data.draw(st.lists(weight_cells, min_size=n * m, max_size=n * m)), dtype=float
    ).reshape(n, m)
    capacity = data.draw(st.lists(st.integers(0, 2), min_size=m, max_size=m))

    solution = solve(
        weights,
        np.array(capacity, dtype=np.int64),
        maximise_count=count_first,
        per_mentee=per_mentee,
        per_slot=per_slot,
    )

    matched = np.flatnonzero(solution.assignment >= 0)
    chosen = weights[matched, solution.assignment[matched]]
    assert np.isfinite(chosen).all()
    best_count, best_total = brute_force(weights, capacity, count_first=count_first)
    assert int(chosen.sum()) == best_total
    if count_first:
        assert len(matched) == best_count
    else:
        assert (chosen > 0).all()


profiles = st.builds(
    Profile,
    id=st.sampled_from([UUID(int=k) for k in range(1, 9)]),
    unit_id=st.sampled_from([None, *UNITS]),
    skills=st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3),
    languages=st.frozensets(st.sampled_from(["pl", "en"]), max_size=2),
    location=st.sampled_from([None, "Warszawa", "Kraków"]),
    remote=st.booleans(),
    hours_per_month=st.integers(0, 6),
    seniority=st.integers(0, 20),
    capacity=st.integers(0, 2),
)


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    mentees=st.lists(profiles, max_size=4, unique_by=lambda p: p.id),
    mentors=st.lists(profiles, max_size=3, unique_by=lambda p: p.id),
    mode=st.sampled_from(list(Mode)),
    forbid_same_unit=st.booleans(),
    min_score=st.sampled_from([0.0, 3.0, 6.5]),
)
def test_match_finds_the_brute_force_optimum_and_keeps_every_rule(
    data: st.DataObject,
    mentees: list[Profile],
    mentors: list[Profile],
    mode: Mode,
    forbid_same_unit: bool,
    min_score: float,
) -> None:
    every_pair = sorted((b.id, a.id) for a in mentees for b in mentors)
    forbidden = (
        frozenset(data.draw(st.lists(st.sampled_from(every_pair), max_size=3)))
        if every_pair
        else frozenset()
    )
    rules = Rules(mode, forbid_same_unit, forbidden, min_score)
    weights = Weights()

    result = match(mentees, mentors, weights, rules)

    raw = build_score_model(mentees, mentors, weights).matrix()
    scores = raw.copy()
    for i, a in enumerate(mentees):
        for j, b in enumerate(mentors):
            same_unit = forbid_same_unit and a.unit_id is not None and a.unit_id == b.unit_id
            weak = mode is Mode.BEST_QUALITY and raw[i, j] / 1_000_000 <= min_score
            if a.id == b.id or (b.id, a.id) in forbidden or same_unit or weak:
                scores[i, j] = NOT_ALLOWED
    count, total = brute_force(
        scores, [b.capacity for b in mentors], count_first=mode is Mode.EVERYONE_MATCHED
    )
    assert round(result.total_score * 1_000_000) == total
    assert len(result.proposals) == count
    room = {b.id: b.capacity for b in mentors}
    mentor_unit = {b.id: b.unit_id for b in mentors}
    mentee_unit = {a.id: a.unit_id for a in mentees}
    for p in result.proposals:
        assert p.mentee_id != p.mentor_id
        assert (p.mentor_id, p.mentee_id) not in forbidden
        unit = mentee_unit[p.mentee_id]
        assert not (forbid_same_unit and unit is not None and unit == mentor_unit[p.mentor_id])
        room[p.mentor_id] -= 1
    assert all(left >= 0 for left in room.values())
    assert len(result.proposals) + len(result.unmatched_mentees) == len(mentees)
