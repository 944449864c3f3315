"""HTTP API of matching: the routers of every resource, under /api/v1."""

from __future__ import annotations

from mentoring.matching.entrypoints.routes import (
    org,
    pairs,
    participants,
    programmes,
    rounds,
    tenants,
)

routers = [
    tenants.router,
    programmes.router,
    org.router,
    participants.router,
    rounds.router,
    pairs.router,
]
