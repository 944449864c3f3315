"""Importing the org structure from an HR export: all or nothing, every bad line reported.

Reading and checking run off the event loop (a thread); the writes are bulk upserts in chunks
inside one transaction, so a file with one bad row changes nothing. A re-import updates what
changed and flags open pairs that a reorganisation put into one reporting chain.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mentoring.kit.errors import InvalidInput
from mentoring.matching.adapters.org_csv import parse_org_csv
from mentoring.matching.adapters.profiles import publish_contact
from mentoring.matching.domain.org_import import RowError, plan_import
from mentoring.matching.service_layer import common
from mentoring.matching.service_layer.uow import MatchingUnitOfWork

# stage ("read", "check", "units", "people"), units of work done, total units of the stage
Progress = Callable[[str, int, int], None]


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class ImportOrg:
    data: bytes
    locale: str = "pl"  # of the error messages


class ImportRejected(InvalidInput):
    """422 with every bad line: `errors: [{line, field, code, message}]`."""

    def __init__(self, errors: list[RowError], locale: str) -> None:
        lines = len({e.line for e in errors})
        detail = (
            f"Plik zawiera błędy w {lines} wierszach; niczego nie zaimportowano."
            if locale == "pl"
            else f"The file has errors on {lines} line(s); nothing was imported."
        )
        super().__init__(detail, errors=[e.as_dict(locale) for e in errors])
        self.errors = errors


async def import_org(
    cmd: ImportOrg,
    uow: MatchingUnitOfWork,
    now: datetime,
    progress: Progress = _no_progress,
) -> dict[str, Any]:
    parsed = await asyncio.to_thread(parse_org_csv, cmd.data)
    progress("read", len(parsed.rows), len(parsed.rows))
    if parsed.fatal:
        raise ImportRejected(parsed.errors, cmd.locale)
    async with uow:
        default_locale = await common.tenant_exists(uow)
        assert uow.tenant_id is not None
        await uow.lock("org")
        snapshot = await uow.org.snapshot(default_locale)
        plan, errors = await asyncio.to_thread(plan_import, parsed.rows, snapshot)
        progress("check", len(parsed.rows), len(parsed.rows))
        errors = sorted([*parsed.errors, *errors], key=lambda e: (e.line, e.field or ""))
        if plan is None or errors:
            raise ImportRejected(errors, cmd.locale)
        done = {"units": 0, "people": 0}

        def advance(stage: str, total: int) -> Callable[[int], None]:
            def step(n: int) -> None:
                done[stage] += n
                progress(stage, done[stage], total)

            return step

        await uow.org.upsert_units(
            uow.tenant_id, plan.units, now, advance("units", len(plan.units))
        )
        await uow.org.upsert_people(
            uow.tenant_id, plan.people, now, advance("people", len(plan.people))
        )
        for p in plan.people:
            if p.has_profile and p.contact_changed and p.email is not None:
                await publish_contact(
                    uow,
                    person_id=p.id,
                    tenant_id=uow.tenant_id,
                    display_name=f"{p.first_name} {p.last_name}".strip(),
                    email=p.email,
                    locale=p.locale,
                )
                await uow.pace()
        flagged = 0
        if any(p.line_changed and not p.new for p in plan.people):
            flagged = await common.flag_reporting_conflicts(uow, plan.manager_of, now)
        await uow.commit()
    return {**plan.summary, "pairs_flagged": flagged}
