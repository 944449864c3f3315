"""The org import from an HR export, through the API and the command line: a good file with
Polish names; a file with bad rows (nothing imported, every bad line reported); a re-import
that reorganises and flags a pair now inside one reporting chain."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from typer.testing import CliRunner

from mentoring.matching.entrypoints.cli import app as cli_app

GOOD = (
    "\ufeffemployee_id;first_name;last_name;email;unit_code;unit_name;parent_unit_code;"
    "manager_employee_id;position;locale;extra_hr_column\n"
    "1001;Zofia;Łukasiewicz-Źdźbło;zofia.l@example.gov.pl;DG;Dyrektor Generalny;;;"
    "dyrektor generalna;pl;x\n"
    "1002;Jędrzej;Śliwiński;jedrzej.s@example.gov.pl;DIT;Departament Informatyzacji;DG;1001;"
    '"naczelnik; wydział ""Cyfryzacja""";en;y\n'
    "\n"
    "1003;Małgorzata;Żółkiewska;malgorzata.z@example.gov.pl;DIT;;;1002;"
    "specjalistka;;z\n"
)


async def test_a_good_file_with_polish_names(ministry: Callable[[], Any]) -> None:
    m = await ministry().provision()
    r = await m.api.post(
        "/api/v1/org/import",
        files={"file": ("kadry.csv", GOOD.encode("utf-8"), "text/csv")},
        headers=m.coordinator,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "rows": 3,
        "units_created": 2,
        "units_updated": 0,
        "people_created": 3,
        "people_updated": 0,
        "reporting_lines_changed": 0,
        "pairs_flagged": 0,
    }
    people = (await m.api.get("/api/v1/org/people?limit=10", headers=m.coordinator)).json()
    by_id = {p["employee_id"]: p for p in people["items"]}
    assert by_id["1001"]["last_name"] == "Łukasiewicz-Źdźbło"
    assert by_id["1003"]["display_name"] == "Małgorzata Żółkiewska"
    assert by_id["1002"]["position"] == 'naczelnik; wydział "Cyfryzacja"'
    assert by_id["1002"]["locale"] == "en"
    assert by_id["1003"]["manager_id"] == by_id["1002"]["id"]
    assert by_id["1002"]["manager_id"] == by_id["1001"]["id"]
    units = (await m.api.get("/api/v1/org/units", headers=m.coordinator)).json()["items"]
    by_code = {u["code"]: u for u in units}
    assert by_code["DIT"]["parent_id"] == by_code["DG"]["id"]
    assert by_code["DIT"]["name"] == "Departament Informatyzacji"

    again = await m.api.post(
        "/api/v1/org/import",
        content=GOOD.encode("utf-8"),
        headers={**m.coordinator, "content-type": "text/csv"},
    )
    assert again.json()["people_updated"] == 0  # an unchanged re-import changes nothing

    paths = (await m.api.get("/openapi.json")).json()["paths"]
    assert {"/api/v1/org/import", "/api/v1/rounds/{round_id}/publish"} <= set(paths)
    assert "text/csv" in paths["/api/v1/org/import"]["post"]["requestBody"]["content"]


BAD = (
    "employee_id,first_name,last_name,email,unit_code,unit_name,parent_unit_code,"
    "manager_employee_id,position,locale\n"
    "2001,Anna,Nowak,anna@example.gov.pl,U1,Biuro,,,,\n"  # line 2: good
    "2002,Jan,,jan@example.gov.pl,U1,,,2001,,\n"  # line 3: last_name missing
    "2003,Ewa,Kot,not-an-email,U1,,,2001,,\n"  # line 4: bad e-mail
    "2004,Olga,Lis,olga@example.gov.pl,U1,,,9999,,de\n"  # line 5: unknown manager, bad locale
    "2001,Adam,Mały,adam@example.gov.pl,U1,,,,,\n"  # line 6: duplicate employee id
    "2005,Iga,Wilk,iga@example.gov.pl,U2,Wydział,NOPE,2006,,\n"  # line 7: unknown parent unit
    "2006,Ola,Sowa,ola@example.gov.pl,U2,,,2005,,\n"  # line 8: with line 7, a loop
    "2007,Kuba,Kruk\n"  # line 9: too few fields
)


