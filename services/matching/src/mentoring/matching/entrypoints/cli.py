"""`mentoring matching ...`: commands of the matching service (import the org structure)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mentoring.kit.db import create_engine, session_factory
from mentoring.kit.errors import DomainError
from mentoring.kit.outbox import Outbox
from mentoring.matching.config import MatchingSettings
from mentoring.matching.service_layer.org_import import ImportOrg, ImportRejected, import_org
from mentoring.matching.service_layer.uow import MatchingUnitOfWork

app = typer.Typer(help="Commands of the matching service.", no_args_is_help=True)
console = Console()


@app.callback()
def matching() -> None:
    """Commands of the matching service."""


STAGES = {
    "read": "Reading the file / Czytanie pliku",
    "check": "Checking rows / Sprawdzanie wierszy",
    "units": "Writing units / Zapis jednostek",
    "people": "Writing people / Zapis osób",
}


async def run_import(
    settings: MatchingSettings, tenant: UUID, data: bytes, locale: str, progress: Progress
) -> dict[str, Any]:
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    tasks = {stage: progress.add_task(text, total=None) for stage, text in STAGES.items()}

    def advance(stage: str, done: int, total: int) -> None:
        progress.update(tasks[stage], completed=done, total=total)

    try:
        uow = MatchingUnitOfWork(
            session_factory(engine), Outbox(settings.relay_shards, settings.topic_namespace), tenant
        )
        return await import_org(ImportOrg(data, locale), uow, datetime.now(UTC), advance)
    finally:
        await engine.dispose()


@app.command("import-org")
def import_org_command(
    tenant: Annotated[UUID, typer.Argument(help="the tenant (ministry) id")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    locale: Annotated[str, typer.Option(help="language of error messages: pl or en")] = "pl",
) -> None:
    """Import units, people and reporting lines from an HR export (CSV, UTF-8; see
    docs/matching.md). All or nothing: every bad line is listed and nothing is written."""
    settings = MatchingSettings()
    data = file.read_bytes()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        try:
            summary = asyncio.run(run_import(settings, tenant, data, locale, progress))
        except ImportRejected as rejected:
            progress.stop()
            table = Table(title=rejected.detail)
            for column in ("line", "field", "message"):
                table.add_column(column)
            for error in rejected.errors:
                table.add_row(str(error.line), error.field or "-", error.message(locale))
            console.print(table)
            raise typer.Exit(1) from None
        except DomainError as error:
            progress.stop()
            console.print(f"[red]{error.detail}[/red]")
            raise typer.Exit(1) from None
    table = Table(title="Import finished / Import zakończony")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in summary.items():
        table.add_row(key, str(value))
    console.print(table)
