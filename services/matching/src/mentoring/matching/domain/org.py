"""The org structure of a ministry: units in a tree, people with a unit and a manager.

A person's id is pseudonymous: it is the participant id of the events and the `sub` of their
token. Contact data (names, e-mail) lives only here and on the compacted profile topic, and is
erased on request while the pseudonymous structure (unit, reporting line) stays.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from uuid import UUID, uuid4

from mentoring.kit.errors import Conflict, InvalidInput

LOCALES = ("pl", "en")
K = TypeVar("K", bound=Hashable)


@dataclass
class Unit:
    id: UUID
    tenant_id: UUID
    code: str
    name: str
    parent_id: UUID | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NeverPair:
    """Two people never to be paired, either way round; in one programme or (None) in all."""

    id: UUID
    tenant_id: UUID
    person_a: UUID
    person_b: UUID
    programme_id: UUID | None
    reason: str | None
    created_at: datetime

    @classmethod
    def of(
        cls,
        *,
        tenant_id: UUID,
        a: UUID,
        b: UUID,
        programme_id: UUID | None,
        reason: str | None,
        at: datetime,
    ) -> NeverPair:
        if a == b:
            raise InvalidInput("a never-pair entry needs two different people")
        low, high = sorted((a, b))
        return cls(uuid4(), tenant_id, low, high, programme_id, (reason or "").strip() or None, at)


@dataclass(frozen=True)
class ContactChanged:
    """A person's contact data changed (a profile record is due if they have one)."""

    person_id: UUID


@dataclass(frozen=True)
class ReportingLineChanged:
    person_id: UUID


@dataclass(frozen=True)
class PersonErased:
    person_id: UUID
    tenant_id: UUID
    at: datetime


PersonEvent = ContactChanged | ReportingLineChanged | PersonErased


@dataclass
class Person:
    id: UUID
    tenant_id: UUID
    employee_id: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    locale: str
    position: str | None
    unit_id: UUID | None
    manager_id: UUID | None
    created_at: datetime
    updated_at: datetime
    profile_published_at: datetime | None = None
    erased_at: datetime | None = None
    events: list[PersonEvent] = field(default_factory=list, repr=False)

    @classmethod
    def register(
        cls,
        *,
        tenant_id: UUID,
        employee_id: str | None,
        first_name: str,
        last_name: str,
        email: str,
        locale: str,
        position: str | None,
        unit_id: UUID | None,
        manager_id: UUID | None,
        at: datetime,
    ) -> Person:
        _check_locale(locale)
        return cls(
            id=uuid4(),
            tenant_id=tenant_id,
            employee_id=employee_id,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
            locale=locale,
            position=position,
            unit_id=unit_id,
            manager_id=manager_id,
            created_at=at,
            updated_at=at,
        )

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    @property
    def display_name(self) -> str | None:
        if self.erased:
            return None
        return " ".join(p for p in (self.first_name, self.last_name) if p) or None

    def change_contact(
        self,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        locale: str | None = None,
        position: str | None = None,
        at: datetime,
    ) -> None:
        if self.erased:
            raise Conflict("this person was erased; their contact data cannot be set again")
        if locale is not None:
            _check_locale(locale)
        before = (self.first_name, self.last_name, self.email, self.locale)
        self.first_name = first_name.strip() if first_name is not None else self.first_name
        self.last_name = last_name.strip() if last_name is not None else self.last_name
        self.email = email.strip() if email is not None else self.email
        self.locale = locale or self.locale
        self.position = position if position is not None else self.position
        self.updated_at = at
        if (self.first_name, self.last_name, self.email, self.locale) != before:
            self.events.append(ContactChanged(self.id))

    def move(self, *, unit_id: UUID | None, manager_id: UUID | None, at: datetime) -> None:
        """A new unit or manager (a reorganisation); the caller checks for cycles."""
        if manager_id == self.id:
            raise InvalidInput("a person cannot be their own manager")
        if (unit_id, manager_id) != (self.unit_id, self.manager_id):
            self.unit_id, self.manager_id, self.updated_at = unit_id, manager_id, at
            self.events.append(ReportingLineChanged(self.id))

    def erase(self, at: datetime) -> None:
        """Delete the personal data; the pseudonymous id, unit and reporting line stay."""
        if self.erased:
            raise Conflict("this person is already erased")
        self.first_name = self.last_name = self.email = self.position = None
        self.erased_at = self.updated_at = at
        self.events.append(PersonErased(self.id, self.tenant_id, at))


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}")


def find_cycles(parent_of: Mapping[K, K | None]) -> list[list[K]]:
    """Every cycle in a parent relation (manager of a person, parent of a unit), each once.

    Iterative with colouring, O(n): a walk stops at a root, a node already cleared, or a node
    on the current walk (which closes a cycle).
    """
    state: dict[K, int] = {}  # 1 = on the current walk, 2 = cleared
    cycles: list[list[K]] = []
    for start in parent_of:
        if start in state:
            continue
        walk: list[K] = []
        node: K | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            node = parent_of.get(node)
        if node is not None and state.get(node) == 1:
            cycles.append(walk[walk.index(node) :])
        for visited in walk:
            state[visited] = 2
    return cycles
