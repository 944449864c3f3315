"""Reading an HR export and planning the org import: delimiters, BOM, Polish text, line numbers,
every kind of bad row, cycles, erased people, and the hard rules built from the org data."""

from __future__ import annotations

from uuid import UUID, uuid4

from mentoring.matching.adapters.org_csv import parse_org_csv
from mentoring.matching.domain.org import find_cycles
from mentoring.matching.domain.org_import import (
    KnownPerson,
    KnownUnit,
    OrgSnapshot,
    plan_import,
)
from mentoring.matching.domain.rules import RuleContext, Violation, forbidden_pairs, violation

HEADER = (
    "employee_id,first_name,last_name,email,unit_code,unit_name,parent_unit_code,"
    "manager_employee_id,position,locale"
)
EMPTY = OrgSnapshot(units={}, people={}, manager_of={})


def test_semicolons_bom_polish_text_and_physical_line_numbers() -> None:
    text = (
        "\ufeffEMPLOYEE_ID;First_Name;last_name;email;unit_code;unit_name\n"
        '7;Źrebięta;"Gżegżółka\nz domu Łąka";z@example.gov.pl;U;Wydział\n'
        "\n"
        "8;Ćma;Śnieg;c@example.gov.pl;U;\n"
    )
    parsed = parse_org_csv(text.encode("utf-8"))
    assert not parsed.errors
    assert [r.line for r in parsed.rows] == [2, 5]  # the quoted field spans lines 2-3
    assert parsed.rows[0]["last_name"] == "Gżegżółka\nz domu Łąka"
    assert parsed.rows[1]["first_name"] == "Ćma"


def test_file_level_problems() -> None:
    assert parse_org_csv(b"").errors[0].code == "empty_file"
    missing = parse_org_csv(b"employee_id,first_name\n1,Anna\n")
    assert missing.fatal
    assert {e.field for e in missing.errors} == {"last_name", "email", "unit_code"}
    latin2 = (HEADER + "\n1,Zo\xbfia,N,z@example.gov.pl,U,W,,,,\n").encode("latin-1")
    not_utf8 = parse_org_csv(HEADER.encode() + b"\n" + latin2.split(b"\n")[1] + b"\n")
    assert [(e.line, e.code) for e in not_utf8.errors] == [(2, "not_utf8")]
    nul = parse_org_csv((HEADER + "\n1,A,B,a@b.pl,U,W,,,,\n2,A\x00,B,c@b.pl,U,W,,,,\n").encode())
    assert nul.fatal and [(e.line, e.code) for e in nul.errors] == [(3, "nul_character")]
    too_many = parse_org_csv((HEADER + "\n" + "1,A,B,a@b.pl,U,W,,,,\n" * 3).encode(), max_rows=2)
    assert too_many.fatal and too_many.errors[-1].code == "too_many_rows"


def _plan(rows_text: str, snapshot: OrgSnapshot = EMPTY):
    parsed = parse_org_csv((HEADER + "\n" + rows_text).encode())
    plan, errors = plan_import(parsed.rows, snapshot)
    return plan, [*parsed.errors, *errors]


def test_a_valid_file_plans_units_people_and_managers() -> None:
    plan, errors = _plan(
        "1,Anna,Nowak,a@example.gov.pl,DG,Dyrekcja,,,,\n"
        "2,Jan,Kos,j@example.gov.pl,IT,Informatyka,DG,1,,en\n"
        ",,,,KAN,Kancelaria,DG,,,\n"  # a unit without employees
    )
    assert errors == [] and plan is not None
    units = {u.code: u for u in plan.units}
    assert set(units) == {"DG", "IT", "KAN"}
    assert units["IT"].parent_id == units["DG"].id == units["KAN"].parent_id
    people = {p.employee_id: p for p in plan.people}
    assert people["2"].manager_id == people["1"].id
    assert people["2"].locale == "en" and people["1"].locale == "pl"
    assert plan.summary["people_created"] == 2


