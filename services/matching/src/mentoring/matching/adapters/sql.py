"""Small SQL helpers of the adapters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, ColumnElement, any_, literal
from sqlalchemy.dialects.postgresql import UUID as PG_UUID


def among(column: ColumnElement[Any], ids: Iterable[UUID]) -> ColumnElement[bool]:
    """`column = ANY(:ids)` with one array parameter: one prepared statement whatever the
    number of ids (an IN list of thousands of parameters is re-planned for every length)."""
    return column == any_(literal(list(ids), ARRAY(PG_UUID(as_uuid=True))))
