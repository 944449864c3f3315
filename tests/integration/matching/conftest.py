"""Fixtures of matching's integration tests: the in-process API, a worker, and `Ministry`, a
helper that provisions a tenant and drives the API as its coordinator and its people."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from mentoring.kit.worker import Worker
from mentoring.matching.bootstrap import build_api, build_worker
from mentoring.matching.config import MatchingSettings
from mentoring.matching.domain.org_import import COLUMNS
from tests.conftest import bearer


def csv_text(rows: list[dict[str, str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return out.getvalue()


def employee(
    employee_id: str,
    unit: str = "U1",
    manager: str = "",
    *,
    first_name: str | None = None,
    last_name: str = "Kowalska",
    parent_unit: str = "",
) -> dict[str, str]:
    return {
        "employee_id": employee_id,
        "first_name": first_name or f"Anna{employee_id}",
        "last_name": last_name,
        "email": f"{employee_id.lower()}@example.gov.pl",
        "unit_code": unit,
        "unit_name": f"Departament {unit}",
        "parent_unit_code": parent_unit,
        "manager_employee_id": manager,
        "position": "specjalista",
        "locale": "pl",
    }


class Ministry:
    """One tenant seen through the API: its coordinator, its people, its programmes."""

    def __init__(self, api: httpx.AsyncClient, token: Callable[..., str]) -> None:
        self.api = api
        self._token = token
        self.tenant_id: UUID | None = None
        self.people: dict[str, UUID] = {}  # employee id -> person id

    async def provision(self, name: str = "Ministerstwo Testów") -> Ministry:
        r = await self.api.post(
            "/api/v1/tenants",
            json={"name": name, "slug": f"m-{uuid4().hex[:16]}"},
            headers=bearer(self._token(None, "platform_admin")),
        )
        assert r.status_code == 201, r.text
        self.tenant_id = UUID(r.json()["id"])
        return self

    @property
    def coordinator(self) -> dict[str, str]:
        return bearer(self._token(self.tenant_id, "coordinator", sub="coordinator-1"))

    def person(self, employee_id_or_person: str | UUID) -> dict[str, str]:
        """Headers of a person acting for themselves (roles mentor and mentee)."""
        person_id = (
            employee_id_or_person
            if isinstance(employee_id_or_person, UUID)
            else self.people[employee_id_or_person]
        )
        return bearer(self._token(self.tenant_id, "mentor", "mentee", sub=str(person_id)))

    async def import_org(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        r = await self.api.post(
            "/api/v1/org/import",
            content=csv_text(rows).encode(),
            headers={**self.coordinator, "content-type": "text/csv"},
        )
        assert r.status_code == 200, r.text
        await self.load_people()
        return dict(r.json())

    async def load_people(self) -> None:
        r = await self.api.get("/api/v1/org/people?limit=500", headers=self.coordinator)
        assert r.status_code == 200, r.text
        self.people = {p["employee_id"]: UUID(p["id"]) for p in r.json()["items"]}

    async def programme(self, **settings: Any) -> UUID:
        body = {
            "name": "Program mentoringowy",
            "kind": "one_to_one",
            "starts_on": str(date(2027, 1, 1)),
            "ends_on": str(date(2027, 12, 31)),
            "max_mentees_per_mentor": 3,
            **settings,
        }
        r = await self.api.post("/api/v1/programmes", json=body, headers=self.coordinator)
        assert r.status_code == 201, r.text
        return UUID(r.json()["id"])

    async def enrol(
        self, programme_id: UUID, employee_id: str, role: str, **profile: Any
    ) -> dict[str, Any]:
        body = {"role": role, "consent": True, **profile}
        r = await self.api.post(
            f"/api/v1/programmes/{programme_id}/participants",
            json=body,
            headers=self.person(employee_id),
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def run_round(self, programme_id: UUID, **body: Any) -> dict[str, Any]:
        r = await self.api.post(
            f"/api/v1/programmes/{programme_id}/rounds", json=body, headers=self.coordinator
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def proposals(self, round_id: str) -> dict[UUID, UUID]:
        """mentee person id -> mentor person id of a round's proposals."""
        r = await self.api.get(
            f"/api/v1/rounds/{round_id}/proposals?limit=500", headers=self.coordinator
        )
        assert r.status_code == 200, r.text
        return {UUID(p["mentee_id"]): UUID(p["mentor_id"]) for p in r.json()["items"]}

    async def publish(self, round_id: str) -> dict[str, Any]:
        r = await self.api.post(f"/api/v1/rounds/{round_id}/publish", headers=self.coordinator)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def pairs(self, programme_id: UUID, **filters: str) -> list[dict[str, Any]]:
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        r = await self.api.get(
            f"/api/v1/pairs?programme_id={programme_id}&limit=500&{query}",
            headers=self.coordinator,
        )
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    def employee_of(self, person_id: UUID | str) -> str:
        wanted = UUID(str(person_id))
        return next(e for e, p in self.people.items() if p == wanted)


@pytest.fixture
def matching_settings(settings_for: Callable[..., Any]) -> MatchingSettings:
    settings: MatchingSettings = settings_for(
        "matching",
        bulk_rate_limit_per_second=100.0,
        bulk_rate_limit_burst=100,
        expiry_scan_seconds=0.2,
    )
    return settings


@pytest.fixture
async def api(
    api_client: Callable[..., Any], matching_settings: MatchingSettings
) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await api_client(build_api(matching_settings))
    return client


@pytest.fixture
def matching_worker(matching_settings: MatchingSettings) -> Callable[[], Worker]:
    return lambda: build_worker(matching_settings)


@pytest.fixture
def ministry(api: httpx.AsyncClient, token: Callable[..., str]) -> Callable[[], Ministry]:
    return lambda: Ministry(api, token)
