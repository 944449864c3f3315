"""The score matrix (mentees x mentors), built with one sparse-by-dense matrix product.

Each criterion is a value in [0, 1] for a (mentee, mentor) pair; the score is the weighted sum,
so every score splits exactly into per-criterion contributions:

- skills: the share of the mentee's wanted levels that the mentor covers,
  sum_s min(offered_js, wanted_is) / sum_s wanted_is over the mentee's goals s (levels 1..5);
- seniority: the mentor's lead in years of experience, saturating at SENIORITY_SATURATION
  years (no lead, or a junior mentor, gives 0);
- languages: 1 when the two share at least one language;
- location: 1 when both give the same location or both are willing to meet remotely;
- availability: the share of the mentee's wanted hours per month that the mentor offers,
  min(h_mentee, h_mentor) / h_mentee (1 when the mentee asks for no hours).

Scores are whole numbers of SCORE_UNIT (1e-6 points). Every criterion is a bilinear form
X_c @ T_c over a shared vocabulary, with X_c (mentees x keys) sparse and T_c (keys x mentors)
dense, so the whole matrix is ONE sparse-by-dense product X @ T (about nine non-zeros per mentee):
- skills: keys (wanted level g, skill s), T[(g, s), j] = min(offered_js, g) and the mentee's
  entries weight / SCORE_UNIT / (sum of wanted levels);
- the others: keys are the distinct mentee values (seniority, language set, location and
  remote, hours), X_c is one-hot and T_c[key, j] = round(weight * f(key, mentor j) / SCORE_UNIT),
  a whole number.
The product is rounded once to whole units. The solver and any reference solver work on that
one integer matrix, whose sums stay far below 2**53, so totals are exact. An explanation takes
every criterion but skills as its exact whole-unit table entry and skills as the rest of the
score, so the contributions add up to the score exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mentoring.kit.errors import InvalidInput
from mentoring.matching.domain.engine.model import Profile, Weights

SCORE_UNIT = 1e-6
UNITS_PER_POINT = 1_000_000
SENIORITY_SATURATION = 10
MAX_LEVEL = 5
CRITERIA: tuple[str, ...] = ("skills", "seniority", "languages", "location", "availability")

FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
MAX_WEIGHT_SUM = 1_000


def _units(weight: float) -> float:
    return weight * UNITS_PER_POINT


@dataclass(frozen=True)
class ScoreModel:
    """The factors of the score: score matrix = x @ table, criterion c in its column block."""

    x: sp.csr_matrix  # mentees x keys
    table: FloatMatrix  # keys x mentors, C-contiguous
    blocks: tuple[tuple[str, int, int], ...]  # (criterion, first key, end key)

    def matrix(self) -> FloatMatrix:
        """Scores in units of SCORE_UNIT as an integer-valued float64 array (mentees x mentors)."""
        n, m = self.x.shape[0], self.table.shape[1]
        if n == 0 or m == 0:
            return np.zeros((n, m))
        scores = np.asarray(self.x @ self.table, dtype=np.float64)
        return np.rint(scores, out=scores)

    def contributions(
        self, mentee_idx: IntArray, mentor_idx: IntArray, scores: FloatArray
    ) -> npt.NDArray[np.int64]:
        """Per-criterion contributions (pairs x criteria, in units) of pairs with these scores.

        Every criterion but skills is an exact integer; skills is the rest of the score, so
        the contributions add up to it exactly.
        """
        out = np.zeros((len(mentee_idx), len(self.blocks)), dtype=np.int64)
        if len(mentee_idx) == 0:
            return out
        rows = self.x[mentee_idx]
        counts = np.diff(rows.indptr)
        pair_of_nnz = np.repeat(np.arange(len(mentee_idx)), counts)
        values = rows.data * self.table[rows.indices, mentor_idx[pair_of_nnz]]
        block_of_nnz = np.searchsorted([end for _, _, end in self.blocks], rows.indices, "right")
        keyed = block_of_nnz > 0
        np.add.at(
            out, (pair_of_nnz[keyed], block_of_nnz[keyed]), np.rint(values[keyed]).astype(np.int64)
        )
        out[:, 0] = np.rint(scores).astype(np.int64) - out[:, 1:].sum(axis=1)
        return out


def to_points(units: int) -> float:
    """A score in units as points (the nearest float to units * 1e-6)."""
    return units / UNITS_PER_POINT


_SKILLS = attrgetter("skills")
_ATTRIBUTES = attrgetter("seniority", "hours_per_month", "remote", "location", "languages")


@dataclass(frozen=True)
class _Side:
    """One side's profiles as arrays; text values coded through vocabularies both sides share."""

    seniority: IntArray
    hours: IntArray
    remote: npt.NDArray[np.bool_]
    location: IntArray  # -1: none given
    languages: IntArray  # code of the language set
    skill_owner: IntArray  # one entry per (profile, skill)
    skill: IntArray
    level: IntArray

    @classmethod
    def of(
        cls,
        profiles: Sequence[Profile],
        places: dict[str | None, int],
        language_sets: dict[frozenset[str], int],
        skills: dict[str, int],
        *,
        add_skills: bool,
    ) -> _Side:
        # C-level passes (map, zip, dict.fromkeys): per-profile Python work dominates small rounds
        n = len(profiles)
        columns = list(zip(*map(_ATTRIBUTES, profiles), strict=True)) or [()] * 5
        seniority, hours, remote, location, languages = columns
        skill_maps = list(map(_SKILLS, profiles))
        names = [name for given in skill_maps for name in given]
        levels = [level for given in skill_maps for level in given.values()]
        if add_skills:
            for name in dict.fromkeys(names):
                skills.setdefault(name, len(skills))
        for place in dict.fromkeys(location):
            if place:
                places.setdefault(place, len(places))
        for language_set in dict.fromkeys(languages):
            language_sets.setdefault(language_set, len(language_sets))
        return cls(
            seniority=np.array(seniority, dtype=np.int64).reshape(n),
            hours=np.array(hours, dtype=np.int64).reshape(n),
            remote=np.array(remote, dtype=bool).reshape(n),
            location=np.array(list(map(places.get, location, repeat(-1))), dtype=np.int64).reshape(
                n
            ),
            languages=np.array(
                list(map(language_sets.__getitem__, languages)), dtype=np.int64
            ).reshape(n),
            skill_owner=np.repeat(np.arange(n), list(map(len, skill_maps))),
            skill=np.array(list(map(skills.get, names, repeat(-1))), dtype=np.int64).reshape(
                len(names)
            ),
            level=np.array(levels, dtype=np.int64).reshape(len(names)),
        )

    def check(self, profiles: Sequence[Profile], capacity: bool) -> None:
        bad = (self.seniority < 0) | (self.hours < 0)
        if capacity:
            bad |= np.array([p.capacity < 0 for p in profiles], dtype=bool).reshape(bad.shape)
        if bad.any():
            culprit = profiles[int(np.argmax(bad))].id
            raise InvalidInput(f"profile {culprit}: hours, seniority and capacity must be >= 0")
        wrong = (self.level < 1) | (self.level > MAX_LEVEL)
        if wrong.any():
            culprit = profiles[int(self.skill_owner[int(np.argmax(wrong))])].id
            raise InvalidInput(f"profile {culprit}: skill levels must be 1..{MAX_LEVEL}")


