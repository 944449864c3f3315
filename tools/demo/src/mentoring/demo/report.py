"""How the demo commands tell what they do: one line per step, with its duration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class Reporter:
    def __init__(self, console: Console | None = None, *, quiet: bool = False) -> None:
        self.console = console or Console(highlight=False)
        self.quiet = quiet
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text)

    @contextmanager
    def step(self, title: str) -> Iterator[dict[str, str]]:
        """Print `title` with a tick and its duration when the block ends (a cross if it fails);
        the block may put a `detail` into the yielded dict."""
        info: dict[str, str] = {}
        began = time.monotonic()
        try:
            yield info
        except BaseException:
            self.say(f"[red]✗[/red] {title}")
            raise
        detail = f" [dim]- {info['detail']}[/dim]" if info.get("detail") else ""
        self.say(f"[green]✓[/green] {title}{detail} [dim]({time.monotonic() - began:.1f} s)[/dim]")

    @contextmanager
    def progress(self, title: str, total: int) -> Iterator[Progress]:
        """A progress bar for a bulk step; `advance(task)` through `.tick()`."""
        bar = Progress(
            TextColumn("  {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=self.quiet or not self.console.is_terminal,
        )
        with bar:
            bar.add_task(title, total=total)
            yield bar

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def tick(bar: Progress) -> None:
    bar.advance(bar.task_ids[0])
