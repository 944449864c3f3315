"""The synthetic ministry: a proper org tree, unique Polish names turned into e-mail addresses,
deterministic, and a CSV the matching service's own import validation accepts."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest

from mentoring.demo.orgdata import CSV_COLUMNS, Ministry, generate, transliterate
from mentoring.matching.adapters.org_csv import parse_org_csv
from mentoring.matching.domain.org_import import OrgSnapshot, plan_import

EMAIL = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+[0-9]*@muc\.gov\.pl$")


@pytest.fixture(scope="module")
def ministry() -> Ministry:
    return generate(2000)


def test_the_same_seed_gives_the_same_ministry_and_another_seed_another() -> None:
    assert generate(300, seed=5) == generate(300, seed=5)
    assert generate(300, seed=5).employees != generate(300, seed=6).employees


def test_two_thousand_people_with_unique_ascii_addresses(ministry: Ministry) -> None:
    people = ministry.employees
    assert len(people) == 2000
    assert len({e.employee_id for e in people}) == 2000
    emails = [e.email for e in people]
    assert len(set(emails)) == 2000
    assert all(EMAIL.match(address) for address in emails), [
        a for a in emails if not EMAIL.match(a)
    ][:5]
    polish = sum(1 for e in people if set(e.first_name + e.last_name) & set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"))
    assert polish > 200  # Faker's pl_PL names, diacritics and all


@pytest.mark.parametrize(
    ("text", "ascii_"),
    [
        ("Łukasz", "lukasz"),
        ("Żółć", "zolc"),
        ("Gęślą", "gesla"),
        ("Jaźń", "jazn"),
        ("Nowak-Ślęzak", "nowak-slezak"),
        ("Anna Maria", "anna-maria"),
        ("Müller", "muller"),
    ],
)
def test_transliteration_for_email_addresses(text: str, ascii_: str) -> None:
    assert transliterate(text) == ascii_


def test_reporting_lines_form_one_tree_under_the_director_general(ministry: Ministry) -> None:
    people = {e.employee_id: e for e in ministry.employees}
    roots = [e for e in ministry.employees if e.manager_employee_id is None]
    assert [r.position for r in roots] == ["Dyrektor Generalny"]
    for e in ministry.employees:
        chain = ministry.chain(e.employee_id)  # terminates: no loops
        assert len(chain) <= 5
        assert not chain or chain[-1] == roots[0].employee_id
        if e.manager_employee_id is not None:
            assert people[e.manager_employee_id].manages
    managers = {e.manager_employee_id for e in ministry.employees} - {None}
    assert managers == {e.employee_id for e in ministry.employees if e.manages}


def test_departments_divisions_and_teams_each_with_their_manager(ministry: Ministry) -> None:
    levels = Counter(u.level for u in ministry.units)
    assert levels["ministry"] == 1
    assert 10 <= levels["department"] <= 14
    assert levels["unit"] >= 30
    assert levels["team"] >= 60
    units = {u.code: u for u in ministry.units}
    for u in ministry.units:
        if u.parent_code is not None:
            parent = units[u.parent_code]
            order = ("ministry", "department", "unit", "team")
            assert order.index(parent.level) == order.index(u.level) - 1
    heads = Counter(e.unit_code for e in ministry.employees if e.manages)
    assert all(heads[u.code] == 1 for u in ministry.units)  # one manager per unit
    names = {u.name for u in ministry.units if u.level == "department"}
    assert "Departament Cyfryzacji" in names
    assert all(u.name.startswith("Wydział") for u in ministry.units if u.level == "unit")


def test_skills_and_goals_from_the_vocabulary(ministry: Ministry) -> None:
    for e in ministry.employees:
        assert e.skills and e.goals
        for label, level in (*e.skills.items(), *e.goals.items()):
            assert 1 <= level <= 5
            assert 0 < len(label) <= 80
        assert "pl" in e.languages
    skills = Counter(s for e in ministry.employees for s in e.skills)
    assert {"legislacja", "zarządzanie projektami", "przywództwo"} <= set(skills)


def test_the_csv_is_what_matching_imports(ministry: Ministry) -> None:
    text = ministry.to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 2000
    parsed = parse_org_csv(text.encode())
    assert not parsed.errors
    plan, errors = plan_import(parsed.rows, OrgSnapshot(units={}, people={}, manager_of={}))
    assert errors == []
    assert plan is not None
    assert plan.summary["people_created"] == 2000
    assert plan.summary["units_created"] == len(ministry.units)


@pytest.mark.parametrize("size", [1, 2, 7, 24, 60, 150])
def test_small_ministries_are_proper_trees_too(size: int) -> None:
    small = generate(size)
    assert len(small.employees) == size
    assert sum(e.manager_employee_id is None for e in small.employees) == 1
    parsed = parse_org_csv(small.to_csv().encode())
    _plan, errors = plan_import(parsed.rows, OrgSnapshot(units={}, people={}, manager_of={}))
    assert errors == []