def _check_weights(weights: Weights) -> None:
    for name in CRITERIA:
        w = getattr(weights, name)
        if not (math.isfinite(w) and w >= 0):
            raise InvalidInput(f"weight {name} must be a finite non-negative number")
    if sum(getattr(weights, name) for name in CRITERIA) > MAX_WEIGHT_SUM:
        raise InvalidInput(f"weights are too large: their sum must stay below {MAX_WEIGHT_SUM}")


def _one_hot(codes: IntArray, width: int, values: FloatArray | None = None) -> sp.csr_matrix:
    n = len(codes)
    data = np.ones(n) if values is None else values
    return sp.csr_matrix((data, codes, np.arange(n + 1)), shape=(n, width))


def build_score_model(
    mentees: Sequence[Profile], mentors: Sequence[Profile], weights: Weights
) -> ScoreModel:
    """The factors of the score matrix (see the module docstring)."""
    _check_weights(weights)
    places: dict[str | None, int] = {}
    language_sets: dict[frozenset[str], int] = {}
    skills: dict[str, int] = {}
    a = _Side.of(mentees, places, language_sets, skills, add_skills=True)
    b = _Side.of(mentors, places, language_sets, skills, add_skills=False)
    a.check(mentees, capacity=False)
    b.check(mentors, capacity=True)
    n, m, v = len(mentees), len(mentors), len(skills)

    # distinct mentee values of each keyed criterion
    seniority_keys, seniority_code = np.unique(a.seniority, return_inverse=True)
    hours_keys, hours_code = np.unique(a.hours, return_inverse=True)
    language_keys, language_code = np.unique(a.languages, return_inverse=True)
    place_keys, place_code = np.unique(a.location * 2 + a.remote, return_inverse=True)
    sizes = {
        "skills": MAX_LEVEL * v,
        "seniority": len(seniority_keys),
        "languages": len(language_keys),
        "location": len(place_keys),
        "availability": len(hours_keys),
    }
    blocks: list[tuple[str, int, int]] = []
    start = 0
    for name in CRITERIA:
        blocks.append((name, start, start + sizes[name]))
        start += sizes[name]
    first = {name: begin for name, begin, _ in blocks}
    table = np.empty((start, m))

    # skills: T[(g, s), j] = min(offered_js, g); the mentee's entries are W / wanted
    offered = np.zeros((v, m))
    known = b.skill >= 0
    offered[b.skill[known], b.skill_owner[known]] = b.level[known]
    for g in range(1, MAX_LEVEL + 1):
        at = first["skills"] + (g - 1) * v
        np.minimum(offered, g, out=table[at : at + v])
    wanted = np.bincount(a.skill_owner, weights=a.level, minlength=n)
    per_level = _units(weights.skills) / np.maximum(wanted, 1)
    skill_x = sp.csr_matrix(
        (
            per_level[a.skill_owner],
            (a.level - 1) * v + a.skill,
            np.concatenate([[0], np.cumsum(np.bincount(a.skill_owner, minlength=n))]),
        ),
        shape=(n, MAX_LEVEL * v),
    )

    def fill(name: str, rows: FloatMatrix, weight: float) -> None:
        at = first[name]
        np.rint(rows * _units(weight), out=table[at : at + len(rows)])

    lead = b.seniority[None, :] - seniority_keys[:, None]
    fill(
        "seniority",
        np.clip(lead, 0, SENIORITY_SATURATION) / SENIORITY_SATURATION,
        weights.seniority,
    )

    by_code = list(language_sets)
    vocabulary: dict[str, int] = {}
    for languages in by_code:
        for language in languages:
            vocabulary.setdefault(language, len(vocabulary))
    spoken = np.zeros((len(by_code), len(vocabulary)), dtype=bool)
    for code, languages in enumerate(by_code):
        spoken[code, [vocabulary[x] for x in languages]] = True
    shared = spoken[language_keys].astype(np.float64) @ spoken[b.languages].T.astype(np.float64)
    fill("languages", (shared > 0).astype(np.float64), weights.languages)

    place, willing = place_keys // 2, (place_keys % 2).astype(bool)
    same = (place[:, None] == b.location[None, :]) & (place[:, None] >= 0)
    fill(
        "location",
        (same | (willing[:, None] & b.remote[None, :])).astype(np.float64),
        weights.location,
    )

    wanted_hours = hours_keys[:, None].astype(np.float64)
    offered_hours = np.minimum(b.hours[None, :], wanted_hours)
    share = np.divide(
        offered_hours, wanted_hours, out=np.ones_like(offered_hours), where=wanted_hours > 0
    )
    fill("availability", share, weights.availability)

    x = sp.hstack(
        [
            skill_x,
            _one_hot(seniority_code, sizes["seniority"]),
            _one_hot(language_code, sizes["languages"]),
            _one_hot(place_code, sizes["location"]),
            _one_hot(hours_code, sizes["availability"]),
        ],
        format="csr",
    )
    return ScoreModel(x=x, table=table, blocks=tuple(blocks))
