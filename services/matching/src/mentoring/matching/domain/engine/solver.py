"""The exact solver: a maximum-weight capacitated assignment of mentees to mentors.

The problem is the linear programme
    max sum w_ij x_ij  s.t.  sum_j x_ij <= 1 (mentee i),  sum_i x_ij <= c_j (mentor j),  x >= 0,
whose constraint matrix is totally unimodular, with the dual
    min sum_i u_i + sum_j c_j v_j  s.t.  u_i + v_j >= w_ij (every allowed pair),  u, v >= 0.
EVERYONE_MATCHED adds a bonus B = K * max(w) + 1 to every allowed pair (K: the most pairs
there can be), so one more matched mentee outweighs any difference in score.

1. Candidates: each mentee's best mentors and each mentor's best mentees (thresholds taken
   from a fixed random sample of the matrix, so the graph has about CANDIDATES_PER_MENTEE
   pairs per mentee and CANDIDATES_PER_SLOT pairs per unit of mentor capacity).
2. The restricted problem is solved exactly as a min-cost flow in integers (OR-Tools),
   with an "unmatched" arc of cost 0 per mentee.
3. Duals: complementary slackness turns (u, v) into difference constraints between mentor
   prices (v_a - v_j <= w_ia - w_ij when mentee i holds mentor a; v_j >= w_ij when i is
   unmatched; v_j = 0 when j has room; u_i >= 0); shortest paths from a root (a vectorised
   Bellman-Ford on the m + 1 nodes) solve them.
4. Certificate: every allowed pair of the full matrix is checked, u_i + v_j >= w_ij. Pairs
   that fail are added to the candidates and the problem is solved again. When none fails,
   (u, v) is dual feasible for the full problem and its objective equals the assignment's:
   by weak duality no assignment of the full problem scores more, pruned pairs included.
All weights, duals and sums are integers below 2**53 held in float64, so every step is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from mentoring.kit.errors import InvalidInput

FloatMatrix = npt.NDArray[np.float64]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]

NOT_ALLOWED = -np.inf
EXACT_LIMIT = 2.0**52
CANDIDATES_PER_MENTEE = 10
CANDIDATES_PER_SLOT = 30
SAMPLE = 256
MAX_ROUNDS = 20
CHUNK = 1024


class CertificateError(AssertionError):
    """The solver could not prove its assignment optimal (a defect, never bad input)."""


def _row_thresholds(
    weights: FloatMatrix, per_row: IntArray, rng: np.random.Generator
) -> FloatArray:
    """Per row, about the per_row-th largest value, estimated from a sample of columns."""
    n, m = weights.shape
    sample = weights if m <= SAMPLE else weights[:, np.sort(rng.choice(m, SAMPLE, replace=False))]
    width = sample.shape[1]
    rank = np.clip(np.ceil(per_row * width / m).astype(np.int64), 1, width)
    if (rank == rank[0]).all():
        kth = width - int(rank[0])
        return np.asarray(np.partition(sample, kth, axis=1)[:, kth], dtype=np.float64)
    ordered = np.sort(sample, axis=1)
    return np.asarray(ordered[np.arange(n), width - rank], dtype=np.float64)


def candidate_mask(
    weights: FloatMatrix,
    capacity: IntArray,
    *,
    per_mentee: int = CANDIDATES_PER_MENTEE,
    per_slot: int = CANDIDATES_PER_SLOT,
) -> BoolMatrix:
    """Allowed pairs among the mentee's best mentors or the mentor's best mentees."""
    n = weights.shape[0]
    rng = np.random.default_rng(20261127)  # a fixed sample: identical inputs, identical output
    by_mentee = _row_thresholds(weights, np.full(n, per_mentee, dtype=np.int64), rng)
    # when mentors outnumber the demand, each needs fewer mentees on its list
    demand = min(1.0, n / max(int(capacity.sum()), 1))
    per_mentor = np.ceil(per_slot * (capacity + 1) * demand).astype(np.int64)
    by_mentor = _row_thresholds(weights.T, per_mentor, rng)
    by_mentor[capacity <= 0] = np.inf
    mask = (weights >= by_mentee[:, None]) | (weights >= by_mentor[None, :])
    mask &= np.isfinite(weights)
    mask[:, capacity <= 0] = False
    return mask


def _solve_restricted(
    rows: IntArray, cols: IntArray, w: FloatArray, n: int, capacity: IntArray
) -> IntArray:
    """Exact optimum on the candidate pairs (w > 0): the mentor of each mentee, or -1.

    A min-cost flow: source -> mentee (1) -> mentor (1, cost -w) -> sink (capacity), and
    mentee -> sink (1, cost 0) for "unmatched"; OR-Tools' cost-scaling push-relabel, in
    integers. Should it refuse the instance (cost range), scipy's sparse LAPJV on the
    capacity-expanded graph solves it instead.
    """
    keep = w > 0
    rows, cols, w = rows[keep], cols[keep], w[keep]
    m = len(capacity)
    source, sink = n + m, n + m + 1
    mentees = np.arange(n)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([np.full(n, source), rows, mentees, n + np.arange(m)]),
        np.concatenate([mentees, n + cols, np.full(n, sink), np.full(m, sink)]),
        np.concatenate([np.ones(n + len(rows) + n, dtype=np.int64), capacity]),
        np.concatenate([np.zeros(n), -w, np.zeros(n + m)]).astype(np.int64),
    )
    supplies = np.zeros(n + m + 2, dtype=np.int64)
    supplies[source], supplies[sink] = n, -n
    flow.set_nodes_supplies(np.arange(n + m + 2), supplies)
    if flow.solve() != flow.OPTIMAL:
        return _solve_restricted_lapjv(rows, cols, w, n, capacity)
    used = flow.flows(arcs[n : n + len(rows)]) > 0
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[rows[used]] = cols[used]
    return assignment


def _solve_restricted_lapjv(
    rows: IntArray, cols: IntArray, w: FloatArray, n: int, capacity: IntArray
) -> IntArray:
    """The same optimum with scipy's LAPJVsp, one column per unit of capacity (slower)."""
    first_slot = np.concatenate([[0], np.cumsum(capacity)])
    slots = int(first_slot[-1])
    copies = capacity[cols]
    pair = np.repeat(np.arange(len(rows)), copies)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(copies) - copies, copies)
    top = float(w.max()) + 1 if len(w) else 1.0
    graph = sp.csr_matrix(
        (
            np.concatenate([top - w[pair], np.full(n, top)]),
            (
                np.concatenate([rows[pair], np.arange(n)]),
                np.concatenate([first_slot[cols[pair]] + offset, slots + np.arange(n)]),
            ),
        ),
        shape=(n, slots + n),
    )
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    mentor_of_slot = np.repeat(np.arange(len(capacity)), capacity)
    assignment = np.full(n, -1, dtype=np.int64)
    real = matched_cols < slots
    assignment[matched_rows[real]] = mentor_of_slot[matched_cols[real]]
    return assignment


