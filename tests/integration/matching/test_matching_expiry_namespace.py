"""The request-expiry job of one deployment expires only the requests its own deployment created:
two deployments with different topic namespaces share the matching database (as test modules and
`make up` do), and the other one's job leaves a request alone even when it is long overdue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from mentoring.contracts import topics
from mentoring.kit.db import create_engine, session_factory
from mentoring.kit.outbox import Outbox
from mentoring.matching.config import MatchingSettings
from mentoring.matching.entrypoints import worker
from tests.integration.matching.conftest import employee

SKILLS = {"komunikacja": 4}


async def _expire(settings: MatchingSettings, now: datetime) -> None:
    """One run of the request-expiry job of the deployment of `settings`, at `now`."""
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=1)
    try:
        build = worker.jobs(settings.expiry_scan_seconds, clock=lambda: now)
        [job] = build(session_factory(engine), Outbox(namespace=settings.topic_namespace))
        await job.run()
    finally:
        await engine.dispose()


async def test_a_request_expires_only_in_the_namespace_that_created_it(
    ministry: Callable[[], Any],
    matching_settings: MatchingSettings,
    settings_for: Callable[..., Any],
    admin_db: Callable[[str], Any],
) -> None:
    other: MatchingSettings = settings_for(
        "matching", topic_namespace=matching_settings.topic_namespace + "b."
    )
    m = await ministry().provision()
    await m.import_org([employee("M", "U1"), employee("E", "U2")])
    programme = await m.programme(request_expiry_days=2)
    await m.enrol(programme, "M", "mentor", skills=SKILLS)
    await m.enrol(programme, "E", "mentee", goals=SKILLS)
    request = await m.api.post(
        f"/api/v1/programmes/{programme}/requests",
        json={"mentor_id": str(m.people["M"])},
        headers=m.person("E"),
    )
    assert request.status_code == 201, request.text
    pair_id = UUID(request.json()["id"])
    overdue = datetime.now(UTC) + timedelta(days=3)  # past the two days the mentor had

    db = await admin_db("matching")

    async def state() -> tuple[str, str, list[tuple[str, str]]]:
        row = await db.fetchrow("select status, namespace from pair where pair_id = $1", pair_id)
        events = await db.fetch(
            "select topic, event_type from outbox_message where key = $1 order by position",
            str(pair_id),
        )
        return row["status"], row["namespace"], [(e["topic"], e["event_type"]) for e in events]

    proposed = await state()
    assert proposed[:2] == ("proposed", matching_settings.topic_namespace)

    await _expire(other, overdue)
    assert await state() == proposed  # not B's request: untouched, nothing announced

    await _expire(matching_settings, overdue)
    status, _, events = await state()
    assert status == "expired"
    assert events == [
        *proposed[2],
        (matching_settings.topic_namespace + topics.MATCHING, "matching.pair_declined.v1"),
    ]
