"""The engine against an independent exact solver (scipy's linear_sum_assignment)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from uuid import UUID

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from mentoring.kit.errors import InvalidInput
from mentoring.matching.domain.engine import MatchResult, Mode, Profile, Rules, Weights, match
from mentoring.matching.domain.engine.matcher import allowed_scores
from mentoring.matching.domain.engine.scoring import build_score_model
from mentoring.matching.domain.engine.solver import (
    _solve_restricted,
    _solve_restricted_lapjv,
    solve,
)

SKILLS = [f"skill-{k}" for k in range(12)]
LANGUAGES = ["pl", "en", "de", "uk"]
PLACES = ["Warszawa", "Kraków", "Gdańsk", None]


def _uuid(rnd: random.Random) -> UUID:
    return UUID(int=rnd.getrandbits(128), version=4)


def _profile(rnd: random.Random, pid: UUID, units: list[UUID], cap_max: int) -> Profile:
    return Profile(
        id=pid,
        unit_id=rnd.choice([*units, None]),
        skills={s: rnd.randint(1, 5) for s in rnd.sample(SKILLS, rnd.randint(0, 4))},
        languages=frozenset(rnd.sample(LANGUAGES, rnd.randint(0, 2))),
        location=rnd.choice(PLACES),
        remote=rnd.random() < 0.5,
        hours_per_month=rnd.randint(0, 8),
        seniority=rnd.randint(0, 25),
        capacity=rnd.randint(0, cap_max),
    )


def random_instance(
    seed: int, n: int, m: int, *, cap_max: int = 3, mode: Mode = Mode.BEST_QUALITY
) -> tuple[list[Profile], list[Profile], Weights, Rules]:
    rnd = random.Random(seed)
    units = [_uuid(rnd) for _ in range(3)]
    mentees = [_profile(rnd, _uuid(rnd), units, 0) for _ in range(n)]
    mentors = [_profile(rnd, _uuid(rnd), units, cap_max) for _ in range(m)]
    for k in range(min(n, m) // 5):  # some people take both roles
        mentors[k] = replace(mentors[k], id=mentees[k].id)
    forbidden = frozenset((b.id, a.id) for a in mentees for b in mentors if rnd.random() < 0.08)
    weights = Weights(*(round(rnd.uniform(0, 5), 3) for _ in range(5)))
    rules = Rules(
        mode=mode,
        forbid_same_unit=rnd.random() < 0.5,
        forbidden=forbidden,
        min_score=rnd.choice([0.0, 0.0, 2.5]),
    )
    return mentees, mentors, weights, rules


def allowed_mask(mentees: list[Profile], mentors: list[Profile], rules: Rules) -> np.ndarray:
    return np.array(
        [
            [
                a.id != b.id
                and (b.id, a.id) not in rules.forbidden
                and not (
                    rules.forbid_same_unit and a.unit_id is not None and a.unit_id == b.unit_id
                )
                for b in mentors
            ]
            for a in mentees
        ],
        dtype=bool,
    ).reshape(len(mentees), len(mentors))


def reference(
    mentees: list[Profile], mentors: list[Profile], weights: Weights, rules: Rules
) -> tuple[int, int]:
    """(matched mentees, total score in units) from scipy on the capacity-expanded matrix."""
    raw = build_score_model(mentees, mentors, weights).matrix()
    allowed = allowed_mask(mentees, mentors, rules)
    if rules.mode is Mode.BEST_QUALITY:
        allowed &= raw / 1_000_000 > rules.min_score
    slots = np.repeat(np.arange(len(mentors)), [b.capacity for b in mentors])
    n = len(mentees)
    if n == 0 or len(slots) == 0:
        return 0, 0
    bonus = n * raw.max() + 1 if rules.mode is Mode.EVERYONE_MATCHED else 0.0
    forbidden_cost = 1e15
    real = np.where(allowed[:, slots], -(raw[:, slots] + bonus), forbidden_cost)
    cost = np.hstack([real, np.zeros((n, n))])  # a dummy column per mentee: unmatched
    rows, cols = linear_sum_assignment(cost)
    keep = cols < len(slots)
    rows, cols = rows[keep], cols[keep]
    return len(rows), int(raw[rows, slots[cols]].sum())


def max_matchable(mentees: list[Profile], mentors: list[Profile], rules: Rules) -> int:
    slots = np.repeat(np.arange(len(mentors)), [b.capacity for b in mentors])
    if len(mentees) == 0 or len(slots) == 0:
        return 0
    indicator = allowed_mask(mentees, mentors, rules)[:, slots].astype(float)
    rows, cols = linear_sum_assignment(indicator, maximize=True)
    return int(indicator[rows, cols].sum())


def violations(
    result: MatchResult, mentees: list[Profile], mentors: list[Profile], rules: Rules
) -> list[str]:
    found: list[str] = []
    by_id = {b.id: b for b in mentors}
    units = {a.id: a.unit_id for a in mentees}
    load = Counter(p.mentor_id for p in result.proposals)
    found += [f"over capacity {j}" for j, k in load.items() if k > by_id[j].capacity]
    seen = Counter(p.mentee_id for p in result.proposals)
    found += [f"mentee twice {i}" for i, k in seen.items() if k > 1]
    for p in result.proposals:
        if p.mentee_id == p.mentor_id:
            found.append(f"self pair {p.mentee_id}")
        if (p.mentor_id, p.mentee_id) in rules.forbidden:
            found.append(f"forbidden pair {p}")
        unit = units[p.mentee_id]
        if rules.forbid_same_unit and unit is not None and unit == by_id[p.mentor_id].unit_id:
            found.append(f"same unit {p}")
        if rules.mode is Mode.BEST_QUALITY and p.score <= rules.min_score:
            found.append(f"below min_score {p}")
    if set(seen) | set(result.unmatched_mentees) != {a.id for a in mentees}:
        found.append("matched + unmatched is not every mentee")
    if set(seen) & set(result.unmatched_mentees):
        found.append("a mentee is both matched and unmatched")
    return found


CASES = [(seed, mode) for seed in range(24) for mode in Mode]


@pytest.mark.parametrize(("seed", "mode"), CASES)
def test_total_equals_scipy_on_random_instances(seed: int, mode: Mode) -> None:
    rnd = random.Random(1000 + seed)
    n, m = rnd.randint(0, 60), rnd.randint(0, 25)
    mentees, mentors, weights, rules = random_instance(seed, n, m, mode=mode)

    result = match(mentees, mentors, weights, rules)

    count, units = reference(mentees, mentors, weights, rules)
    assert violations(result, mentees, mentors, rules) == []
    assert result.total_score == pytest.approx(units / 1_000_000, rel=1e-9, abs=1e-12)
    assert sum(p.score for p in result.proposals) == pytest.approx(result.total_score, rel=1e-9)
    if mode is Mode.EVERYONE_MATCHED:
        assert len(result.proposals) == count == max_matchable(mentees, mentors, rules)


def test_identical_inputs_give_identical_outputs() -> None:
    # many ties: everyone alike, so the solver must break ties the same way every time
    mentees, mentors, weights, rules = random_instance(7, 40, 12)
    mentees = [replace(a, skills={"skill-1": 3}) for a in mentees]
    mentors = [replace(b, skills={"skill-1": 4}, capacity=2) for b in mentors]
    first = match(mentees, mentors, weights, rules)
    assert all(match(mentees, mentors, weights, rules) == first for _ in range(3))


def test_a_person_in_both_roles_is_never_their_own_mentor() -> None:
    me = Profile(UUID(int=1), skills={"python": 3})
    other = Profile(UUID(int=2), skills={"python": 3})
    result = match([me], [me, replace(other, capacity=0)], Weights(), Rules())
    assert result.proposals == ()
    assert result.unmatched_mentees == (me.id,)


def test_capacity_zero_takes_nobody_and_capacity_is_respected() -> None:
    mentees = [Profile(UUID(int=k), skills={"law": 2}) for k in range(1, 6)]
    busy = Profile(UUID(int=100), skills={"law": 5}, seniority=20, capacity=0)
    open_ = Profile(UUID(int=101), skills={"law": 3}, capacity=2)
    for mode in Mode:
        result = match(mentees, [busy, open_], Weights(), Rules(mode=mode))
        assert {p.mentor_id for p in result.proposals} == {open_.id}
        assert len(result.proposals) == 2
        assert len(result.unmatched_mentees) == 3


def test_everyone_matched_trades_score_for_one_more_match() -> None:
    star, plain = Profile(UUID(int=1), skills={"law": 5}), Profile(UUID(int=2))
    expert = Profile(UUID(int=10), skills={"law": 5}, capacity=1)
    only_star = frozenset({(expert.id, plain.id)})
    generalist = Profile(UUID(int=11), capacity=1)
    mentees, mentors = [star, plain], [expert, generalist]
    weights = Weights(skills=5, seniority=0, languages=0, location=0, availability=0)

    best = match(mentees, mentors, weights, Rules(forbidden=only_star))
    everyone = match(mentees, mentors, weights, Rules(Mode.EVERYONE_MATCHED, forbidden=only_star))

    assert [(p.mentee_id, p.mentor_id) for p in best.proposals] == [(star.id, expert.id)]
    assert len(everyone.proposals) == 2
    assert everyone.total_score == best.total_score


def test_min_score_keeps_weak_pairs_out_of_best_quality_only() -> None:
    mentee = Profile(UUID(int=1), skills={"law": 4}, remote=False, hours_per_month=4)
    mentor = Profile(UUID(int=2), skills={"law": 1}, remote=False, hours_per_month=4)
    weights = Weights(skills=4, seniority=0, languages=0, location=0, availability=0)
    assert match([mentee], [mentor], weights, Rules(min_score=0.5)).proposals[0].score == 1.0
    assert match([mentee], [mentor], weights, Rules(min_score=1.0)).proposals == ()
    everyone = match([mentee], [mentor], weights, Rules(Mode.EVERYONE_MATCHED, min_score=1.0))
    assert len(everyone.proposals) == 1


def test_empty_rounds() -> None:
    someone = Profile(UUID(int=1))
    assert match([], [someone], Weights(), Rules()) == MatchResult((), 0.0, ())
    assert match([someone], [], Weights(), Rules()) == MatchResult((), 0.0, (someone.id,))


@pytest.mark.parametrize(
    ("mentees", "weights"),
    [
        ([Profile(UUID(int=1)), Profile(UUID(int=1))], Weights()),
        ([Profile(UUID(int=1), skills={"law": 6})], Weights()),
        ([Profile(UUID(int=1))], Weights(skills=-1)),
        ([Profile(UUID(int=1))], Weights(location=float("nan"))),
    ],
)
def test_invalid_input_is_refused(mentees: list[Profile], weights: Weights) -> None:
    with pytest.raises(InvalidInput):
        match(mentees, [Profile(UUID(int=9))], weights, Rules())


@pytest.mark.parametrize("mode", list(Mode))
def test_a_tiny_candidate_graph_is_repaired_until_proven_optimal(mode: Mode) -> None:
    # one candidate per mentee and none per mentor: the certificate must add what is missing
    rounds = []
    for seed in range(12):
        mentees, mentors, weights, rules = random_instance(500 + seed, 50, 20, mode=mode)
        model = build_score_model(mentees, mentors, weights)
        scores = allowed_scores(model, mentees, mentors, rules)
        capacity = np.array([b.capacity for b in mentors])

        solution = solve(
            scores,
            capacity,
            maximise_count=mode is Mode.EVERYONE_MATCHED,
            per_mentee=1,
            per_slot=0,
        )

        matched = np.flatnonzero(solution.assignment >= 0)
        total = int(scores[matched, solution.assignment[matched]].sum())
        assert (len(matched), total) == reference(mentees, mentors, weights, rules)
        assert (np.bincount(solution.assignment[matched], minlength=len(mentors)) <= capacity).all()
        rounds.append(solution.rounds)
    assert max(rounds) >= 2  # pairs were added after a failed certificate


def test_a_moderate_round_is_proven_optimal_on_a_pruned_graph() -> None:
    rnd = random.Random(77)
    mentees, mentors, weights, rules = random_instance(77, 1000, 300, cap_max=5)
    rules = replace(rules, forbidden=frozenset(rnd.sample(sorted(rules.forbidden), 1500)))
    scores = allowed_scores(build_score_model(mentees, mentors, weights), mentees, mentors, rules)
    capacity = np.array([b.capacity for b in mentors])

    solution = solve(scores, capacity, maximise_count=False)
    result = match(mentees, mentors, weights, rules)

    allowed_positive = int((scores > 0).sum())
    assert solution.candidates < allowed_positive / 4  # the solver saw a small share of the pairs
    count, units = reference(mentees, mentors, weights, rules)
    assert result.total_score == pytest.approx(units / 1_000_000, rel=1e-9)
    assert len(result.proposals) == count
    assert violations(result, mentees, mentors, rules) == []


def test_the_fallback_flow_solver_reaches_the_same_optimum() -> None:
    mentees, mentors, weights, rules = random_instance(31, 60, 25)
    scores = allowed_scores(build_score_model(mentees, mentors, weights), mentees, mentors, rules)
    capacity = np.array([b.capacity for b in mentors])
    rows, cols = np.nonzero(np.isfinite(scores))
    w = scores[rows, cols]

    primary = _solve_restricted(rows, cols, w, len(mentees), capacity)
    fallback = _solve_restricted_lapjv(rows, cols, w, len(mentees), capacity)

    def total(assignment: np.ndarray) -> float:
        matched = np.flatnonzero(assignment >= 0)
        return float(scores[matched, assignment[matched]].sum())

    assert total(primary) == total(fallback) == reference(mentees, mentors, weights, rules)[1]
