"""The events matching consumes, each delivered twice through the real broker: a failed fit
check offers a re-match, an inactive pair is flagged; each has its effect once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events.analytics import PairInactive
from mentoring.contracts.events.sessions import FeedbackSubmitted
from mentoring.kit.envelope import ce_headers, encode_data, to_kafka_headers
from mentoring.kit.kafka import make_producer
from mentoring.kit.testing import eventually, running

SKILLS = {"prawo administracyjne": 3}


async def _publish(bootstrap: str, topic: str, event: EventData, times: int) -> UUID:
    """The same event (same id) `times` times: what a redelivery looks like."""
    event_id = uuid4()
    headers = to_kafka_headers(ce_headers(event, event_id=event_id, time=event.occurred_at))
    producer = make_producer(bootstrap, client_id="matching-test")
    await producer.start()
    try:
        for _ in range(times):
            await producer.send_and_wait(
                topic, value=encode_data(event), key=event.subject.encode(), headers=headers
            )
    finally:
        await producer.stop()
    return event_id


async def test_fit_check_and_inactivity_are_handled_once(
    ministry: Callable[[], Any],
    matching_worker: Callable[[], Any],
    matching_settings: Any,
    admin_db: Callable[[str], Any],
) -> None:
    m = await ministry().provision()
    await m.import_org([_e("A"), _e("B"), _e("T")])
    programme = await m.programme(max_mentees_per_mentor=2)
    await m.enrol(programme, "A", "mentor", skills=SKILLS)
    await m.enrol(programme, "B", "mentor", skills={"prawo administracyjne": 1})
    await m.enrol(programme, "T", "mentee", goals=SKILLS)
    request = await m.api.post(
        f"/api/v1/programmes/{programme}/requests",
        json={"mentor_id": str(m.people["A"])},
        headers=m.person("T"),
    )
    pair_id = request.json()["id"]
    accepted = await m.api.post(f"/api/v1/pairs/{pair_id}/accept", headers=m.person("A"))
    assert accepted.json()["status"] == "active"
    tenant, pair = m.tenant_id, UUID(pair_id)
    bootstrap, ns = matching_settings.kafka_bootstrap, matching_settings.topic_namespace
    db = await admin_db("matching")

    def feedback(sequence: int, fit: bool) -> FeedbackSubmitted:
        return FeedbackSubmitted(
            tenant_id=tenant,
            sequence=sequence,
            occurred_at=datetime.now(UTC),
            pair_id=pair,
            programme_id=programme,
            session_id=uuid4(),
            participant_id=m.people["T"],
            rating=2,
            fit_check=fit,
        )

    def inactive(sequence: int) -> PairInactive:
        return PairInactive(
            tenant_id=tenant,
            sequence=sequence,
            occurred_at=datetime.now(UTC),
            pair_id=pair,
            programme_id=programme,
            inactive_days=45,
            threshold_days=30,
        )

    async def inbox_has(event_id: UUID) -> bool:
        found = await db.fetchval(
            "select count(*) from inbox_message where event_id = $1", event_id
        )
        return bool(found)

    async with running(matching_worker()):
        await _publish(bootstrap, ns + topics.SESSIONS, feedback(1, False), times=2)
        marker = await _publish(bootstrap, ns + topics.SESSIONS, feedback(2, True), times=1)
        await _publish(bootstrap, ns + topics.ANALYTICS, inactive(1), times=2)
        later = await _publish(bootstrap, ns + topics.ANALYTICS, inactive(2), times=1)
        # Events of one pair are handled in order: once the later ones are in the inbox, both
        # deliveries of the earlier ones have been handled.
        await eventually(lambda: inbox_has(marker), timeout=60, what="feedback handled")
        await eventually(lambda: inbox_has(later), timeout=60, what="inactivity handled")

    flagged = await db.fetch(
        "select payload->>'flag' as flag from outbox_message "
        "where key = $1 and event_type = 'matching.pair_flagged.v1' order by position",
        pair_id,
    )
    # once each (two topics, two consumers: no order between them)
    assert sorted(r["flag"] for r in flagged) == ["inactive", "rematch_offered"]
    shown = (await m.api.get(f"/api/v1/pairs/{pair_id}", headers=m.coordinator)).json()
    assert set(shown["flags"]) == {"rematch_offered", "inactive"}
    assert shown["status"] == "active"
    listed = await m.pairs(programme, flag="inactive")
    assert [p["id"] for p in listed] == [pair_id]

    # The mentee takes the re-match: the pair ends, the mentee is free, never with A again.
    assert (
        await m.api.post(f"/api/v1/pairs/{pair_id}/rematch", headers=m.person("A"))
    ).status_code == 403
    rematch = await m.api.post(f"/api/v1/pairs/{pair_id}/rematch", headers=m.person("T"))
    assert (rematch.status_code, rematch.json()["end_reason"]) == (200, "rematch")
    assert (
        await m.api.post(f"/api/v1/pairs/{pair_id}/rematch", headers=m.person("T"))
    ).status_code == 409
    follow_up = await m.run_round(programme)
    assert await m.proposals(follow_up["id"]) == {m.people["T"]: m.people["B"]}


def _e(employee_id: str) -> dict[str, str]:
    return {
        "employee_id": employee_id,
        "first_name": f"Piotr{employee_id}",
        "last_name": "Zieliński",
        "email": f"{employee_id.lower()}@example.gov.pl",
        "unit_code": f"U{employee_id}",
        "unit_name": f"Departament {employee_id}",
    }
