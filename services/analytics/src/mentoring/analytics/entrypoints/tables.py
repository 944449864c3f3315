"""The dashboard's tables, and their CSV and XLSX forms.

CSV is UTF-8 with a byte-order mark (Excel then reads Polish letters right); in Polish the
separator is a semicolon and the decimal mark a comma (what Excel expects in a Polish locale),
in English a comma and a point. XLSX holds numbers as numbers. A suppressed cell says so in words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args
from uuid import UUID

from openpyxl import Workbook
from openpyxl.styles import Font

from mentoring.analytics.domain.figures import MONTHLY_FIGURES
from mentoring.analytics.domain.months import format_month
from mentoring.analytics.domain.privacy import Value
from mentoring.analytics.entrypoints.i18n import instrument_label, t
from mentoring.analytics.service_layer.dashboard import DashboardView

TableName = Literal[
    "figures", "monthly", "funnel", "ratings", "surveys", "cross_units", "programmes"
]
TABLES: tuple[str, ...] = get_args(TableName)

Cell = Value | str | int | float | date | UUID | None


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[list[Cell]]
    # columns whose text cells are keys to translate (figure names, stages)
    translated: tuple[str, ...] = ()


def build_tables(view: DashboardView) -> dict[str, Table]:
    d = view.dashboard
    tables = {
        "figures": Table(
            "figures",
            ["figure", "value"],
            [[name, value] for name, value in d.figures.items()],
            translated=("figure",),
        ),
        "monthly": Table(
            "monthly",
            ["month", *MONTHLY_FIGURES],
            [[format_month(r.month), *(r.values[k] for k in MONTHLY_FIGURES)] for r in d.monthly],
        ),
        "funnel": Table(
            "funnel",
            ["stage", "mentees"],
            [[f"stage_{stage}", value] for stage, value in d.funnel],
            translated=("stage",),
        ),
        "ratings": Table(
            "ratings",
            ["rating", "count", "share"],
            [[r.rating, r.count, r.share] for r in d.ratings],
        ),
        "surveys": Table(
            "surveys",
            ["instrument", "start", "middle", "end", "change"],
            [
                [r.instrument, r.waves["start"], r.waves["middle"], r.waves["end"], r.change]
                for r in d.surveys
            ],
            translated=("instrument",),
        ),
        "cross_units": Table(
            "cross_units",
            ["mentor_unit", "mentee_unit", "pairs"],
            [[c.mentor_unit_id, c.mentee_unit_id, c.pairs] for c in d.cross_units],
        ),
        "programmes": Table(
            "programmes",
            [
                "programme_id",
                "name",
                "kind",
                "starts_on",
                "ends_on",
                "inactivity_days",
                "status",
                "health",
                "health_reasons",
                "cost",
                "currency",
            ],
            [
                [
                    p.programme_id,
                    p.name,
                    p.kind,
                    p.starts_on,
                    p.ends_on,
                    p.inactivity_days,
                    "closed" if p.closed else "open",
                    f"health_{p.health}" if p.health else None,
                    ", ".join(p.health_reasons),
                    float(p.cost) if p.cost is not None else None,
                    p.currency,
                ]
                for p in view.programmes
            ],
            translated=("status", "health"),
        ),
    }
    return tables


def column_label(lang: str, column: str) -> str:
    return t(lang, column) if column in MONTHLY_FIGURES else t(lang, f"col_{column}")


def _label(lang: str, table: Table, column: str, cell: Cell) -> Cell:
    if isinstance(cell, str) and column in table.translated:
        return instrument_label(lang, cell) if column == "instrument" else t(lang, cell)
    return cell


def _text(lang: str, cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Value):
        if cell.suppressed:
            return t(lang, "suppressed")
        return "" if cell.value is None else _number(lang, cell.value)
    if isinstance(cell, float):
        return _number(lang, cell)
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def _number(lang: str, value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return text.replace(".", ",") if lang == "pl" else text


def to_csv(table: Table, lang: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "pl" else ",", lineterminator="\r\n")
    writer.writerow([column_label(lang, c) for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                _text(lang, _label(lang, table, c, cell))
                for c, cell in zip(table.columns, row, strict=True)
            ]
        )
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _excel(lang: str, cell: Cell) -> Any:
    if isinstance(cell, Value):
        if cell.suppressed:
            return t(lang, "suppressed")
        return cell.value
    if isinstance(cell, UUID):
        return str(cell)
    return cell


def to_xlsx(table: Table, lang: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t(lang, f"table_{table.name}")[:31]
    sheet.append([column_label(lang, c) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(
            [
                _excel(lang, _label(lang, table, c, v))
                for c, v in zip(table.columns, row, strict=True)
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def json_cell(cell: Cell) -> Any:
    if isinstance(cell, Value):
        return {"value": cell.value, "suppressed": cell.suppressed, "reason": cell.reason}
    if isinstance(cell, date | UUID):
        return str(cell)
    return cell


def json_rows(table: Table) -> list[list[Any]]:
    return [[json_cell(c) for c in row] for row in table.rows]


def filename(table: str, extension: str, parts: Sequence[str]) -> str:
    return "-".join(["analytics", table, *parts]) + "." + extension
