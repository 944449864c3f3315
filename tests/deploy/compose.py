"""Reading docker-compose.yml and .env.example the way Compose does, without a Docker engine:
variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `$$`), and the list of
variables a file uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<plain>" + _NAME + r")|\{(?P<braced>" + _NAME + r")"
    r"(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)
_ENV_LINE = re.compile(r"^#?\s?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


class MissingVariable(ValueError):
    """A `${VAR:?message}` (or `${VAR?message}`) whose variable is missing."""


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Apply Compose's interpolation to every string in a loaded file."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        name = m["plain"] or m["braced"]
        op, arg = m["op"], m["arg"] or ""
        current = env.get(name)
        unset_or_empty = not current
        missing = unset_or_empty if op and op.startswith(":") else current is None
        if op in (":-", "-"):
            return arg if missing else str(current)
        if op in (":?", "?"):
            if missing:
                raise MissingVariable(f"{name}: {arg}")
            return str(current)
        if op in (":+", "+"):
            return "" if missing else arg
        return current or ""

    return _TOKEN.sub(substitute, value)


def interpolated_names(value: Any) -> dict[str, set[str]]:
    """Each variable interpolated anywhere in a loaded file, with the operators used on it."""
    found: dict[str, set[str]] = {}
    if isinstance(value, dict):
        items: list[Any] = list(value.values())
    elif isinstance(value, list):
        items = value
    elif isinstance(value, str):
        for m in _TOKEN.finditer(value):
            name = m["plain"] or m["braced"]
            if name:
                found.setdefault(name, set()).add(m["op"] or "")
        return found
    else:
        return found
    for item in items:
        for name, ops in interpolated_names(item).items():
            found.setdefault(name, set()).update(ops)
    return found


def env_example(path: Path = ENV_EXAMPLE) -> dict[str, tuple[str, bool]]:
    """Variables .env.example documents: name -> (example value, whether it is commented out)."""
    result: dict[str, tuple[str, bool]] = {}
    for line in path.read_text().splitlines():
        m = _ENV_LINE.match(line)
        if m:
            result[m["name"]] = (m["value"], line.startswith("#"))
    return result


def passthrough(environment: Mapping[str, Any]) -> set[str]:
    """Entries listed without a value: Compose passes them through from .env when set."""
    return {k for k, v in environment.items() if v is None}


def one_shots(services: Mapping[str, Any]) -> set[str]:
    """Services something waits for with `service_completed_successfully`."""
    return {
        target
        for svc in services.values()
        for target, cond in (svc.get("depends_on") or {}).items()
        if isinstance(cond, dict) and cond.get("condition") == "service_completed_successfully"
    }
