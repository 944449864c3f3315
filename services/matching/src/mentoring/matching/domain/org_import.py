"""Validating an HR export of the org structure against what is known, and planning the upsert.

Every row is checked and every problem reported with its line number; the plan exists only when
there is none (an import is all or nothing). Units and people are matched by their HR codes
(`unit_code`, `employee_id`); the plan holds only what is new or changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from email_validator import EmailNotValidError, validate_email

from mentoring.matching.domain.import_messages import message as render_message
from mentoring.matching.domain.org import LOCALES, find_cycles

COLUMNS = (
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "unit_code",
    "unit_name",
    "parent_unit_code",
    "manager_employee_id",
    "position",
    "locale",
)
REQUIRED_COLUMNS = ("employee_id", "first_name", "last_name", "email", "unit_code")
PERSON_COLUMNS = (
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "manager_employee_id",
    "position",
    "locale",
)
LIMITS = {
    "employee_id": 64,
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "unit_code": 64,
    "unit_name": 200,
    "parent_unit_code": 64,
    "manager_employee_id": 64,
    "position": 200,
    "locale": 2,
}


@dataclass(frozen=True)
class OrgRow:
    """One data row: its line number in the file and its values (stripped, '' when empty)."""

    line: int
    values: Mapping[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")

    @property
    def unit_only(self) -> bool:
        """A row without any person column defines a unit (one without employees, say)."""
        return not any(self[c] for c in PERSON_COLUMNS)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    code: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def message(self, locale: str) -> str:
        return render_message(self.code, locale, dict(self.params))

    def as_dict(self, locale: str) -> dict[str, Any]:
        return {
            "line": self.line,
            "field": self.field,
            "code": self.code,
            "message": self.message(locale),
        }


@dataclass(frozen=True)
class KnownUnit:
    id: UUID
    code: str
    name: str
    parent_id: UUID | None


@dataclass(frozen=True)
class KnownPerson:
    id: UUID
    employee_id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    locale: str
    position: str | None
    unit_id: UUID | None
    manager_id: UUID | None
    erased: bool
    has_profile: bool = False


@dataclass(frozen=True)
class OrgSnapshot:
    """The tenant's org data before the import."""

    units: Mapping[str, KnownUnit]  # by code
    people: Mapping[str, KnownPerson]  # by employee id
    manager_of: Mapping[UUID, UUID | None]  # every person of the tenant
    default_locale: str = "pl"


@dataclass(frozen=True)
class UnitWrite:
    id: UUID
    code: str
    name: str
    parent_id: UUID | None
    new: bool


@dataclass(frozen=True)
class PersonWrite:
    id: UUID
    employee_id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    locale: str
    position: str | None
    unit_id: UUID
    manager_id: UUID | None
    new: bool
    contact_changed: bool
    line_changed: bool
    has_profile: bool = False


@dataclass
class ImportPlan:
    rows: int
    units: list[UnitWrite]
    people: list[PersonWrite]
    manager_of: dict[UUID, UUID | None]

    @property
    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "units_created": sum(u.new for u in self.units),
            "units_updated": sum(not u.new for u in self.units),
            "people_created": sum(p.new for p in self.people),
            "people_updated": sum(not p.new for p in self.people),
            "reporting_lines_changed": sum(p.line_changed and not p.new for p in self.people),
        }


def check_header(columns: Sequence[str]) -> list[RowError]:
    errors = [
        RowError(1, c, "duplicate_column", {"column": c})
        for i, c in enumerate(columns)
        if c and c in columns[:i]
    ]
    errors += [
        RowError(1, c, "missing_column", {"column": c})
        for c in REQUIRED_COLUMNS
        if c not in columns
    ]
    return errors


