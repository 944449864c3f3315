"""Reading an HR system's CSV export of the org structure (docs/matching.md lists the columns).

UTF-8 with or without a byte-order mark; `,`, `;` or tab as delimiter (detected from the header,
as Excel in a Polish locale writes `;`); header names are case-insensitive and extra columns are
ignored. Line numbers are the file's physical lines (the header is line 1).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from mentoring.matching.domain.org_import import OrgRow, RowError, check_header

DELIMITERS = (";", ",", "\t")
MAX_ROWS = 100_000


@dataclass
class ParsedCsv:
    """The rows read; `errors` of single rows (skipped) or, when `fatal`, of the whole file."""

    columns: list[str] = field(default_factory=list)
    rows: list[OrgRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    fatal: bool = False


def _undecodable_lines(data: bytes) -> list[RowError]:
    errors = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(RowError(number, None, "not_utf8"))
    return errors


def detect_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","


def parse_org_csv(data: bytes, *, max_rows: int = MAX_ROWS) -> ParsedCsv:
    """Rows with their line numbers, or the errors that stop a file from being read."""
    parsed = ParsedCsv()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        parsed.errors, parsed.fatal = _undecodable_lines(data), True
        return parsed
    if not text.strip():
        parsed.errors, parsed.fatal = [RowError(1, None, "empty_file")], True
        return parsed
    if "\x00" in text:  # not text at all (Postgres cannot store it): say which lines
        parsed.errors = [
            RowError(number, None, "nul_character")
            for number, line in enumerate(text.split("\n"), start=1)
            if "\x00" in line
        ]
        parsed.fatal = True
        return parsed
    first_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(first_line))
    try:
        header = next(reader)
    except csv.Error as exc:
        parsed.errors, parsed.fatal = [RowError(1, None, "bad_csv", {"detail": str(exc)})], True
        return parsed
    parsed.columns = [h.strip().lstrip("\ufeff").lower() for h in header]
    parsed.errors = check_header(parsed.columns)
    if parsed.errors:
        parsed.fatal = True
        return parsed
    width = len(parsed.columns)
    line = reader.line_num + 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(v.strip() for v in record):
                continue
            if len(parsed.rows) >= max_rows:
                parsed.errors.append(RowError(start, None, "too_many_rows", {"limit": max_rows}))
                parsed.fatal = True
                break
            if len(record) < width or any(v.strip() for v in record[width:]):
                parsed.errors.append(
                    RowError(start, None, "field_count", {"found": len(record), "expected": width})
                )
                continue
            values = {c: v.strip() for c, v in zip(parsed.columns, record, strict=False) if c}
            parsed.rows.append(OrgRow(start, values))
    except csv.Error as exc:
        parsed.errors.append(RowError(line, None, "bad_csv", {"detail": str(exc)}))
        parsed.fatal = True
    return parsed
