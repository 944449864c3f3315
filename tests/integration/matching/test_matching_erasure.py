"""Erasure (DESIGN.md §5): the profile topic gets a tombstone, `participant_erased` is
published, and no name or e-mail of the person is left in the matching database."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mentoring.contracts import topics
from mentoring.kit.testing import eventually, read_topic, running


async def test_erasure_removes_contact_data_and_keeps_pseudonymous_facts(
    ministry: Callable[[], Any],
    matching_worker: Callable[[], Any],
    matching_settings: Any,
    admin_db: Callable[[str], Any],
) -> None:
    m = await ministry().provision()
    email = "grzegorz.brzęczyszczykiewicz@example.gov.pl"
    await m.import_org(
        [
            {
                "employee_id": "E1",
                "first_name": "Grzegorz",
                "last_name": "Brzęczyszczykiewicz",
                "email": email,
                "unit_code": "U1",
                "unit_name": "Gabinet",
            },
            {
                "employee_id": "E2",
                "first_name": "Łucja",
                "last_name": "Żak",
                "email": "lucja@example.gov.pl",
                "unit_code": "U2",
                "unit_name": "Biuro",
            },
        ]
    )
    person = m.people["E1"]
    programme = await m.programme()
    await m.enrol(programme, "E1", "mentee", goals={"negocjacje": 3}, about="Lubię góry.")
    await m.enrol(programme, "E2", "mentor", skills={"negocjacje": 4})
    request = await m.api.post(
        f"/api/v1/programmes/{programme}/requests",
        json={"mentor_id": str(m.people["E2"])},
        headers=m.person("E1"),
    )
    pair_id = request.json()["id"]
    assert (await m.api.post(f"/api/v1/pairs/{pair_id}/accept", headers=m.person("E2"))).json()[
        "status"
    ] == "active"
    changed = await m.api.patch(
        f"/api/v1/org/people/{person}",
        json={"last_name": "Brzęczyszczykiewicz-Nowak"},
        headers=m.coordinator,
    )
    assert changed.status_code == 200, changed.text

    erased = await m.api.post(f"/api/v1/org/people/{person}/erasure", headers=m.person("E1"))
    assert erased.status_code == 204, erased.text
    again = await m.api.post(f"/api/v1/org/people/{person}/erasure", headers=m.coordinator)
    assert again.status_code == 409
    shown = (await m.api.get(f"/api/v1/org/people/{person}", headers=m.coordinator)).json()
    assert (shown["first_name"], shown["last_name"], shown["email"]) == (None, None, None)
    assert shown["erased_at"] is not None
    pair = (await m.api.get(f"/api/v1/pairs/{pair_id}", headers=m.coordinator)).json()
    assert (pair["status"], pair["end_reason"]) == ("ended", "withdrawn")

    bootstrap, ns = matching_settings.kafka_bootstrap, matching_settings.topic_namespace
    async with running(matching_worker()):
        profiles = await eventually(
            lambda: read_topic(bootstrap, ns + topics.PROFILES),
            until=lambda rs: any(r.key == str(person).encode() and r.value is None for r in rs),
            what="the tombstone",
            timeout=60,
        )
        events = await eventually(
            lambda: read_topic(bootstrap, ns + topics.MATCHING),
            until=lambda rs: (
                {_type(r) for r in rs if r.key == str(person).encode()}
                >= {
                    "matching.participant_enrolled.v1",
                    "matching.participant_withdrawn.v1",
                    "matching.participant_erased.v1",
                }
            ),
            what="the person's enrolment, withdrawal and erasure",
            timeout=60,
        )
    mine = [r for r in profiles if r.key == str(person).encode()]
    assert mine[-1].value is None  # the last word on the compacted topic is the tombstone
    assert {_type(r) for r in events if r.key == str(person).encode()} >= {
        "matching.participant_enrolled.v1",
        "matching.participant_withdrawn.v1",
        "matching.participant_erased.v1",
    }
    erased_event = next(r for r in events if _type(r) == "matching.participant_erased.v1")
    assert json.loads(erased_event.value)["participant_id"] == str(person)

    db = await admin_db("matching")
    row = await db.fetchrow(
        "select first_name, last_name, email, position from person where person_id = $1", person
    )
    assert tuple(row) == (None, None, None, None)
    assert await db.fetchval("select about from participant where person_id = $1", person) is None
    for table, column in (("outbox_message", "payload::text"), ("person", "person::text")):
        leaks = await db.fetchval(
            f"select count(*) from {table} where {column} ilike '%Brzęczyszczykiewicz%' "
            f"or {column} ilike $1",
            f"%{email}%",
        )
        assert leaks == 0, table
    # Pseudonymous facts stay: the pair and the participation, under the same id.
    assert await db.fetchval("select count(*) from pair where mentee_id = $1", person) == 1


def _type(record: Any) -> str:
    return dict(record.headers).get("ce_type", b"").decode()
