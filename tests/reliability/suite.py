"""The five parts of the proof, their sizes, their acceptance criteria and the figures report
(markdown and JSON under reports/). Used by the tests (reduced size) and by the runner
(`python -m tests.reliability --size full`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.reliability.chaos import ZERO_LAG_BOUND_SECONDS
from tests.reliability.poison import SESSIONS_TOPIC_GROUPS, STALL_BOUND_SECONDS

REPORTS = Path(__file__).resolve().parents[2] / "reports"


@dataclass(frozen=True)
class Size:
    name: str
    sessions: int
    tenants: int
    pairs: int
    clients: int
    load_seconds: float
    poison_events: int
    poison_invalid: int
    poison_transient: int
    isolation_requests: int
    fuzz_examples: int


REDUCED = Size(
    name="reduced",
    sessions=1_000,
    tenants=2,
    pairs=50,
    clients=8,
    load_seconds=60.0,
    poison_events=2_000,
    poison_invalid=20,
    poison_transient=20,
    isolation_requests=1_000,
    fuzz_examples=5,
)
FULL = Size(
    name="full",
    sessions=10_000,
    tenants=3,
    pairs=500,
    clients=8,
    load_seconds=240.0,
    poison_events=10_000,
    poison_invalid=100,
    poison_transient=100,
    isolation_requests=10_000,
    fuzz_examples=40,
)
SIZES = {s.name: s for s in (REDUCED, FULL)}

Check = tuple[str, bool]


def chaos_checks(f: dict[str, Any]) -> list[Check]:
    n = f["sessions requested"]
    acked = f["sessions acknowledged (distinct ids)"]
    lag = f["seconds from end of last fault to zero lag"]
    return [
        (
            f"every one of the {n} sessions acknowledged (201)",
            acked == n and not f["failed requests"],
        ),
        (f"{n} session rows", f["session rows"] == n),
        ("0 lost events (a row without its event)", f["lost events (row without event)"] == 0),
        ("0 events without their session row", f["events without their session row"] == 0),
        ("one event id per session", f["sessions with two event ids"] == 0),
        (
            f"exactly {n} effects in analytics (read model)",
            f["analytics effects (read model)"] == n,
        ),
        (f"exactly {n} effects in analytics (API)", f["analytics effects (API total)"] == n),
        (
            "analytics count per pair equals the pair's sessions",
            f["analytics pairs whose count differs"] == 0,
        ),
        (
            f"exactly {n} effects in notifications (webhooks)",
            f["webhook events accepted (distinct)"] == n,
        ),
        (f"{n} webhook deliveries recorded sent", f["webhook deliveries sent (rows)"] == n),
        ("0 reorderings within a pair", f["reorderings within a pair"] == 0),
        ("0 sequence gaps within a pair", f["sequence gaps within a pair"] == 0),
        (
            f"zero lag within {ZERO_LAG_BOUND_SECONDS:.0f} s of the end of the last fault",
            lag is not None and lag <= ZERO_LAG_BOUND_SECONDS,
        ),
        ("every fault was applied", len(f["faults"]) == 5),
    ]


def poison_checks(f: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    for g in SESSIONS_TOPIC_GROUPS:
        checks.append(
            (
                f"dead letters of {g} are exactly the invalid ones",
                f[f"dead letters of {g}: exactly the invalid ones"],
            )
        )
        checks.append(
            (
                f"no transient event dead-lettered by {g}",
                f[f"dead letters of {g}: transient ones"] == 0,
            )
        )
    stalls = f["longest stall of a partition with lag, s (per group)"]
    checks += [
        ("every group caught up", f["seconds until every group caught up"] is not None),
        (
            "analytics applied every valid event",
            f["analytics: valid events applied"] == f["valid events"],
        ),
        ("analytics count per pair right", f["analytics: pairs whose count differs"] == 0),
        (
            "notifications delivered every valid event",
            f["notifications: valid events delivered by webhook"] == f["valid events"],
        ),
        (
            "notifications delivered no invalid event",
            f["notifications: invalid events delivered"] == 0,
        ),
        (
            f"no partition stalled more than {STALL_BOUND_SECONDS:.0f} s",
            all(g in stalls for g in SESSIONS_TOPIC_GROUPS)
            and all(v <= STALL_BOUND_SECONDS for v in stalls.values()),
        ),
        ("offsets were sampled", f["offset samples"] > 0),
    ]
    return checks


def isolation_checks(f: dict[str, Any]) -> list[Check]:
    return [
        ("0 leaked rows", f["leaked rows (foreign ids in answers)"] == 0),
        ("0 successful cross-tenant calls", f["successful cross-tenant calls"] == 0),
        ("every operation with an id probed", not f["operations not probed (no ids)"]),
        (
            "the owner's GETs succeed (the probes are meaningful)",
            f["owner control GETs"].get("200", 0) > 0,
        ),
        ("0 forged tokens accepted", f["forged tokens accepted"] == 0),
        ("forged tokens were tried", f["forged-token requests"] > 0),
    ]


def fuzzing_checks(f: dict[str, Any]) -> list[Check]:
    return [
        ("0 server errors", f["server errors"] == 0),
        ("0 responses that break their own schema", f["responses breaking their schema"] == 0),
        ("every operation generated", not f["generation errors"]),
        ("calls were made", f["calls"] > 0),
    ]


def erasure_checks(f: dict[str, Any]) -> list[Check]:
    return [
        (
            "the name and e-mail were there before",
            f["rows with the name or e-mail before erasure"] > 0,
        ),
        ("0 copies in any database", f["copies left in the databases"] == 0),
        (
            "0 copies in the profile topic after compaction",
            f["profile topic: copies of the name or e-mail"] == 0,
        ),
        ("the figures had settled before the erasure", f["figures settled before erasure"]),
        ("the pseudonymous figures are unchanged", not f["figures changed by the erasure"]),
    ]


CHECKS = {
    "chaos": chaos_checks,
    "poison": poison_checks,
    "isolation": isolation_checks,
    "fuzzing": fuzzing_checks,
    "erasure": erasure_checks,
}


def failed(part: str, figures: dict[str, Any]) -> list[str]:
    return [name for name, ok in CHECKS[part](figures) if not ok]


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")[:600]


def render_markdown(size: Size, results: dict[str, dict[str, Any]], started: datetime) -> str:
    lines = [
        f"# Reliability and security proof: {size.name} size",
        "",
        f"Run {started.isoformat(timespec='seconds')} to "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}",
        "",
        "| part | criterion | result |",
        "| --- | --- | --- |",
    ]
    for part, figures in results.items():
        if "error" in figures:
            lines.append(f"| {part} | ran to the end | FAILED: {_cell(figures['error'])} |")
            continue
        for name, ok in CHECKS[part](figures):
            lines.append(f"| {part} | {name} | {'pass' if ok else 'FAIL'} |")
    for part, figures in results.items():
        lines += ["", f"## {part}", "", "| figure | value |", "| --- | --- |"]
        for key, value in figures.items():
            if key == "faults" and isinstance(value, list):
                continue
            lines.append(f"| {key} | {_cell(value)} |")
        if part == "chaos" and isinstance(figures.get("faults"), list):
            lines += ["", "| fault | at load progress | started at s | took s | detail |"]
            lines.append("| --- | --- | --- | --- | --- |")
            for fault in figures["faults"]:
                lines.append("| " + " | ".join(_cell(v) for v in fault.values()) + " |")
    return "\n".join(lines) + "\n"


def write_report(
    size: Size, results: dict[str, dict[str, Any]], started: datetime, stem: str
) -> tuple[Path, str]:
    REPORTS.mkdir(exist_ok=True)
    markdown = render_markdown(size, results, started)
    (REPORTS / f"{stem}.md").write_text(markdown)
    (REPORTS / f"{stem}.json").write_text(
        json.dumps(
            {
                "size": asdict(size),
                "started": started.isoformat(),
                "results": results,
                "failed": {
                    p: (["ran to the end"] if "error" in f else failed(p, f))
                    for p, f in results.items()
                },
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )
    return REPORTS / f"{stem}.md", markdown
