"""`mentoring analytics ...`: service commands (the rebuild of the read model)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import make_url

from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.service_layer.rebuild import RebuildConfig, RebuildRefused, rebuild

app = typer.Typer(help="Analytics: the read model.", no_args_is_help=True)
console = Console()


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def rebuild_config(
    settings: AnalyticsSettings, *, batch_size: int = 10000, workers: int = 1
) -> RebuildConfig:
    return RebuildConfig(
        bootstrap=settings.kafka_bootstrap,
        namespace=settings.topic_namespace,
        group_prefix=settings.group_id,
        schema=settings.read_model_schema,
        owner_dsn=asyncpg_dsn(settings.migration_database_url),
        app_role=make_url(settings.database_url).username or "analytics",
        batch_size=batch_size,
        workers=workers,
    )


@app.command("rebuild")
def rebuild_command(
    batch_size: Annotated[
        int, typer.Option(min=100, max=100_000, help="Records fetched and folded at a time.")
    ] = 10000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Processes folding in parallel, each a share of the partitions (worth it when "
            "CPUs are idle: the broker and Postgres need some too).",
        ),
    ] = 1,
) -> None:
    """Rebuild the read model from offset 0 of every topic (stop the analytics worker first).

    Builds fresh tables in a shadow schema, swaps them in with one transaction, then sets the
    projection consumer groups to the offsets where the rebuild ended.
    """
    cfg = rebuild_config(AnalyticsSettings(), batch_size=batch_size, workers=workers)
    columns = (
        TextColumn("[bold]rebuild"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("rebuild", total=None)
        try:
            report = asyncio.run(
                rebuild(
                    cfg,
                    on_start=lambda total: progress.update(task, total=total),
                    on_progress=lambda n: progress.advance(task, n),
                )
            )
        except RebuildRefused as exc:
            console.print(f"[red]refused:[/red] {exc}")
            raise typer.Exit(1) from None
    console.print(
        f"[green]rebuilt[/green] schema {cfg.schema!r} from {report.records} events "
        f"({report.applied} applied, {report.skipped} undecodable) in {report.seconds:.1f} s "
        f"({report.rate:,.0f} events/s); projection groups set to the end offsets"
    )
