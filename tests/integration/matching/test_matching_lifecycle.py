"""The pair lifecycle through the API: both accept -> pair_created, decline -> pair_declined,
illegal transitions answer 409; a mentee's request expires when the mentor does not answer.
The events are read back from the real broker."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from mentoring.contracts import topics
from mentoring.kit.testing import eventually, read_topic, running

SKILLS = {"komunikacja": 4}


def _events(records: list[Any], pair_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The pair's events in topic order, the first copy of each (delivery is at least once)."""
    out, seen = [], set()
    for r in records:
        headers = {k: v.decode() for k, v in r.headers}
        if r.key.decode() == pair_id and headers["ce_id"] not in seen:
            seen.add(headers["ce_id"])
            out.append((headers["ce_type"], json.loads(r.value)))
    return out


async def test_pair_lifecycle_and_its_events(
    ministry: Callable[[], Any],
    matching_worker: Callable[[], Any],
    matching_settings: Any,
    admin_db: Callable[[str], Any],
) -> None:
    m = await ministry().provision()
    await m.import_org([_e("A", "U1"), _e("B", "U2"), _e("T", "U3"), _e("U", "U4"), _e("V", "U5")])
    programme = await m.programme(max_mentees_per_mentor=1, request_expiry_days=3)
    await m.enrol(programme, "A", "mentor", skills=SKILLS)
    await m.enrol(programme, "B", "mentor", skills=SKILLS)
    await m.enrol(programme, "V", "mentor", skills=SKILLS)
    await m.enrol(programme, "T", "mentee", goals=SKILLS)
    await m.enrol(programme, "U", "mentee", goals=SKILLS)
    draft = await m.run_round(programme)
    published = await m.publish(draft["id"])
    assert (published["status"], published["published"]) == ("published", 2)
    pairs = {p["mentee_id"]: p for p in await m.pairs(programme)}
    first, second = pairs[str(m.people["T"])], pairs[str(m.people["U"])]

    async def act(pair: dict[str, Any], action: str, who: Any, **body: Any) -> Any:
        return await m.api.post(
            f"/api/v1/pairs/{pair['id']}/{action}", json=body or None, headers=who
        )

    mentee, mentor = m.person(UUID(first["mentee_id"])), m.person(UUID(first["mentor_id"]))
    assert (await act(first, "end", m.coordinator, reason="completed")).status_code == 409
    assert (await act(first, "rematch", mentee)).status_code == 409
    assert (await act(first, "accept", m.coordinator)).status_code == 403
    outsider = next(x for x in "ABV" if str(m.people[x]) != first["mentor_id"])
    assert (await act(first, "accept", m.person(outsider))).status_code == 404  # not theirs
    accepted = await act(first, "accept", mentee)
    assert (accepted.status_code, accepted.json()["status"]) == (200, "proposed")
    assert (await act(first, "accept", mentee)).status_code == 409  # already accepted
    accepted = await act(first, "accept", mentor)
    assert (accepted.status_code, accepted.json()["status"]) == (200, "active")
    assert (await act(first, "accept", mentor)).status_code == 409
    assert (await act(first, "decline", mentee)).status_code == 409  # active now
    assert (await act(first, "end", mentee, reason="inactive")).status_code == 403
    ended = await act(first, "end", mentee, reason="completed")
    assert (ended.status_code, ended.json()["end_reason"]) == (200, "completed")
    assert (await act(first, "end", m.coordinator, reason="completed")).status_code == 409

    declined = await act(second, "decline", m.person(UUID(second["mentor_id"])))
    assert (declined.status_code, declined.json()["declined_by"]) == (200, "mentor")
    assert (await act(second, "accept", m.person(UUID(second["mentee_id"])))).status_code == 409

    # Self-service: U asks the mentor left free by the round, who does not answer in time.
    [free] = {str(m.people[x]) for x in "ABV"} - {first["mentor_id"], second["mentor_id"]}
    request = await m.api.post(
        f"/api/v1/programmes/{programme}/requests",
        json={"mentor_id": free},
        headers=m.person("U"),
    )
    assert request.status_code == 201, request.text
    asked = request.json()
    assert (asked["origin"], asked["status"]) == ("request", "proposed")
    assert asked["mentee_accepted_at"] is not None and asked["expires_at"] is not None
    again = await m.api.post(
        f"/api/v1/programmes/{programme}/requests",
        json={"mentor_id": first["mentor_id"]},
        headers=m.person("U"),
    )
    assert again.status_code == 409  # one open pair per mentee and programme
    db = await admin_db("matching")
    await db.execute(
        "update pair set expires_at = now() - interval '1 second' where pair_id = $1",
        UUID(asked["id"]),
    )

    namespace = matching_settings.topic_namespace
    async with running(matching_worker()):
        expired = await eventually(
            lambda: m.api.get(f"/api/v1/pairs/{asked['id']}", headers=m.coordinator),
            until=lambda r: r.json()["status"] == "expired",
            what="the request to expire",
            timeout=60,
        )
        assert expired.json()["declined_by"] is None
        records = await eventually(
            lambda: read_topic(matching_settings.kafka_bootstrap, namespace + topics.MATCHING),
            # a send that failed on a fresh topic is sent again later, so wait for every
            # aggregate's events: the three pairs' and the round's
            until=lambda rs: (
                len(_events(rs, asked["id"])) == 2
                and len(_events(rs, first["id"])) == 3
                and len(_events(rs, second["id"])) == 2
                and len(_events(rs, draft["id"])) == 1
            ),
            what="the expiry (and the earlier pairs' and the round's events) on the topic",
            timeout=60,
        )

    created = _events(records, first["id"])
    assert [t for t, _ in created] == [
        "matching.pair_proposed.v1",
        "matching.pair_created.v1",
        "matching.pair_ended.v1",
    ]
    assert [d["sequence"] for _, d in created] == [1, 2, 3]
    assert created[1][1]["mentor_id"] == first["mentor_id"]
    assert created[1][1]["mentee_id"] == first["mentee_id"]
    assert created[2][1]["reason"] == "completed"
    assert created[0][1]["explanation"], "a proposal carries its explanation"
    declined_events = _events(records, second["id"])
    assert [t for t, _ in declined_events] == [
        "matching.pair_proposed.v1",
        "matching.pair_declined.v1",
    ]
    assert declined_events[1][1]["declined_by"] == "mentor"
    expiry = _events(records, asked["id"])
    assert expiry[0][1]["round_id"] is None
    assert (expiry[1][0], expiry[1][1]["declined_by"]) == ("matching.pair_declined.v1", None)
    round_done = _events(records, draft["id"])
    assert [t for t, _ in round_done] == ["matching.round_completed.v1"]
    assert round_done[0][1]["proposals"] == 2


def _e(employee_id: str, unit: str, manager: str = "") -> dict[str, str]:
    return {
        "employee_id": employee_id,
        "first_name": f"Ewa{employee_id}",
        "last_name": "Wiśniewska",
        "email": f"{employee_id.lower()}@example.gov.pl",
        "unit_code": unit,
        "unit_name": f"Biuro {unit}",
        "manager_employee_id": manager,
    }