def test_every_bad_row_is_reported_with_its_line() -> None:
    plan, errors = _plan(
        "1,Anna,Nowak,a@example.gov.pl,DG,Dyrekcja,,,,\n"  # 2 fine
        "2,Jan,Kos,j@example.gov.pl,DG,Inna nazwa,,,,\n"  # 3 unit name conflicts with line 2
        "3,Ewa,Lis,e@example.gov.pl,NEW,,,,,\n"  # 4 a new unit without a name
        "4,Ola,Wilk,o@example.gov.pl,X,Iks,X,,,\n"  # 5 unit is its own parent
        "5,Iza,Sowa,i@example.gov.pl,DG,,,5,,\n"  # 6 own manager
        "6,Ala,Kot,a6@example.gov.pl,DG,,,,,xx\n"  # 7 locale
        f"7,{'A' * 101},Kot,a7@example.gov.pl,DG,,,,,\n"  # 8 too long
        "8,Ala,Kot,a8@example.gov.pl,A1,Jednostka A1,A2,,,\n"  # 9 units loop A1 -> A2 -> A1
        "9,Ala,Kot,a9@example.gov.pl,A2,Jednostka A2,A1,,,\n"  # 10
    )
    assert plan is None
    assert {(e.line, e.field, e.code) for e in errors} == {
        (3, "unit_name", "unit_conflict"),
        (4, "unit_name", "unit_name_required"),
        (5, "parent_unit_code", "unit_self_parent"),
        (6, "manager_employee_id", "self_manager"),
        (7, "locale", "invalid_locale"),
        (8, "first_name", "too_long"),
        (9, "parent_unit_code", "unit_cycle"),
        (10, "parent_unit_code", "unit_cycle"),
    }
    conflict = next(e for e in errors if e.code == "unit_conflict")
    assert conflict.message("pl") == "Jednostka DG ma w wierszu 2 inną wartość tego pola."


def _known(employee_id: str, manager: UUID | None = None, *, erased: bool = False) -> KnownPerson:
    return KnownPerson(
        id=uuid4(),
        employee_id=employee_id,
        first_name=None if erased else "Stara",
        last_name=None if erased else "Nazwa",
        email=None if erased else f"{employee_id}@example.gov.pl",
        locale="pl",
        position=None,
        unit_id=None,
        manager_id=manager,
        erased=erased,
    )


def test_a_re_import_updates_detects_loops_through_known_people_and_keeps_erasures() -> None:
    unit = KnownUnit(uuid4(), "DG", "Dyrekcja", None)
    boss = _known("1")
    erased = _known("2", boss.id, erased=True)
    snapshot = OrgSnapshot(
        units={"DG": unit},
        people={"1": boss, "2": erased},
        manager_of={boss.id: None, erased.id: boss.id},
    )
    plan, errors = _plan("2,Ida,Nowa,ida@example.gov.pl,DG,,,,,\n", snapshot)
    assert errors == [] and plan is not None
    [write] = plan.people
    assert (write.first_name, write.email) == (None, None)  # an erased person stays erased
    assert write.line_changed and write.manager_id is None

    # 1 now reports to 2, and 2 (unchanged, in the database) reports to 1: a loop.
    plan, errors = _plan("1,Stara,Nazwa,1@example.gov.pl,DG,,,2,,\n", snapshot)
    assert plan is None
    assert [(e.line, e.code) for e in errors] == [(2, "manager_cycle")]


def test_find_cycles() -> None:
    assert find_cycles({1: 2, 2: 3, 3: None}) == []
    cycles = find_cycles({1: 2, 2: 3, 3: 1, 4: 1, 5: 5})
    assert sorted(sorted(c) for c in cycles) == [[1, 2, 3], [5]]


def test_rules_forbid_reporting_chains_never_pairs_and_history() -> None:
    top, middle, low, other, far = (uuid4() for _ in range(5))
    context = RuleContext(
        manager_of={middle: top, low: middle, top: None, other: None, far: None},
        never_pairs=frozenset({frozenset((other, far))}),
        history=frozenset({(far, low)}),
        forbid_same_unit=True,
    )
    forbidden = forbidden_pairs(context, [top, other, far], [low, far, top])
    assert (top, low) in forbidden  # two levels above the mentee's manager
    assert (other, far) in forbidden  # never-pair, either way round
    assert (far, low) in forbidden  # declined before
    assert (other, low) not in forbidden
    unit = uuid4()
    assert (
        violation(context, mentor_id=top, mentee_id=low, mentor_unit=None, mentee_unit=None)
        is Violation.REPORTING_LINE
    )
    assert (
        violation(context, mentor_id=low, mentee_id=top, mentor_unit=None, mentee_unit=None)
        is Violation.REPORTING_LINE
    )
    assert (
        violation(context, mentor_id=other, mentee_id=low, mentor_unit=unit, mentee_unit=unit)
        is Violation.SAME_UNIT
    )
    assert (
        violation(context, mentor_id=other, mentee_id=low, mentor_unit=unit, mentee_unit=None)
        is None
    )