def _field_errors(row: OrgRow) -> list[RowError]:
    errors: list[RowError] = []
    required = ("unit_code", "unit_name") if row.unit_only else REQUIRED_COLUMNS
    for column in required:
        if not row[column]:
            errors.append(RowError(row.line, column, "required"))
    for column, limit in LIMITS.items():
        if len(row[column]) > limit:
            errors.append(RowError(row.line, column, "too_long", {"limit": limit}))
    if row["email"] and len(row["email"]) <= LIMITS["email"]:
        try:
            validate_email(row["email"], check_deliverability=False)
        except EmailNotValidError as exc:
            errors.append(RowError(row.line, "email", "invalid_email", {"detail": str(exc)}))
    if row["locale"] and row["locale"].lower() not in LOCALES:
        errors.append(
            RowError(row.line, "locale", "invalid_locale", {"allowed": ", ".join(LOCALES)})
        )
    return errors


@dataclass
class _UnitDraft:
    code: str
    line: int
    name: str = ""
    name_line: int = 0
    parent_code: str = ""
    parent_line: int = 0


def _collect_units(rows: Sequence[OrgRow], errors: list[RowError]) -> dict[str, _UnitDraft]:
    drafts: dict[str, _UnitDraft] = {}
    for row in rows:
        code = row["unit_code"]
        if not code:
            continue
        draft = drafts.setdefault(code, _UnitDraft(code, row.line))
        for column, attr, line_attr in (
            ("unit_name", "name", "name_line"),
            ("parent_unit_code", "parent_code", "parent_line"),
        ):
            value = row[column]
            if not value:
                continue
            if not getattr(draft, attr):
                setattr(draft, attr, value)
                setattr(draft, line_attr, row.line)
            elif getattr(draft, attr) != value:
                errors.append(
                    RowError(
                        row.line,
                        column,
                        "unit_conflict",
                        {"value": code, "first_line": getattr(draft, line_attr)},
                    )
                )
        if draft.parent_code == code and draft.parent_line == row.line:
            errors.append(RowError(row.line, "parent_unit_code", "unit_self_parent"))
    return drafts


def _plan_units(
    drafts: dict[str, _UnitDraft], snapshot: OrgSnapshot, errors: list[RowError]
) -> dict[str, UnitWrite]:
    """Every unit named in the file, with ids (new ones fresh), parents resolved."""
    ids = {code: snapshot.units[code].id if code in snapshot.units else uuid4() for code in drafts}
    units: dict[str, UnitWrite] = {}
    for code, draft in drafts.items():
        known = snapshot.units.get(code)
        if known is None and not draft.name:
            errors.append(RowError(draft.line, "unit_name", "unit_name_required", {"value": code}))
        parent_id = known.parent_id if known else None
        if draft.parent_code and draft.parent_code != code:
            if draft.parent_code in ids:
                parent_id = ids[draft.parent_code]
            elif draft.parent_code in snapshot.units:
                parent_id = snapshot.units[draft.parent_code].id
            else:
                errors.append(
                    RowError(
                        draft.parent_line,
                        "parent_unit_code",
                        "unknown_parent_unit",
                        {"value": draft.parent_code},
                    )
                )
        units[code] = UnitWrite(
            id=ids[code],
            code=code,
            name=draft.name or (known.name if known else ""),
            parent_id=parent_id,
            new=known is None,
        )
    parent_of: dict[UUID, UUID | None] = {u.id: u.parent_id for u in snapshot.units.values()}
    parent_of.update({u.id: u.parent_id for u in units.values()})
    code_of = {u.id: u.code for u in snapshot.units.values()} | {u.id: c for c, u in units.items()}
    for cycle in find_cycles(parent_of):
        text = " → ".join(code_of[u] for u in [*cycle, cycle[0]])
        for unit_id in cycle:
            draft_of = drafts.get(code_of[unit_id])
            if draft_of is not None and draft_of.parent_line:
                errors.append(
                    RowError(
                        draft_of.parent_line, "parent_unit_code", "unit_cycle", {"cycle": text}
                    )
                )
    return units


