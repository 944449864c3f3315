"""Unexpected errors become RFC 9457 problems without internals; an unreachable dependency (the
database restarting) is a 503 with Retry-After, so clients retry instead of giving up."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from mentoring.kit.problems import install_problem_handlers


class ConnectionDoesNotExistError(Exception):
    """Named as asyncpg's: the connection was closed in the middle of an operation."""


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/refused")
    async def refused() -> None:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as exc:
            raise RuntimeError("could not reach the database") from exc

    @app.get("/dropped")
    async def dropped() -> None:
        raise ConnectionDoesNotExistError("connection was closed in the middle of operation")

    @app.get("/bug")
    async def bug() -> None:
        raise KeyError("secret internals")

    return app


@pytest.mark.parametrize("path", ["/refused", "/dropped"])
async def test_an_unreachable_dependency_is_a_503_with_retry_after(path: str) -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(path)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:mentoring:problem:unavailable"


async def test_a_bug_is_a_500_that_shows_no_internals() -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/bug")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json()["type"] == "urn:mentoring:problem:internal"
