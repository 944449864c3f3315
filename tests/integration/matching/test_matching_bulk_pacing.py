"""Bulk calls paced by MENTORING_BULK_DUTY (kit.pacing, DESIGN.md §6): with a duty below 1, the
import, the round and the publication pause between their chunks - counted in
`mentoring_bulk_paused_seconds_total` - and still do all their work, all or nothing as before."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mentoring.matching.config import MatchingSettings
from tests.integration.matching.conftest import employee

PAUSED = re.compile(r'^mentoring_bulk_paused_seconds_total\{service="matching"\} (\S+)$', re.M)


@pytest.fixture
def matching_settings(matching_settings: MatchingSettings) -> MatchingSettings:
    """The package's settings, paced at half duty."""
    return matching_settings.model_copy(update={"bulk_duty": 0.5})


async def _paused(api: httpx.AsyncClient) -> float:
    found = PAUSED.search((await api.get("/metrics")).text)
    return float(found.group(1)) if found else 0.0


async def test_paced_import_round_and_publication_do_all_their_work(
    ministry: Callable[[], Any], api: httpx.AsyncClient
) -> None:
    m = await ministry().provision()
    before = await _paused(api)
    rows = [employee("E0", unit="D0")] + [
        employee(f"E{i}", unit=f"D{i % 20}", manager="E0", parent_unit="D0" if i % 20 else "")
        for i in range(1, 2000)
    ]
    summary = await m.import_org(rows)
    assert summary["people_created"] == 2000
    after_import = await _paused(api)
    assert after_import > before  # 2,000 people and their contact events: more than a quantum

    programme = await m.programme()
    known = sorted(e for e in m.people if e != "E0")  # the first page of people
    for e in known[:30]:
        await m.enrol(programme, e, "mentor")
    for e in known[30:120]:
        await m.enrol(programme, e, "mentee")
    draft = await m.run_round(programme)
    assert draft["proposals"] > 0
    published = await m.publish(draft["id"])
    assert published["status"] == "published"
    assert published["published"] == draft["proposals"]
    assert len(await m.pairs(programme)) == draft["proposals"]
    assert await _paused(api) >= after_import
