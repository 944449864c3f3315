"""Programme figures for coordinators and analysts, with small groups suppressed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from mentoring.sessions.adapters.stats import programme_stats
from mentoring.sessions.domain.privacy import Figure
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork


async def programme_figures(uow: SessionsUnitOfWork, programme_id: UUID | None) -> dict[str, Any]:
    raw = await programme_stats(uow.session, programme_id)
    pairs = raw["pairs"]
    sessions, minutes, session_people = raw["sessions"]
    fb = raw["feedback"]
    mean_rating = float(fb["mean_rating"]) if fb["mean_rating"] is not None else None
    return {
        "programme_id": programme_id,
        "pairs_active": Figure.of(*_count(pairs.get("active"))),
        "pairs_ended": Figure.of(*_count(pairs.get("ended"))),
        "sessions_logged": Figure.of(sessions, session_people),
        "minutes_logged": Figure.of(minutes, session_people),
        "feedback_responses": Figure.of(int(fb["responses"]), int(fb["people"])),
        "mean_rating": Figure.of(
            round(mean_rating, 2) if mean_rating is not None else None, int(fb["people"])
        ),
        "fit_checks_answered": Figure.of(int(fb["fit_checks"]), int(fb["fit_people"])),
        "fit_checks_not_a_good_match": Figure.of(
            int(fb["not_a_good_match"]), int(fb["fit_people"])
        ),
        "surveys": [
            {
                "instrument": r["instrument"],
                "instrument_version": r["instrument_version"],
                "wave": r["wave"],
                "issued": Figure.of(int(r["issued"]), int(r["issued_people"])),
                "responses": Figure.of(int(r["responses"]), int(r["people"])),
                "mean_score": Figure.of(
                    round(float(r["mean_score"]), 3) if r["mean_score"] is not None else None,
                    int(r["people"]),
                ),
            }
            for r in raw["surveys"]
        ],
    }


def _count(row: tuple[int, int] | None) -> tuple[float | None, int]:
    if row is None:
        return 0, 0
    return row[0], row[1]
