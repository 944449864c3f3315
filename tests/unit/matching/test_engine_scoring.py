"""Scores and explanations: each criterion against a direct per-pair formula."""

from __future__ import annotations

import random
from uuid import UUID

import numpy as np
import pytest

from mentoring.matching.domain.engine import CRITERIA, Mode, Profile, Rules, Weights, match
from mentoring.matching.domain.engine.scoring import SENIORITY_SATURATION, build_score_model

SKILLS = [f"skill-{k}" for k in range(8)]


def direct(mentee: Profile, mentor: Profile) -> dict[str, float]:
    """Each criterion in [0, 1], written out pair by pair."""
    wanted = sum(mentee.skills.values())
    covered = sum(min(mentor.skills.get(s, 0), g) for s, g in mentee.skills.items())
    lead = mentor.seniority - mentee.seniority
    same_place = mentee.location is not None and mentee.location == mentor.location
    return {
        "skills": covered / wanted if wanted else 0.0,
        "seniority": min(max(lead, 0), SENIORITY_SATURATION) / SENIORITY_SATURATION,
        "languages": 1.0 if mentee.languages & mentor.languages else 0.0,
        "location": 1.0 if same_place or (mentee.remote and mentor.remote) else 0.0,
        "availability": (
            min(mentee.hours_per_month, mentor.hours_per_month) / mentee.hours_per_month
            if mentee.hours_per_month
            else 1.0
        ),
    }


def random_profile(rnd: random.Random, k: int) -> Profile:
    return Profile(
        id=UUID(int=k),
        skills={s: rnd.randint(1, 5) for s in rnd.sample(SKILLS, rnd.randint(0, 4))},
        languages=frozenset(rnd.sample(["pl", "en", "de"], rnd.randint(0, 2))),
        location=rnd.choice([None, "Warszawa", "Kraków"]),
        remote=rnd.random() < 0.5,
        hours_per_month=rnd.randint(0, 8),
        seniority=rnd.randint(0, 30),
        capacity=rnd.randint(1, 3),
    )


def test_every_criterion_matches_its_direct_formula() -> None:
    rnd = random.Random(5)
    mentees = [random_profile(rnd, k) for k in range(40)]
    mentors = [random_profile(rnd, 100 + k) for k in range(15)]
    weights = Weights(skills=4.5, seniority=1.25, languages=2, location=0.5, availability=3)
    model = build_score_model(mentees, mentors, weights)
    rows, cols = (a.ravel() for a in np.indices((len(mentees), len(mentors))))

    matrix = model.matrix()
    units = model.contributions(rows, cols, matrix[rows, cols])
    parts = units / 1_000_000

    for k, (i, j) in enumerate(zip(rows, cols, strict=True)):
        expected = direct(mentees[i], mentors[j])
        for c, name in enumerate(CRITERIA):
            assert parts[k, c] == pytest.approx(getattr(weights, name) * expected[name], abs=5e-5)
        assert matrix[i, j] == units[k].sum()  # whole units that add up exactly


def test_the_score_matrix_is_integral_and_reproducible() -> None:
    rnd = random.Random(9)
    mentees = [random_profile(rnd, k) for k in range(30)]
    mentors = [random_profile(rnd, 100 + k) for k in range(10)]
    first = build_score_model(mentees, mentors, Weights()).matrix()
    again = build_score_model(list(reversed(mentees)), mentors, Weights()).matrix()
    assert (first == np.rint(first)).all()
    assert (again[::-1] == first).all()


def test_levels_matter_a_higher_level_covers_more() -> None:
    mentee = Profile(UUID(int=1), skills={"law": 4, "data": 2}, remote=False)
    strong = Profile(UUID(int=2), skills={"law": 5, "data": 2}, remote=False)
    partial = Profile(UUID(int=3), skills={"law": 2, "data": 5}, remote=False)
    only_skills = Weights(skills=6, seniority=0, languages=0, location=0, availability=0)
    result = match([mentee], [strong, partial], only_skills, Rules())
    assert result.proposals[0].mentor_id == strong.id
    assert result.proposals[0].score == 6.0
    model = build_score_model([mentee], [strong, partial], only_skills)
    assert model.matrix()[0, 1] == 4_000_000  # (2 + 2) of 6 wanted levels


def test_explanations_list_the_top_three_contributions_that_sum_to_the_score() -> None:
    rnd = random.Random(11)
    mentees = [random_profile(rnd, k) for k in range(30)]
    mentors = [random_profile(rnd, 100 + k) for k in range(12)]
    result = match(mentees, mentors, Weights(), Rules(Mode.EVERYONE_MATCHED))
    assert result.proposals
    for p in result.proposals:
        assert [name for name, _ in p.breakdown] == list(CRITERIA)
        assert sum(value for _, value in p.breakdown) == pytest.approx(p.score, abs=1e-9)
        ranked = sorted((v for _, v in p.breakdown if v > 0), reverse=True)
        assert [v for _, v in p.explanation] == ranked[:3]
        assert all(value > 0 for _, value in p.explanation)
        assert dict(p.explanation).items() <= dict(p.breakdown).items()


def test_an_explanation_names_what_made_the_pair() -> None:
    mentee = Profile(
        UUID(int=1),
        skills={"budget": 3},
        languages=frozenset({"pl"}),
        location="Gdańsk",
        remote=False,
        hours_per_month=4,
        seniority=2,
    )
    mentor = Profile(
        UUID(int=2),
        skills={"budget": 5},
        languages=frozenset({"en"}),
        location="Gdańsk",
        remote=False,
        hours_per_month=2,
        seniority=7,
    )
    (proposal,) = match([mentee], [mentor], Weights(), Rules()).proposals
    # ties keep the fixed criterion order: seniority before availability
    assert proposal.explanation == (("skills", 5.0), ("location", 1.0), ("seniority", 0.5))
    assert dict(proposal.breakdown) == {
        "skills": 5.0,
        "seniority": 0.5,
        "languages": 0.0,
        "location": 1.0,
        "availability": 0.5,
    }
    assert proposal.score == 7.0
