"""What `make up` prints at the end: where everything is, and a coordinator's token to try it."""

from __future__ import annotations

import os
from urllib.parse import quote

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mentoring.demo.api import API_PORTS, SERVICES, WORKER_PORTS, Platform
from mentoring.demo.seed import DemoTenant

TOKEN_HOURS = 12.0


def worker_url(service: str) -> str:
    return f"http://127.0.0.1:{WORKER_PORTS[service]}"


def postgres_address() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/postgres")
    host = url.rsplit("@", 1)[-1].split("/", 1)[0]
    return f"{host} (databases matching, sessions, notifications, analytics)"


def addresses_table(platform: Platform) -> Table:
    table = Table(title="The mentoring platform, running locally", title_justify="left")
    table.add_column("service")
    table.add_column("API docs (OpenAPI)")
    table.add_column("events it publishes (AsyncAPI)")
    table.add_column("worker health")
    for name in SERVICES:
        base = platform.urls.get(name) or f"http://127.0.0.1:{API_PORTS[name]}"
        table.add_row(name, f"{base}/docs", f"{base}/asyncapi", f"{worker_url(name)}/health/ready")
    return table


def coordinator_token(platform: Platform, tenant: DemoTenant, hours: float = TOKEN_HOURS) -> str:
    sub = tenant.coordinator_id or "demo-coordinator"
    return platform.tokens.mint(tenant.tenant_id, "coordinator", sub=sub, hours=hours)


def render(platform: Platform, tenant: DemoTenant | None, console: Console) -> None:
    console.print(addresses_table(platform))
    infra = Table.grid(padding=(0, 2))
    infra.add_row(
        "Kafka",
        f"{platform.kafka_bootstrap} (topics mentoring.matching, "
        "mentoring.sessions, mentoring.notifications, mentoring.analytics, "
        "mentoring.participants.profiles)",
    )
    infra.add_row("Postgres", postgres_address())
    infra.add_row(
        "E-mail", "sent over SMTP to 127.0.0.1:1025; see them with `uv run mentoring demo mailbox`"
    )
    console.print(infra)
    if tenant is None:
        console.print("[yellow]No demo ministry yet: `uv run mentoring demo seed`.[/yellow]")
        return
    token = coordinator_token(platform, tenant)
    analytics = platform.urls.get("analytics") or "http://127.0.0.1:8004"
    matching = platform.urls.get("matching") or "http://127.0.0.1:8001"
    say = console.print
    say()
    say(f"[bold]Demo ministry:[/bold] {tenant.name} (slug {tenant.slug})")
    say(f"  tenant {tenant.tenant_id}, programme {tenant.programme_id}", soft_wrap=True)
    say()
    say("[bold]Dashboard[/bold], signed in as the programme's coordinator:")
    # printed without line breaks of ours, so that a terminal's copy takes them whole
    say(Text(f"{analytics}/dashboard?token={quote(token)}"), soft_wrap=True)
    say()
    say(f"[bold]Coordinator token[/bold] (valid {TOKEN_HOURS:g} h), and two calls to try:")
    say(Text(f'export TOKEN="{token}"'), soft_wrap=True)
    say(
        Text(
            f'curl -s -H "Authorization: Bearer $TOKEN" '
            f'"{matching}/api/v1/pairs?programme_id={tenant.programme_id}&limit=3"'
        ),
        soft_wrap=True,
    )
    say(
        Text(f'curl -s -H "Authorization: Bearer $TOKEN" "{analytics}/api/v1/dashboard"'),
        soft_wrap=True,
    )
    say()
    say("[bold]The whole journey, narrated:[/bold] uv run mentoring demo journey")