def _shortest_paths(
    src: IntArray, dst: IntArray, length: FloatArray, nodes: int, root: int
) -> FloatArray:
    """Bellman-Ford from root, one vectorised relaxation of every edge per pass.

    Passes stop when nothing changes (typically a few dozen); more than `nodes` passes
    mean a negative cycle, that is, an assignment that is not optimal.
    """
    order = np.argsort(dst, kind="stable")
    src, dst, length = src[order], dst[order], length[order]
    starts = np.flatnonzero(np.concatenate([[True], dst[1:] != dst[:-1]]))
    targets = dst[starts]
    dist = np.full(nodes, np.inf)
    dist[root] = 0.0
    for _ in range(nodes + 1):
        relaxed = np.minimum(dist[targets], np.minimum.reduceat(dist[src] + length, starts))
        if np.array_equal(relaxed, dist[targets]):
            return dist
        dist[targets] = relaxed
    raise CertificateError("the restricted assignment is not optimal (a negative cycle)")


def _duals(
    rows: IntArray,
    cols: IntArray,
    w: FloatArray,
    assignment: IntArray,
    capacity: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """(u, v) satisfying complementary slackness with the assignment on the candidate pairs."""
    n, m = len(assignment), len(capacity)
    root = m
    held = assignment[rows]
    matched = held >= 0
    own = np.full(n, np.nan)
    is_own = matched & (held == cols)
    own[rows[is_own]] = w[is_own]
    other = matched & ~is_own
    load = np.bincount(assignment[assignment >= 0], minlength=m)
    mentees = np.flatnonzero(assignment >= 0)
    open_mentors = np.flatnonzero((load < capacity) & (capacity > 0))
    live = np.flatnonzero(capacity > 0)
    src = np.concatenate(
        [
            cols[other],  # v_held <= v_j + w_i,held - w_ij
            np.full(len(mentees), root),  # v_held <= w_i,held  (u_i >= 0)
            cols[~matched],  # v_j >= w_ij for an unmatched mentee
            np.full(len(open_mentors), root),  # v_j <= 0 when j has room
            live,  # v_j >= 0
        ]
    )
    dst = np.concatenate(
        [
            held[other],
            assignment[mentees],
            np.full(int((~matched).sum()), root),
            open_mentors,
            np.full(len(live), root),
        ]
    )
    length = np.concatenate(
        [
            own[rows[other]] - w[other],
            own[mentees],
            -w[~matched],
            np.zeros(len(open_mentors)),
            np.zeros(len(live)),
        ]
    )
    v = _shortest_paths(src, dst, length, m + 1, root)[:m]
    v[capacity <= 0] = np.inf  # a mentor without capacity can take nobody: no constraint
    u = np.zeros(n)
    u[mentees] = own[mentees] - v[assignment[mentees]]
    return u, v


def _violations(weights: FloatMatrix, bonus: float, u: FloatArray, v: FloatArray) -> BoolMatrix:
    """Allowed pairs with w_ij + bonus > u_i + v_j (only NOT_ALLOWED pairs are -inf)."""
    out = np.empty(weights.shape, dtype=bool)
    for start in range(0, weights.shape[0], CHUNK):
        block = weights[start : start + CHUNK]
        slack = (u[start : start + CHUNK] - bonus)[:, None] + v[None, :]
        np.greater(block, slack, out=out[start : start + CHUNK])
    return out


@dataclass(frozen=True)
class Solution:
    """An assignment with its optimality certificate (duals of the full problem)."""

    assignment: IntArray  # mentor index per mentee, -1: unmatched
    mentee_duals: FloatArray  # u
    mentor_duals: FloatArray  # v (inf for a mentor without capacity)
    bonus: float  # added to every allowed pair's weight (EVERYONE_MATCHED)
    candidates: int  # pairs in the final candidate graph
    rounds: int  # restricted problems solved


def solve(
    weights: FloatMatrix,
    capacity: IntArray,
    *,
    maximise_count: bool,
    per_mentee: int = CANDIDATES_PER_MENTEE,
    per_slot: int = CANDIDATES_PER_SLOT,
) -> Solution:
    """A proven optimal assignment.

    weights holds integer-valued scores (mentees x mentors), NOT_ALLOWED (-inf) for a pair
    that may not be proposed. Without maximise_count the total weight is maximised and only
    pairs with a positive weight are proposed; with it, first the number of matched mentees,
    then the total weight.
    """
    n = weights.shape[0]
    capacity = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    if n == 0 or not capacity.any():
        nobody = np.full(n, -1, dtype=np.int64)
        return Solution(nobody, np.zeros(n), np.full(len(capacity), np.inf), 0.0, 0, 0)
    top = max(float(weights.max()), 0.0)  # NOT_ALLOWED is -inf, never +inf
    most = min(n, int(capacity.sum()))
    bonus = float(most * top + 1) if maximise_count else 0.0
    if most * (bonus + top) > EXACT_LIMIT:
        raise InvalidInput("the round is too large to be solved exactly: split it")
    mask = candidate_mask(weights, capacity, per_mentee=per_mentee, per_slot=per_slot)
    for round_ in range(1, MAX_ROUNDS + 1):
        if round_ == MAX_ROUNDS:  # a safety net never expected in practice: every allowed pair
            mask = np.isfinite(weights) & (capacity > 0)[None, :]
        rows, cols = np.nonzero(mask)
        w = weights[rows, cols] + bonus
        assignment = _solve_restricted(rows, cols, w, n, capacity)
        u, v = _duals(rows, cols, w, assignment, capacity)
        violated = _violations(weights, bonus, u, v)
        if not violated.any():
            _verify(weights, capacity=capacity, bonus=bonus, assignment=assignment, u=u, v=v)
            return Solution(assignment, u, v, bonus, len(rows), round_)
        mask |= violated
    raise CertificateError("no optimality certificate, even on the full graph")


def _verify(
    weights: FloatMatrix,
    *,
    bonus: float,
    capacity: IntArray,
    assignment: IntArray,
    u: FloatArray,
    v: FloatArray,
) -> None:
    """Primal feasibility and equal primal and dual objectives (dual feasibility is checked)."""
    mentees = np.flatnonzero(assignment >= 0)
    mentors = assignment[mentees]
    load = np.bincount(mentors, minlength=len(capacity))
    primal = float((weights[mentees, mentors] + bonus).sum())
    live = capacity > 0
    dual = float(u.sum() + (capacity[live] * v[live]).sum())
    if (load > capacity).any() or not np.isfinite(primal) or (u < 0).any() or (v < 0).any():
        raise CertificateError("the assignment or its duals are not feasible")
    if primal != dual:
        raise CertificateError(f"primal {primal} and dual {dual} objectives differ")
