"""Why a pair was proposed: each criterion's contribution to its score."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mentoring.matching.domain.engine.model import Profile, Proposal
from mentoring.matching.domain.engine.scoring import (
    UNITS_PER_POINT,
    FloatArray,
    IntArray,
    ScoreModel,
)

TOP = 3


def explain(
    model: ScoreModel,
    *,
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    mentee_idx: IntArray,
    mentor_idx: IntArray,
    scores: FloatArray,
) -> tuple[Proposal, ...]:
    """One proposal per pair (with its score in units), in the order given, explained."""
    units = model.contributions(mentee_idx, mentor_idx, scores)
    names = [name for name, _, _ in model.blocks]
    # largest first; equal contributions keep the fixed criterion order
    order = np.argsort(-units, axis=1, kind="stable")[:, :TOP]
    top_units = np.take_along_axis(units, order, axis=1)
    points = (units / UNITS_PER_POINT).tolist()  # the same float as units / 1_000_000 in Python
    top_points = (top_units / UNITS_PER_POINT).tolist()
    score_points = (units.sum(axis=1) / UNITS_PER_POINT).tolist()
    return tuple(
        Proposal(
            mentee_id=mentees[i].id,
            mentor_id=mentors[j].id,
            score=score,
            explanation=tuple(
                (names[c], value) for c, value, u in zip(top, values, kept, strict=True) if u > 0
            ),
            breakdown=tuple(zip(names, breakdown, strict=True)),
        )
        for i, j, score, top, values, kept, breakdown in zip(
            mentee_idx.tolist(),
            mentor_idx.tolist(),
            score_points,
            order.tolist(),
            top_points,
            top_units.tolist(),
            points,
            strict=True,
        )
    )
