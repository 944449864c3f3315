"""The monthly sums of one scope (one programme, or every programme of a tenant) as figures read
them: totals over a period, totals up to a month, and bounds of the people behind a figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from mentoring.analytics.domain.months import months_between
from mentoring.analytics.domain.readmodel import people

ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    """The months a figure covers, both ends included."""

    first: date
    last: date

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)


class Cube:
    """metric -> month -> programme -> amount, built from rm_metric_month rows of one scope."""

    def __init__(self, rows: Iterable[tuple[UUID, date, str, Decimal | int]]) -> None:
        self._data: dict[str, dict[date, dict[UUID, Decimal]]] = {}
        self.months_seen: set[date] = set()
        for programme, month, metric, amount in rows:
            by_month = self._data.setdefault(metric, {})
            by_programme = by_month.setdefault(month, {})
            by_programme[programme] = by_programme.get(programme, ZERO) + Decimal(amount)
            self.months_seen.add(month)
        # Per metric and month: the sum over programmes, and the largest programme's amount.
        self._sums = {
            metric: {month: sum(p.values(), ZERO) for month, p in by_month.items()}
            for metric, by_month in self._data.items()
        }
        self._maxima = {
            metric: {month: max(p.values()) for month, p in by_month.items()}
            for metric, by_month in self._data.items()
        }

    def metrics(self) -> list[str]:
        return list(self._data)

    def total(self, metric: str, first: date | None, last: date) -> Decimal:
        """Summed over programmes and over the months from `first` (None: the beginning) to
        `last`."""
        out = ZERO
        for month, amount in self._sums.get(metric, {}).items():
            if month <= last and (first is None or month >= first):
                out += amount
        return out

    def per_programme(self, metric: str, first: date | None, last: date) -> dict[UUID, Decimal]:
        out: dict[UUID, Decimal] = {}
        for month, by_programme in self._data.get(metric, {}).items():
            if month <= last and (first is None or month >= first):
                for programme, amount in by_programme.items():
                    out[programme] = out.get(programme, ZERO) + amount
        return out

    def month(self, metric: str, month: date) -> Decimal:
        return self._sums.get(metric, {}).get(month, ZERO)

    def people_bounds(self, populations: Iterable[str], first: date | None, last: date) -> Bounds:
        """Bounds of the distinct people in the union of people sets over a period.

        Each (programme, month, population) count is exact, so the largest is a lower bound of
        the union and their sum an upper bound.
        """
        lo = ZERO
        hi = ZERO
        for population in populations:
            name = people(population)
            maxima = self._maxima.get(name, {})
            for month, amount in self._sums.get(name, {}).items():
                if month <= last and (first is None or month >= first):
                    lo = max(lo, maxima[month])
                    hi += amount
        return Bounds(int(lo), int(hi))


@dataclass(frozen=True)
class Bounds:
    lo: int
    hi: int

    @classmethod
    def of_values(cls, per_programme: Iterable[Decimal | int]) -> Bounds:
        """People counted once per programme: their largest count and their sum."""
        values = [int(v) for v in per_programme]
        return cls(max(values, default=0), sum(values))
