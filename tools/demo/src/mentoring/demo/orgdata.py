"""A synthetic ministry: an org tree, its employees with Polish names, skills and goals.

Pure and deterministic: the same arguments give the same ministry (Faker's pl_PL locale, seeded).
The CSV is the HR export that the matching service imports (columns in docs/matching.md).
"""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
from dataclasses import dataclass, field

from faker import Faker

from mentoring.demo.vocabulary import (
    AREAS,
    DEPARTMENTS,
    GENERAL_GOALS,
    GENERAL_SKILLS,
    LOCATIONS,
    STAFF_POSITIONS,
    Department,
)

CSV_COLUMNS = (
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

DEFAULT_MINISTRY = "Ministerstwo Usług Cyfrowych"
DEFAULT_DOMAIN = "muc.gov.pl"
DEFAULT_SEED = 2026
PEOPLE_PER_DEPARTMENT = 140
PEOPLE_PER_UNIT = 40
PEOPLE_PER_TEAM = 11

_POLISH = str.maketrans(
    {
        "ą": "a",
        "ć": "c",
        "ę": "e",
        "ł": "l",
        "ń": "n",
        "ó": "o",
        "ś": "s",
        "ź": "z",
        "ż": "z",
        "Ą": "A",
        "Ć": "C",
        "Ę": "E",
        "Ł": "L",
        "Ń": "N",
        "Ó": "O",
        "Ś": "S",
        "Ź": "Z",
        "Ż": "Z",
    }
)
_NOT_LOCAL_PART = re.compile(r"[^a-z0-9-]+")


def transliterate(text: str) -> str:
    """ASCII for an e-mail address: Polish letters by hand (ł has no decomposition), the rest
    by Unicode decomposition; lowercase, spaces and other signs removed."""
    text = text.translate(_POLISH)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_LOCAL_PART.sub("", text.lower().replace(" ", "-")).strip("-")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    parent_code: str | None
    level: str  # ministry | department | unit | team
    department: str | None  # the department's code (None for the ministry itself)


@dataclass(frozen=True)
class Employee:
    employee_id: str
    first_name: str
    last_name: str
    email: str
    unit_code: str
    manager_employee_id: str | None
    position: str
    locale: str
    seniority: int
    manages: bool
    skills: dict[str, int] = field(default_factory=dict)
    goals: dict[str, int] = field(default_factory=dict)
    languages: tuple[str, ...] = ("pl",)
    location: str = "Warszawa"
    remote: bool = True
    hours_per_month: int = 2

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Ministry:
    name: str
    domain: str
    units: tuple[Unit, ...]
    employees: tuple[Employee, ...]

    def unit(self, code: str) -> Unit:
        return self._units[code]

    @property
    def _units(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    def chain(self, employee_id: str) -> list[str]:
        """The employee's managers, nearest first."""
        by_id = {e.employee_id: e for e in self.employees}
        out: list[str] = []
        manager = by_id[employee_id].manager_employee_id
        while manager is not None:
            out.append(manager)
            manager = by_id[manager].manager_employee_id
        return out

    def department_of(self, employee: Employee) -> str | None:
        return self.unit(employee.unit_code).department

    def to_csv(self) -> str:
        units = self._units
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for e in self.employees:
            unit = units[e.unit_code]
            writer.writerow(
                (
                    e.employee_id,
                    e.first_name,
                    e.last_name,
                    e.email,
                    unit.code,
                    unit.name,
                    unit.parent_code or "",
                    e.manager_employee_id or "",
                    e.position,
                    e.locale,
                )
            )
        return out.getvalue()


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` into `parts` sizes of roughly equal weight (each at least 1 when possible)."""
    if parts <= 0:
        return []
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    scale = sum(weights)
    sizes = [max(1, int(total * w / scale)) for w in weights]
    while sum(sizes) > total and max(sizes) > 1:
        sizes[sizes.index(max(sizes))] -= 1
    while sum(sizes) < total:
        sizes[rng.randrange(parts)] += 1
    return sizes


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class _Builder:
    def __init__(self, seed: int, domain: str) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("pl_PL")
        self.fake.seed_instance(seed)
        self.domain = domain
        self.units: list[Unit] = []
        self.employees: list[Employee] = []
        self.emails: set[str] = set()

    def unit(self, code: str, name: str, parent: str | None, level: str, dept: str | None) -> str:
        self.units.append(Unit(code, name, parent, level, dept))
        return code

    def email(self, first: str, last: str) -> str:
        local = f"{transliterate(first)}.{transliterate(last)}"
        candidate, n = local, 1
        while f"{candidate}@{self.domain}" in self.emails:
            n += 1
            candidate = f"{local}{n}"
        address = f"{candidate}@{self.domain}"
        self.emails.add(address)
        return address

    def seniority(self, role: str) -> int:
        rng = self.rng
        if role == "dg":
            return rng.randint(22, 35)
        if role == "director":
            return rng.randint(15, 30)
        if role == "deputy":
            return rng.randint(12, 26)
        if role == "head":
            return rng.randint(10, 25)
        if role == "leader":
            return rng.randint(6, 20)
        band = rng.choices(((0, 3), (4, 9), (10, 20), (21, 35)), weights=(32, 34, 24, 10))[0]
        return rng.randint(*band)

    def position(self, role: str, dept: Department | None, seniority: int) -> str:
        office = dept is not None and dept.is_office
        match role:
            case "dg":
                return "Dyrektor Generalny"
            case "director":
                return "Dyrektor Biura" if office else "Dyrektor Departamentu"
            case "deputy":
                return "Zastępca Dyrektora Biura" if office else "Zastępca Dyrektora Departamentu"
            case "head":
                return "Naczelnik Wydziału"
            case "leader":
                return "Koordynator zespołu"
        area = AREAS[dept.area] if dept is not None else None
        if area is not None and area.positions and seniority >= 6 and self.rng.random() < 0.35:
            return self.rng.choice(area.positions)
        for upper, titles in STAFF_POSITIONS:
            if seniority < upper:
                return self.rng.choice(titles)
        return "Ekspert"  # pragma: no cover - the last band is open-ended

    def profile(self, dept: Department | None, seniority: int) -> dict[str, object]:
        rng = self.rng
        area = AREAS[dept.area].skills if dept is not None else ()
        own = list(dict.fromkeys((*area, *GENERAL_SKILLS)))
        count = _clamp(2 + seniority // 5, 2, 7)
        picked = rng.sample(area, min(len(area), max(1, count // 2 + 1))) if area else []
        picked += rng.sample(GENERAL_SKILLS, max(0, count - len(picked)))
        skills = {
            s: _clamp(2 + seniority // 6 + rng.randint(-1, 1), 1, 5)
            for s in dict.fromkeys(picked)
            if s in own
        }
        wanted_area = [s for s in area if s not in skills]
        goal_pool = wanted_area[:]
        rng.shuffle(goal_pool)
        goals_list = goal_pool[: rng.randint(1, 2)] + rng.sample(
            [g for g in GENERAL_GOALS if g not in skills], rng.randint(1, 3)
        )
        goals = {g: rng.randint(2, 4) for g in dict.fromkeys(goals_list)}
        languages = ["pl"]
        p_en = 0.8 if dept is not None and dept.area in ("international", "it") else 0.45
        if rng.random() < p_en:
            languages.append("en")
        if rng.random() < 0.06:
            languages.append(rng.choice(("de", "fr", "uk", "es")))
        location = "Warszawa" if rng.random() < 0.9 else rng.choice(LOCATIONS)
        return {
            "skills": skills,
            "goals": goals,
            "languages": tuple(languages),
            "location": location,
            "remote": rng.random() < 0.7,
            "hours_per_month": rng.choice((2, 2, 3, 4, 4, 6)),
        }

    def person(
        self, role: str, unit_code: str, manager: str | None, dept: Department | None
    ) -> str:
        rng, fake = self.rng, self.fake
        if rng.random() < 0.56:  # ministries employ more women than men
            first, last = fake.first_name_female(), fake.last_name_female()
        else:
            first, last = fake.first_name_male(), fake.last_name_male()
        seniority = self.seniority(role)
        employee_id = f"{100001 + len(self.employees)}"
        self.employees.append(
            Employee(
                employee_id=employee_id,
                first_name=first,
                last_name=last,
                email=self.email(first, last),
                unit_code=unit_code,
                manager_employee_id=manager,
                position=self.position(role, dept, seniority),
                locale="en" if rng.random() < 0.02 else "pl",
                seniority=seniority,
                manages=role in ("dg", "director", "head", "leader"),
                **self.profile(dept, seniority),  # type: ignore[arg-type]
            )
        )
        return employee_id


def generate(
    employees: int = 2000,
    *,
    seed: int = DEFAULT_SEED,
    name: str = DEFAULT_MINISTRY,
    domain: str = DEFAULT_DOMAIN,
) -> Ministry:
    """A ministry of `employees` people: a Director General; departments with a director (and a
    deputy when large); divisions with a head; teams with a coordinator; staff reporting to the
    nearest manager. Reporting lines form one tree rooted at the Director General."""
    if employees < 1:
        raise ValueError("a ministry needs at least one employee")
    b = _Builder(seed, domain)
    root = b.unit("MIN", name, None, "ministry", None)
    dg = b.person("dg", root, None, None)
    rest = employees - 1
    if rest == 0:
        return Ministry(name, domain, tuple(b.units), tuple(b.employees))
    n_departments = _clamp(round(rest / PEOPLE_PER_DEPARTMENT), 1, len(DEPARTMENTS))
    if rest >= 24:
        n_departments = max(2, n_departments)
    for dept, size in zip(
        DEPARTMENTS[:n_departments], _split(rest, n_departments, b.rng), strict=True
    ):
        _department(b, dept, size, dg)
    return Ministry(name, domain, tuple(b.units), tuple(b.employees))


def _department(b: _Builder, dept: Department, size: int, dg: str) -> None:
    code = b.unit(dept.code, dept.name, "MIN", "department", dept.code)
    director = b.person("director", code, dg, dept)
    size -= 1
    if size >= PEOPLE_PER_UNIT:
        b.person("deputy", code, director, dept)
        size -= 1
    if size <= 0:
        return
    n_units = _clamp(round(size / PEOPLE_PER_UNIT), 1, len(dept.units))
    topics = list(dept.teams)
    b.rng.shuffle(topics)
    for index, (unit_name, unit_size) in enumerate(
        zip(dept.units[:n_units], _split(size, n_units, b.rng), strict=False), start=1
    ):
        unit_code = b.unit(f"{dept.code}-W{index}", unit_name, code, "unit", dept.code)
        head = b.person("head", unit_code, director, dept)
        staff = unit_size - 1
        n_teams = _clamp(round(staff / PEOPLE_PER_TEAM), 0, 3) if staff >= 6 else 0
        if n_teams == 0:
            for _ in range(staff):
                b.person("staff", unit_code, head, dept)
            continue
        for t, team_size in enumerate(_split(staff, n_teams, b.rng), start=1):
            topic = topics.pop() if topics else f"zadań {t}"
            team_code = b.unit(
                f"{unit_code}-Z{t}", f"Zespół ds. {topic}", unit_code, "team", dept.code
            )
            leader = b.person("leader", team_code, head, dept)
            for _ in range(team_size - 1):
                b.person("staff", team_code, leader, dept)