def plan_import(
    rows: Sequence[OrgRow], snapshot: OrgSnapshot
) -> tuple[ImportPlan | None, list[RowError]]:
    """The upsert plan, or None and every error found (sorted by line)."""
    errors: list[RowError] = []
    for row in rows:
        errors += _field_errors(row)
    people_rows: dict[str, OrgRow] = {}
    for row in rows:
        employee = row["employee_id"]
        if not employee:
            continue
        if employee in people_rows:
            errors.append(
                RowError(
                    row.line,
                    "employee_id",
                    "duplicate_employee",
                    {"value": employee, "first_line": people_rows[employee].line},
                )
            )
        else:
            people_rows[employee] = row
    units = _plan_units(_collect_units(rows, errors), snapshot, errors)

    person_ids = {
        e: snapshot.people[e].id if e in snapshot.people else uuid4() for e in people_rows
    }
    manager_of: dict[UUID, UUID | None] = dict(snapshot.manager_of)
    for employee, row in people_rows.items():
        manager_code = row["manager_employee_id"]
        manager_id: UUID | None = None
        if manager_code == employee:
            errors.append(RowError(row.line, "manager_employee_id", "self_manager"))
        elif manager_code in person_ids:
            manager_id = person_ids[manager_code]
        elif manager_code in snapshot.people:
            manager_id = snapshot.people[manager_code].id
        elif manager_code:
            errors.append(
                RowError(
                    row.line, "manager_employee_id", "unknown_manager", {"value": manager_code}
                )
            )
        manager_of[person_ids[employee]] = manager_id
    employee_of = {p.id: p.employee_id for p in snapshot.people.values()}
    employee_of.update({pid: e for e, pid in person_ids.items()})
    for cycle in find_cycles(manager_of):
        text = " → ".join(employee_of.get(p, str(p)) for p in [*cycle, cycle[0]])
        for person_id in cycle:
            row_of = people_rows.get(employee_of.get(person_id, ""))
            if row_of is not None:
                errors.append(
                    RowError(row_of.line, "manager_employee_id", "manager_cycle", {"cycle": text})
                )
    if errors:
        return None, sorted(errors, key=lambda e: (e.line, e.field or ""))

    people: list[PersonWrite] = []
    for employee, row in people_rows.items():
        write = _person_write(
            employee,
            row=row,
            person_ids=person_ids,
            units=units,
            manager_of=manager_of,
            snapshot=snapshot,
        )
        if write is not None:
            people.append(write)
    changed_units = [
        u
        for code, u in units.items()
        if u.new
        or (u.name, u.parent_id) != (snapshot.units[code].name, snapshot.units[code].parent_id)
    ]
    return ImportPlan(len(rows), changed_units, people, manager_of), []


def _person_write(
    employee: str,
    *,
    row: OrgRow,
    person_ids: Mapping[str, UUID],
    units: Mapping[str, UnitWrite],
    manager_of: Mapping[UUID, UUID | None],
    snapshot: OrgSnapshot,
) -> PersonWrite | None:
    known = snapshot.people.get(employee)
    person_id = person_ids[employee]
    locale = row["locale"].lower() or (known.locale if known else snapshot.default_locale)
    contact: tuple[str | None, str | None, str | None, str, str | None] = (
        row["first_name"],
        row["last_name"],
        row["email"],
        locale,
        row["position"] or None,
    )
    unit_id, manager_id = units[row["unit_code"]].id, manager_of[person_id]
    if known is None:
        return PersonWrite(person_id, employee, *contact, unit_id, manager_id, True, True, True)
    if known.erased:  # erased contact data is never restored by a later import
        contact = (None, None, None, known.locale, None)
    before = (known.first_name, known.last_name, known.email, known.locale, known.position)
    contact_changed = contact != before
    line_changed = (unit_id, manager_id) != (known.unit_id, known.manager_id)
    if not contact_changed and not line_changed:
        return None
    return PersonWrite(
        person_id,
        employee,
        *contact,
        unit_id,
        manager_id,
        False,
        contact_changed,
        line_changed,
        known.has_profile,
    )