async def test_a_file_with_bad_rows_imports_nothing_and_reports_every_line(
    ministry: Callable[[], Any],
) -> None:
    m = await ministry().provision()
    r = await m.api.post(
        "/api/v1/org/import",
        content=BAD.encode(),
        headers={**m.coordinator, "content-type": "text/csv", "accept-language": "en"},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"] == "urn:mentoring:problem:invalid_input"
    found = {(e["line"], e["field"], e["code"]) for e in body["errors"]}
    assert found == {
        (3, "last_name", "required"),
        (4, "email", "invalid_email"),
        (5, "manager_employee_id", "unknown_manager"),
        (5, "locale", "invalid_locale"),
        (6, "employee_id", "duplicate_employee"),
        (7, "parent_unit_code", "unknown_parent_unit"),
        (7, "manager_employee_id", "manager_cycle"),
        (8, "manager_employee_id", "manager_cycle"),
        (9, None, "field_count"),
    }
    assert all(e["message"] for e in body["errors"])
    duplicate = next(e for e in body["errors"] if e["code"] == "duplicate_employee")
    assert duplicate["message"] == "Employee 2001 already appears on line 2."

    people = (await m.api.get("/api/v1/org/people", headers=m.coordinator)).json()
    units = (await m.api.get("/api/v1/org/units", headers=m.coordinator)).json()
    assert (people["total"], units["total"]) == (0, 0)  # all or nothing

    polish = await m.api.post(
        "/api/v1/org/import",
        content=b"employee_id;first_name\n1;Anna\n",
        headers={**m.coordinator, "content-type": "text/csv"},
    )
    assert polish.status_code == 422
    assert {e["message"] for e in polish.json()["errors"]} >= {"Brak wymaganej kolumny email."}


async def test_command_line_import_of_thousands_of_rows(
    ministry: Callable[[], Any], tmp_path: Any
) -> None:
    m = await ministry().provision()
    lines = [
        "employee_id,first_name,last_name,email,unit_code,unit_name,parent_unit_code,"
        "manager_employee_id,position,locale"
    ]
    lines.append("E0,Władysław,Żurawski,e0@example.gov.pl,D0,Departament Główny,,,dyrektor,pl")
    for i in range(1, 2500):
        unit = f"D{i % 25}"
        manager = f"E{(i - 1) // 10}"  # a ten-way tree of reporting lines
        name, parent = ("Departament Główny", "") if unit == "D0" else (f"Wydział {unit}", "D0")
        lines.append(
            f"E{i},Łucja{i},Ślązak{i},e{i}@example.gov.pl,{unit},{name},{parent},{manager},"
            "specjalista,pl"
        )
    path = tmp_path / "kadry.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = await asyncio.to_thread(
        CliRunner().invoke, cli_app, ["import-org", str(m.tenant_id), str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "people_created" in result.output
    people = (await m.api.get("/api/v1/org/people?limit=1", headers=m.coordinator)).json()
    assert people["total"] == 2500

    bad = tmp_path / "zle.csv"
    bad.write_text(lines[0] + "\nE1,Anna,Nowak,zly-adres,D1,,,,,\n", encoding="utf-8")
    result = await asyncio.to_thread(
        CliRunner().invoke, cli_app, ["import-org", str(m.tenant_id), str(bad), "--locale", "pl"]
    )
    assert result.exit_code == 1
    assert "Nieprawidłowy adres e-mail" in result.output


async def test_reorganisation_flags_an_active_pair_in_one_reporting_chain(
    ministry: Callable[[], Any], admin_db: Callable[[str], Any]
) -> None:
    m = await ministry().provision()
    rows = [
        _row("B", "U1"),
        _row("M", "U2"),  # the mentor
        _row("K", "U3"),  # the mentee's manager
        _row("T", "U3", "K"),  # the mentee
    ]
    await m.import_org(rows)
    programme = await m.programme()
    await m.enrol(programme, "M", "mentor", skills={"excel": 4})
    await m.enrol(programme, "T", "mentee", goals={"excel": 4})
    pair_id = (
        await m.api.post(
            f"/api/v1/programmes/{programme}/requests",
            json={"mentor_id": str(m.people["M"])},
            headers=m.person("T"),
        )
    ).json()["id"]
    await m.api.post(f"/api/v1/pairs/{pair_id}/accept", headers=m.person("M"))

    # The reorganisation: K now reports to B, and B to M: M is two levels above T's manager.
    moved = [_row("B", "U1", "M"), _row("M", "U2"), _row("K", "U3", "B"), _row("T", "U3", "K")]
    summary = await m.import_org(moved)
    assert (summary["reporting_lines_changed"], summary["pairs_flagged"]) == (2, 1)
    pair = (await m.api.get(f"/api/v1/pairs/{pair_id}", headers=m.coordinator)).json()
    assert list(pair["flags"]) == ["reporting_line"]
    assert pair["status"] == "active"  # a flag, not an ending: the coordinator decides
    db = await admin_db("matching")
    events = await db.fetchval(
        "select count(*) from outbox_message where key = $1 "
        "and event_type = 'matching.pair_flagged.v1'",
        pair_id,
    )
    assert events == 1
    assert (await m.import_org(moved))["pairs_flagged"] == 0  # flagged once

    # Editing a reporting line through the API detects the same (here on another pair).
    await m.enrol(programme, "B", "mentee", goals={"excel": 2})
    await m.enrol(programme, "K", "mentor", skills={"excel": 2})
    loop = await m.api.patch(
        f"/api/v1/org/people/{m.people['M']}",
        json={"manager_id": str(m.people["T"])},
        headers=m.coordinator,
    )
    assert loop.status_code == 422  # T reports (through K, B) to M: a loop is refused


def _row(employee_id: str, unit: str, manager: str = "") -> dict[str, str]:
    return {
        "employee_id": employee_id,
        "first_name": f"Zenon{employee_id}",
        "last_name": "Gołębiowski",
        "email": f"{employee_id.lower()}@example.gov.pl",
        "unit_code": unit,
        "unit_name": f"Jednostka {unit}",
        "manager_employee_id": manager,
    }
