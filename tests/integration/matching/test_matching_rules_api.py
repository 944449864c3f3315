"""Every hard rule of matching, through the API against the real database: rounds never propose
what a rule forbids, even when it would be the best-scoring pair."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MANAGEMENT = {"zarządzanie": 5}


async def test_mentor_anywhere_in_the_reporting_chain_is_never_proposed(
    ministry: Callable[[], Any],
) -> None:
    m = await ministry().provision()
    # D1 > N1 > K1 > T1: D1 is two levels above T1's manager K1. X1 and O1 are elsewhere.
    await m.import_org(
        [
            _e("D1", "DYR"),
            _e("N1", "WYD", "D1"),
            _e("K1", "WYD", "N1"),
            _e("T1", "WYD", "K1"),
            _e("X1", "INNY"),
            _e("O1", "INNY2"),
        ]
    )
    programme = await m.programme(max_mentees_per_mentor=1)
    for boss in ("D1", "N1", "K1"):
        await m.enrol(programme, boss, "mentor", skills=MANAGEMENT, seniority=30)
    await m.enrol(programme, "X1", "mentor", skills={"zarządzanie": 2}, seniority=3)
    for mentee in ("T1", "O1"):
        await m.enrol(programme, mentee, "mentee", goals=MANAGEMENT)

    draft = await m.run_round(programme)
    proposals = await m.proposals(draft["id"])

    assert proposals[m.people["T1"]] == m.people["X1"]  # the weaker mentor outside the chain
    assert proposals[m.people["O1"]] in {m.people[b] for b in ("D1", "N1", "K1")}

    # The other direction: a mentee is never given someone from below them as a mentor.
    reverse = await m.programme(max_mentees_per_mentor=1)
    await m.enrol(reverse, "D1", "mentee", goals={"excel": 3})
    await m.enrol(reverse, "T1", "mentor", skills={"excel": 5})
    await m.enrol(reverse, "O1", "mentor", skills={"excel": 1})
    proposals = await m.proposals((await m.run_round(reverse))["id"])
    assert proposals == {m.people["D1"]: m.people["O1"]}


async def test_never_pair_list_is_respected_both_ways(ministry: Callable[[], Any]) -> None:
    m = await ministry().provision()
    await m.import_org([_e("A", "U1"), _e("B", "U2"), _e("C", "U3")])
    programme = await m.programme(max_mentees_per_mentor=1)
    await m.enrol(programme, "A", "mentor", skills=MANAGEMENT)
    await m.enrol(programme, "C", "mentor", skills={"zarządzanie": 1})
    await m.enrol(programme, "B", "mentee", goals=MANAGEMENT)
    assert (await m.proposals((await m.run_round(programme))["id"])) == {
        m.people["B"]: m.people["A"]
    }
    draft = await m.api.get(f"/api/v1/programmes/{programme}/rounds", headers=m.coordinator)
    await m.api.post(
        f"/api/v1/rounds/{draft.json()['items'][0]['id']}/discard", headers=m.coordinator
    )

    r = await m.api.post(
        "/api/v1/never-pairs",
        json={"person_a": str(m.people["B"]), "person_b": str(m.people["A"]), "reason": "rodzina"},
        headers=m.coordinator,
    )
    assert r.status_code == 201, r.text
    duplicate = await m.api.post(
        "/api/v1/never-pairs",
        json={"person_a": str(m.people["A"]), "person_b": str(m.people["B"])},
        headers=m.coordinator,
    )
    assert duplicate.status_code == 409

    assert (await m.proposals((await m.run_round(programme))["id"])) == {
        m.people["B"]: m.people["C"]
    }


async def test_same_unit_switch(ministry: Callable[[], Any]) -> None:
    m = await ministry().provision()
    await m.import_org([_e("A", "U1"), _e("B", "U1"), _e("C", "U2")])
    for forbid, expected in ((False, "A"), (True, "C")):
        programme = await m.programme(max_mentees_per_mentor=1, forbid_same_unit=forbid)
        await m.enrol(programme, "A", "mentor", skills=MANAGEMENT)
        await m.enrol(programme, "C", "mentor", skills={"zarządzanie": 1})
        await m.enrol(programme, "B", "mentee", goals=MANAGEMENT)
        proposals = await m.proposals((await m.run_round(programme))["id"])
        assert proposals == {m.people["B"]: m.people[expected]}, forbid


async def test_capacity_own_limit_coordinator_override_and_programme_maximum(
    ministry: Callable[[], Any],
) -> None:
    m = await ministry().provision()
    await m.import_org([_e("M", "U1")] + [_e(f"T{i}", f"U{i + 2}") for i in range(4)])
    programme = await m.programme(max_mentees_per_mentor=3)
    await m.enrol(programme, "M", "mentor", skills=MANAGEMENT, capacity=1)
    for i in range(4):
        await m.enrol(programme, f"T{i}", "mentee", goals=MANAGEMENT)

    async def proposed() -> int:
        draft = await m.run_round(programme, mode="everyone_matched")
        await m.api.post(f"/api/v1/rounds/{draft['id']}/discard", headers=m.coordinator)
        return len(await m.proposals(draft["id"]))

    assert await proposed() == 1  # the mentor's own limit

    async def override(value: int | None) -> None:
        r = await m.api.patch(
            f"/api/v1/programmes/{programme}/participants/{m.people['M']}",
            json={"capacity_override": value},
            headers=m.coordinator,
        )
        assert r.status_code == 200, r.text

    await override(2)
    assert await proposed() == 2  # the coordinator's override wins over the own limit
    await override(10)
    assert await proposed() == 3  # never above the programme's maximum

    own = await m.api.patch(
        f"/api/v1/programmes/{programme}/participants/{m.people['M']}",
        json={"capacity_override": 1},
        headers=m.person("M"),
    )
    assert own.status_code == 403  # only a coordinator overrides


async def test_only_consenting_enrolled_participants_are_matched(
    ministry: Callable[[], Any],
) -> None:
    m = await ministry().provision()
    await m.import_org([_e("M", "U1"), _e("W", "U2"), _e("I", "U3"), _e("T", "U4"), _e("N", "U5")])
    programme = await m.programme(max_mentees_per_mentor=3)
    await m.enrol(programme, "M", "mentor", skills=MANAGEMENT)
    await m.enrol(programme, "W", "mentee", goals=MANAGEMENT)
    await m.enrol(programme, "T", "mentee", goals=MANAGEMENT)
    invited = await m.api.post(
        f"/api/v1/programmes/{programme}/participants",
        json={"person_id": str(m.people["I"]), "role": "mentee", "goals": MANAGEMENT},
        headers=m.coordinator,
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["status"] == "invited"
    assert invited.json()["consented_at"] is None
    no_consent = await m.api.post(
        f"/api/v1/programmes/{programme}/participants",
        json={"role": "mentee", "goals": MANAGEMENT},
        headers=m.person("N"),
    )
    assert no_consent.status_code == 422  # enrolling yourself needs explicit consent
    twice = await m.api.post(
        f"/api/v1/programmes/{programme}/participants",
        json={"role": "mentee", "consent": True},
        headers=m.person("T"),
    )
    assert twice.status_code == 409
    withdrawn = await m.api.post(
        f"/api/v1/programmes/{programme}/participants/{m.people['W']}/withdraw",
        headers=m.person("W"),
    )
    assert withdrawn.status_code == 200, withdrawn.text

    draft = await m.run_round(programme)
    assert set(await m.proposals(draft["id"])) == {m.people["T"]}
    assert draft["mentees_in_pool"] == 1
    await m.api.post(f"/api/v1/rounds/{draft['id']}/discard", headers=m.coordinator)

    consent = await m.api.post(
        f"/api/v1/programmes/{programme}/participants/{m.people['I']}/consent",
        json={"consent": True, "consent_version": "2027-01"},
        headers=m.person("I"),
    )
    assert consent.status_code == 200, consent.text
    assert consent.json()["consented_at"] is not None
    draft = await m.run_round(programme)
    assert set(await m.proposals(draft["id"])) == {m.people["T"], m.people["I"]}

    # Withdrawn between the draft and its publication: the proposal is dropped, not published.
    await m.api.post(
        f"/api/v1/programmes/{programme}/participants/{m.people['T']}/withdraw",
        headers=m.coordinator,
    )
    published = await m.publish(draft["id"])
    assert (published["published"], published["dropped"]) == (1, 1)
    dropped = await m.api.get(
        f"/api/v1/rounds/{draft['id']}/proposals?status=dropped", headers=m.coordinator
    )
    [entry] = dropped.json()["items"]
    assert (entry["mentee_id"], entry["drop_reason"]) == (str(m.people["T"]), "mentee_not_enrolled")
    assert [p["mentee_id"] for p in await m.pairs(programme)] == [str(m.people["I"])]


async def test_a_declined_pair_is_never_proposed_again(ministry: Callable[[], Any]) -> None:
    m = await ministry().provision()
    await m.import_org([_e("A", "U1"), _e("B", "U2"), _e("T", "U3")])
    programme = await m.programme(max_mentees_per_mentor=1)
    await m.enrol(programme, "A", "mentor", skills=MANAGEMENT)
    await m.enrol(programme, "B", "mentor", skills={"zarządzanie": 1})
    await m.enrol(programme, "T", "mentee", goals=MANAGEMENT)

    first = await m.run_round(programme)
    assert await m.proposals(first["id"]) == {m.people["T"]: m.people["A"]}
    await m.publish(first["id"])
    [pair] = await m.pairs(programme)
    declined = await m.api.post(f"/api/v1/pairs/{pair['id']}/decline", headers=m.person("T"))
    assert declined.status_code == 200, declined.text

    follow_up = await m.run_round(programme)
    assert follow_up["mentees_in_pool"] == 1  # the mentee is back in the pool
    assert await m.proposals(follow_up["id"]) == {m.people["T"]: m.people["B"]}

    request = await m.api.post(
        f"/api/v1/programmes/{programme}/requests",
        json={"mentor_id": str(m.people["A"])},
        headers=m.person("T"),
    )
    assert request.status_code == 409  # not by self-service either
    assert request.json()["rule"] == "declined_before"


async def test_swap_keeps_the_hard_rules(ministry: Callable[[], Any]) -> None:
    m = await ministry().provision()
    await m.import_org([_e("A", "U1"), _e("B", "U2"), _e("S", "U3", "A"), _e("T", "U4")])
    programme = await m.programme(max_mentees_per_mentor=1)
    await m.enrol(programme, "A", "mentor", skills={"excel": 5})
    await m.enrol(programme, "B", "mentor", skills={"prawo": 5})
    await m.enrol(programme, "S", "mentee", goals={"prawo": 5})
    await m.enrol(programme, "T", "mentee", goals={"excel": 5})
    draft = await m.run_round(programme)
    assert await m.proposals(draft["id"]) == {
        m.people["S"]: m.people["B"],
        m.people["T"]: m.people["A"],
    }
    swap = await m.api.post(
        f"/api/v1/rounds/{draft['id']}/swap",
        json={"mentee_a": str(m.people["S"]), "mentee_b": str(m.people["T"])},
        headers=m.coordinator,
    )
    assert swap.status_code == 409  # S reports to A
    assert swap.json()["rule"] == "reporting_line"

    removed = await m.api.delete(
        f"/api/v1/rounds/{draft['id']}/proposals/{m.people['S']}", headers=m.coordinator
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["proposals"] == 1
    published = await m.publish(draft["id"])
    assert (published["status"], published["published"]) == ("published", 1)
    again = await m.api.post(
        f"/api/v1/rounds/{draft['id']}/swap",
        json={"mentee_a": str(m.people["S"]), "mentee_b": str(m.people["T"])},
        headers=m.coordinator,
    )
    assert again.status_code == 409  # a published round is not a draft


def _e(employee_id: str, unit: str, manager: str = "") -> dict[str, str]:
    return {
        "employee_id": employee_id,
        "first_name": f"Jan{employee_id}",
        "last_name": "Nowak",
        "email": f"{employee_id.lower()}@example.gov.pl",
        "unit_code": unit,
        "unit_name": f"Wydział {unit}",
        "manager_employee_id": manager,
    }
