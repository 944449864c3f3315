"""How a service plugs into the `mentoring` command: one ServiceDefinition per service package,
published under the `mentoring.services` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from mentoring.kit.settings import KitSettings


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    settings: Callable[[], KitSettings]
    build_api: Callable[[Any], Any]
    build_worker: Callable[[Any], Any]
    migrations: Path
    cli: Any | None = None  # a typer.Typer with service commands


def discover() -> dict[str, ServiceDefinition]:
    found: dict[str, ServiceDefinition] = {}
    for ep in entry_points(group="mentoring.services"):
        definition = ep.load()
        if isinstance(definition, ServiceDefinition):
            found[definition.name] = definition
    return dict(sorted(found.items()))
