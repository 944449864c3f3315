"""`mentoring demo ...` commands: the synthetic ministry, the seed of `make up`, the journey."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from mentoring.demo.api import Platform
from mentoring.demo.orgdata import DEFAULT_DOMAIN, DEFAULT_MINISTRY, DEFAULT_SEED, generate
from mentoring.demo.report import Reporter
from mentoring.demo.seed import DEMO_SLUG, SeedOptions, answer_surveys, find_demo_tenant, seed

T = TypeVar("T")

app = typer.Typer(
    help="The demo ministry: generate it, seed it, walk through the journey.",
    no_args_is_help=True,
)
console = Console(highlight=False)

Slug = Annotated[str, typer.Option(envvar="MENTORING_DEMO_SLUG", help="the demo ministry's slug")]


def _run(work: Callable[[Platform], Awaitable[T]]) -> T:
    """Run against the services of `make up` (or MENTORING_DEMO_<SERVICE>_URL); a failed call
    ends the command with exit code 1 and the service's answer."""

    async def main() -> T:
        platform = Platform.over_http()
        try:
            down = await platform.reachable()
            if down:
                console.print(
                    f"[red]Not running: {', '.join(down)}.[/red] Start the system with `make up`."
                )
                raise typer.Exit(1)
            return await work(platform)
        finally:
            await platform.aclose()

    try:
        return asyncio.run(main())
    except (RuntimeError, TimeoutError) as exc:  # ApiError is a RuntimeError
        console.print(f"[red]Failed:[/red] {exc}")
        raise typer.Exit(1) from None


@app.command("generate-org")
def generate_org(
    out: Annotated[Path, typer.Argument(help="the CSV file to write ('-' for stdout)")],
    employees: Annotated[int, typer.Option(min=1, max=100_000)] = 2000,
    seed_: Annotated[int, typer.Option("--seed")] = DEFAULT_SEED,
    name: Annotated[str, typer.Option()] = DEFAULT_MINISTRY,
    domain: Annotated[str, typer.Option(help="e-mail domain")] = DEFAULT_DOMAIN,
) -> None:
    """Write a synthetic ministry's HR export: the CSV that `POST /org/import` takes."""
    ministry = generate(employees, seed=seed_, name=name, domain=domain)
    text = ministry.to_csv()
    if str(out) == "-":
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(
        f"{out}: {len(ministry.employees)} employees in {len(ministry.units)} units "
        f"of {ministry.name} (@{ministry.domain})"
    )


@app.command("seed")
def seed_command(  # noqa: PLR0917 - typer options
    slug: Slug = DEMO_SLUG,
    employees: Annotated[int, typer.Option(min=20)] = 2000,
    mentors: Annotated[int, typer.Option(min=1)] = 120,
    mentees: Annotated[int, typer.Option(min=1)] = 140,
    seed_: Annotated[int, typer.Option("--seed")] = DEFAULT_SEED,
    concurrency: Annotated[int, typer.Option(min=1, max=64)] = 16,
    survey_wait: Annotated[float, typer.Option(help="seconds to wait for due surveys")] = 60.0,
) -> None:
    """Seed the demo ministry through the public APIs (nothing happens if its slug exists)."""
    options = SeedOptions(
        slug=slug,
        employees=employees,
        mentors=mentors,
        mentees=mentees,
        seed=seed_,
        concurrency=concurrency,
        survey_wait=survey_wait,
    )
    _run(lambda platform: seed(platform, options, Reporter(console)))


@app.command("summary")
def summary(slug: Slug = DEMO_SLUG) -> None:
    """Where everything runs, and a coordinator's token for the demo ministry (valid 12 h)."""
    from mentoring.demo.addresses import render

    async def work(platform: Platform) -> None:
        render(platform, await find_demo_tenant(platform, slug), console)

    _run(work)


@app.command("answer-surveys")
def answer_surveys_command(slug: Slug = DEMO_SLUG) -> None:
    """The demo ministry's participants answer the surveys that became due since the seed."""

    async def work(platform: Platform) -> None:
        tenant = await find_demo_tenant(platform, slug)
        if tenant is None or tenant.programme_id is None:
            console.print("[yellow]No demo ministry yet: `mentoring demo seed`.[/yellow]")
            raise typer.Exit(1)
        token = platform.tokens.mint(tenant.tenant_id, "coordinator", sub="demo-seed")
        pairs = await platform.matching.all_pages(
            "/api/v1/pairs", token=token, params={"programme_id": str(tenant.programme_id)}
        )
        people = sorted({p[k] for p in pairs for k in ("mentor_id", "mentee_id")})
        from uuid import UUID

        n = await answer_surveys(platform, tenant.tenant_id, [UUID(p) for p in people])
        console.print(f"{n} surveys answered")

    _run(work)


@app.command("journey")
def journey_command(
    slug: Slug = DEMO_SLUG,
    own_ministry: Annotated[
        bool, typer.Option(help="provision a new small ministry instead of the demo one")
    ] = False,
    smtp_port: Annotated[
        int, typer.Option(help="listen here for the e-mails (the notifications SMTP port)")
    ] = 1025,
    timeout: Annotated[float, typer.Option(help="seconds to wait for each effect")] = 90.0,
) -> None:
    """Walk the scripted journey against the running system and show each step: its HTTP calls,
    the events they caused (read back from Kafka) and the e-mail with the session's .ics."""
    from mentoring.demo.eventtap import EventTap
    from mentoring.demo.journey import journey
    from mentoring.demo.mailbox import Mailbox

    async def work(platform: Platform) -> None:
        tap = await EventTap(platform.kafka_bootstrap, platform.topic_namespace).start()
        box: Mailbox | None = Mailbox(port=smtp_port)
        try:
            assert box is not None
            box.start()
        except OSError:
            console.print(
                f"[dim]127.0.0.1:{smtp_port} is taken: e-mails go to whoever listens.[/dim]"
            )
            box = None
        try:
            await journey(
                platform,
                Reporter(console),
                slug=None if own_ministry else slug,
                tap=tap,
                mailbox=box,
                timeout=timeout,
            )
        finally:
            await tap.stop()
            if box is not None:
                box.stop()

    _run(work)


@app.command("mailbox")
def mailbox_command(
    port: Annotated[int, typer.Option(help="the notifications SMTP port")] = 1025,
) -> None:
    """Receive the platform's e-mails on 127.0.0.1:PORT and show each one (Ctrl-C stops)."""
    import time

    from rich.markup import escape

    from mentoring.demo.mailbox import Mailbox, invitations, text_of

    def show(message: Any) -> None:
        parts = [method for method, _body in invitations(message)]
        invite = f" [yellow](invitation .ics, {escape(parts[0])})[/yellow]" if parts else ""
        to, subject = escape(str(message["To"])), escape(str(message["Subject"]))
        console.print(f"[bold]{to}[/bold]: {subject}{invite}")
        first = next(iter(text_of(message).strip().splitlines()), "")
        console.print(f"  [dim]{escape(first)}[/dim]")

    box = Mailbox(port=port, on_message=show).start()
    console.print(f"Listening on 127.0.0.1:{port} for e-mails (Ctrl-C stops)")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()
