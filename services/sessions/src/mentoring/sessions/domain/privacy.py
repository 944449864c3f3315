"""Small-group suppression (DESIGN.md §4): no figure computed from fewer than 5 people."""

from __future__ import annotations

from dataclasses import dataclass

MIN_PEOPLE = 5


@dataclass(frozen=True)
class Figure:
    """A value shown only when enough people stand behind it."""

    value: float | None
    people: int

    @classmethod
    def of(cls, value: float | None, people: int) -> Figure:
        if people < MIN_PEOPLE:
            return cls(None, people)
        return cls(value, people)

    @property
    def suppressed(self) -> bool:
        return self.people < MIN_PEOPLE
