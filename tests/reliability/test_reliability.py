"""The reliability and security proof at the reduced size (docs/reliability.md): the system runs
as OS processes on a private Postgres + Kafka instance that these tests start and stop. The
figures are printed and written to reports/reliability-reduced.md (and .json)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.reliability.chaos import run_chaos
from tests.reliability.erasure import run_erasure
from tests.reliability.fuzzing import run_fuzzing
from tests.reliability.harness import System, running_system
from tests.reliability.isolation import run_isolation
from tests.reliability.poison import run_poison
from tests.reliability.population import Ministry, provision, provision_ministry
from tests.reliability.suite import REDUCED, REPORTS, failed, write_report

pytestmark = pytest.mark.integration

SIZE = REDUCED
RESULTS: dict[str, dict[str, Any]] = {}
STARTED = datetime.now(UTC)


@pytest.fixture(scope="module")
async def system() -> AsyncIterator[System]:
    async with running_system(REPORTS / "reliability-run") as running:
        yield running
    path, markdown = write_report(SIZE, RESULTS, STARTED, "reliability-reduced")
    print(f"\n{markdown}\n(written to {path})")


@pytest.fixture(scope="module")
async def ministries(system: System) -> list[Ministry]:
    return await provision(system.platform, SIZE.tenants, SIZE.pairs)


async def _run(part: str, work: Awaitable[dict[str, Any]]) -> None:
    try:
        figures = await work
    except Exception as exc:  # in the report too, then the test fails with it
        RESULTS[part] = {"error": repr(exc)}
        raise
    _record(part, figures)


def _record(part: str, figures: dict[str, Any]) -> None:
    RESULTS[part] = figures
    print(f"\n{part}: {figures}")
    problems = failed(part, figures)
    assert not problems, f"{part}: {problems}\n{figures}"


@pytest.mark.timeout(900)
async def test_chaos(system: System, ministries: list[Ministry]) -> None:
    await _run(
        "chaos",
        run_chaos(
            system,
            ministries,
            sessions=SIZE.sessions,
            clients=SIZE.clients,
            load_seconds=SIZE.load_seconds,
        ),
    )


@pytest.mark.timeout(600)
async def test_poison_messages(system: System) -> None:
    ministry = await provision_ministry(system.platform, 2)
    await _run(
        "poison",
        run_poison(
            system,
            ministry,
            events=SIZE.poison_events,
            invalid=SIZE.poison_invalid,
            transient=SIZE.poison_transient,
        ),
    )


@pytest.mark.timeout(600)
async def test_tenant_isolation_and_forged_tokens(
    system: System, ministries: list[Ministry]
) -> None:
    extra = await provision_ministry(system.platform, 3)
    await _run(
        "isolation",
        run_isolation(system, [*ministries, extra], requests=SIZE.isolation_requests),
    )


@pytest.mark.timeout(600)
async def test_fuzzing(system: System) -> None:
    ministry = await provision_ministry(system.platform, 3)
    await _run(
        "fuzzing",
        asyncio.to_thread(run_fuzzing, system, ministry, max_examples=SIZE.fuzz_examples),
    )


@pytest.mark.timeout(600)
async def test_erasure(system: System) -> None:
    await _run("erasure", run_erasure(system))
