"""The `mentoring` command: run a service's API, worker or migrations; mint development tokens;
show outbox and dead-letter state; replay a dead-letter topic. Services add their own commands.
"""

from __future__ import annotations

import asyncio
import json
from importlib.metadata import entry_points
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from mentoring.contracts.topics import ALL_TOPICS, dead_letter_topic
from mentoring.kit import dlq as dead_letters
from mentoring.kit.auth import Role, mint_token
from mentoring.kit.db import create_engine
from mentoring.kit.kafka import all_platform_topics, ensure_topics
from mentoring.kit.logs import configure_logging
from mentoring.kit.migrate import upgrade
from mentoring.kit.relay import outbox_state
from mentoring.kit.service import ServiceDefinition, discover
from mentoring.kit.settings import KitSettings

app = typer.Typer(help="The mentoring platform's command line.", no_args_is_help=True)
outbox_app = typer.Typer(help="Outbox state of a service.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter topics: show and replay.", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics of the platform.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
app.add_typer(dlq_app, name="dlq")
app.add_typer(topics_app, name="topics")
console = Console()


def _service(name: str) -> ServiceDefinition:
    services = discover()
    if name not in services:
        raise typer.BadParameter(f"unknown service {name!r}; one of: {', '.join(services)}")
    return services[name]


@app.command()
def api(service: str, port: Annotated[int | None, typer.Option()] = None) -> None:
    """Run a service's HTTP API (uvicorn)."""
    import uvicorn

    definition = _service(service)
    settings = definition.settings()
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        definition.build_api(settings),
        host=settings.api_host,
        port=port or settings.api_port,
        log_config=None,
        proxy_headers=True,
    )


@app.command()
def worker(service: str) -> None:
    """Run a service's worker: consumers, outbox relay, periodic jobs, health on its own port."""
    definition = _service(service)
    settings = definition.settings()
    configure_logging(settings.service_name, settings.log_level)
    asyncio.run(definition.build_worker(settings).run())


@app.command()
def migrate(service: Annotated[str, typer.Argument(help="a service name, or 'all'")]) -> None:
    """Upgrade a service's database to the latest migration (as the owner role)."""
    names = list(discover()) if service == "all" else [service]
    for name in names:
        definition = _service(name)
        settings = definition.settings()
        upgrade(definition.migrations, settings.migration_database_url, settings.database_url)
        console.print(f"[green]migrated[/green] {name}")


@app.command()
def token(
    tenant: Annotated[UUID, typer.Option(help="tenant (ministry) id")],
    role: Annotated[list[Role], typer.Option(help="repeat for several roles")],
    subject: Annotated[str, typer.Option(help="sub claim: a participant id or a user name")] = (
        "dev-user"
    ),
    hours: Annotated[float, typer.Option()] = 12.0,
) -> None:
    """Mint a development token (HS256 with MENTORING_JWT_SECRET)."""
    settings = KitSettings()
    typer.echo(
        mint_token(
            secret=settings.jwt_secret,
            subject=subject,
            tenant_id=tenant,
            roles=[r.value for r in role],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=int(hours * 3600),
        )
    )


@topics_app.command("ensure")
def topics_ensure() -> None:
    """Create the platform's topics and their dead-letter topics (idempotent)."""
    s = KitSettings()
    asyncio.run(
        ensure_topics(
            s.kafka_bootstrap,
            all_platform_topics(s.topic_namespace),
            partitions=s.topic_partitions,
            replication_factor=s.topic_replication_factor,
            min_insync_replicas=s.topic_min_insync_replicas,
        )
    )
    console.print(f"topics ready ({s.topic_partitions} partitions each)")


@outbox_app.command("status")
def outbox_status(service: str) -> None:
    """Unsent rows and the age of the oldest one."""
    settings = _service(service).settings()

    async def run() -> None:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            state = await outbox_state(engine, settings.topic_namespace)
        finally:
            await engine.dispose()
        console.print_json(
            json.dumps(
                {
                    "service": service,
                    "backlog": state.backlog,
                    "oldest_unsent": state.oldest_unsent.isoformat()
                    if state.oldest_unsent
                    else None,
                }
            )
        )

    asyncio.run(run())


def _dlq_name(topic: str) -> str:
    return topic if topic.endswith(".dlq") else dead_letter_topic(topic)


@dlq_app.command("show")
def dlq_show(
    topic: Annotated[str, typer.Argument(help=f"one of {', '.join(ALL_TOPICS)} (or its .dlq)")],
    limit: Annotated[int, typer.Option()] = 50,
) -> None:
    """List dead letters with their origin, error and attempts."""
    s = KitSettings()
    letters = asyncio.run(
        dead_letters.read_dead_letters(s.kafka_bootstrap, _dlq_name(topic), limit)
    )
    table = Table(title=f"{_dlq_name(topic)}: {len(letters)} shown")
    for col in ("offset", "origin", "type", "group", "attempts", "error"):
        table.add_column(col)
    for d in letters:
        table.add_row(
            str(d.offset),
            d.origin,
            d.headers.get("ce_type", "-"),
            d.headers.get("dlq_consumer_group", "-"),
            d.headers.get("dlq_attempts", "-"),
            (d.headers.get("dlq_error", "") or "")[:120],
        )
    console.print(table)


@dlq_app.command("replay")
def dlq_replay(
    topic: str,
    group: Annotated[
        str | None, typer.Option(help="only letters dead-lettered by this consumer group")
    ] = None,
) -> None:
    """Republish dead letters to their original topic (after the cause is fixed)."""
    s = KitSettings()
    count = asyncio.run(
        dead_letters.replay(
            s.kafka_bootstrap,
            _dlq_name(topic),
            only=lambda d: group is None or d.headers.get("dlq_consumer_group") == group,
        )
    )
    console.print(f"replayed {count} message(s) from {_dlq_name(topic)}")


def main() -> None:
    for name, definition in discover().items():
        if definition.cli is not None:
            app.add_typer(definition.cli, name=name, help=f"Commands of the {name} service.")
    for ep in entry_points(group="mentoring.cli"):
        app.add_typer(ep.load(), name=ep.name)
    app()
