"""Tenant isolation: another ministry's programme, participant, person, round and pair ids
answer 404, whatever the caller's role; lists never show them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SKILLS = {"analiza danych": 4}


async def test_another_tenants_ids_answer_404(ministry: Callable[[], Any]) -> None:
    a = await ministry().provision("Ministerstwo A")
    await a.import_org([_e("M"), _e("T"), _e("S")])
    programme = await a.programme()
    await a.enrol(programme, "M", "mentor", skills=SKILLS)
    await a.enrol(programme, "T", "mentee", goals=SKILLS)
    await a.enrol(programme, "S", "mentee", goals=SKILLS)
    draft = await a.run_round(programme)
    await a.publish(draft["id"])
    pair = (await a.pairs(programme))[0]
    mentor = a.people["M"]

    b = await ministry().provision("Ministerstwo B")
    await b.import_org([_e("X")])
    intruder_coordinator = b.coordinator
    # A person of B using the id of A's mentor as their subject: still B's tenant.
    intruder_person = b.person(mentor)

    for method, path, headers in [
        ("GET", f"/api/v1/programmes/{programme}", intruder_coordinator),
        ("PATCH", f"/api/v1/programmes/{programme}", intruder_coordinator),
        ("POST", f"/api/v1/programmes/{programme}/close", intruder_coordinator),
        ("GET", f"/api/v1/programmes/{programme}/participants", intruder_coordinator),
        ("GET", f"/api/v1/programmes/{programme}/participants/{mentor}", intruder_coordinator),
        ("GET", f"/api/v1/programmes/{programme}/mentors", intruder_person),
        ("POST", f"/api/v1/programmes/{programme}/rounds", intruder_coordinator),
        ("GET", f"/api/v1/rounds/{draft['id']}", intruder_coordinator),
        ("GET", f"/api/v1/rounds/{draft['id']}/proposals", intruder_coordinator),
        ("POST", f"/api/v1/rounds/{draft['id']}/publish", intruder_coordinator),
        ("GET", f"/api/v1/org/people/{mentor}", intruder_coordinator),
        ("PATCH", f"/api/v1/org/people/{mentor}", intruder_coordinator),
        ("POST", f"/api/v1/org/people/{mentor}/erasure", intruder_coordinator),
        ("GET", f"/api/v1/pairs/{pair['id']}", intruder_coordinator),
        ("POST", f"/api/v1/pairs/{pair['id']}/accept", intruder_person),
        ("POST", f"/api/v1/pairs/{pair['id']}/decline", intruder_person),
    ]:
        body: dict[str, Any] | None = {} if method == "PATCH" else None
        r = await b.api.request(method, path, json=body, headers=headers)
        assert r.status_code == 404, (method, path, r.status_code, r.text)

    enrol = await b.api.post(
        f"/api/v1/programmes/{programme}/participants",
        json={"role": "mentee", "consent": True},
        headers=b.person("X"),
    )
    assert enrol.status_code == 404
    for path in ("/api/v1/programmes", "/api/v1/pairs", "/api/v1/org/people"):
        listed = await b.api.get(path, headers=intruder_coordinator)
        assert all(
            i.get("id") not in {str(programme), pair["id"], str(mentor)}
            for i in listed.json()["items"]
        ), path

    # A's own data is untouched and visible to A.
    shown = await a.api.get(f"/api/v1/pairs/{pair['id']}", headers=a.coordinator)
    assert (shown.status_code, shown.json()["status"]) == (200, "proposed")


def _e(employee_id: str) -> dict[str, str]:
    return {
        "employee_id": employee_id,
        "first_name": f"Tomasz{employee_id}",
        "last_name": "Wójcik",
        "email": f"{employee_id.lower()}@example.gov.pl",
        "unit_code": f"U{employee_id}",
        "unit_name": f"Biuro {employee_id}",
    }
