"""Calendar months, the time unit of every figure: a month is the date of its first day (UTC)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from mentoring.kit.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_of(ts: datetime) -> date:
    """The month a moment falls in, in UTC (a naive moment is taken as UTC)."""
    if ts.tzinfo is not None and ts.utcoffset():
        ts = ts.astimezone(UTC)
    return date(ts.year, ts.month, 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included."""
    out: list[date] = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def month_end(month: date) -> datetime:
    """The first moment after the month (exclusive upper bound), UTC."""
    following = add_months(month, 1)
    return datetime(following.year, following.month, 1, tzinfo=UTC)


def month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def parse_month(text: str) -> date:
    """`2026-03` -> the month; anything else is invalid input."""
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise InvalidInput(f"a month is written YYYY-MM, not {text!r}")
    return date(int(found.group(1)), int(found.group(2)), 1)


def format_month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
