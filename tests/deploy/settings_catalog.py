"""Every environment variable the services read, taken from their Settings classes, and the texts
generated from it: the configuration reference in docs/operations.md, the service settings of
.env.example, and the variables docker-compose.yml passes through to each service's containers.
`python -m tests.deploy.settings_catalog --write` regenerates them; tests/deploy fails when one is
stale. Descriptions are not generated: see DESCRIPTIONS.
"""

from __future__ import annotations

import argparse
import enum
import functools
import importlib
import json
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from mentoring.kit.settings import KitSettings

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE = ROOT / "docker-compose.yml"

DOC_BEGIN = (
    "<!-- BEGIN GENERATED configuration reference: "
    "python -m tests.deploy.settings_catalog --write -->"
)
DOC_END = "<!-- END GENERATED configuration reference -->"
ENV_BEGIN = "# >>> generated: python -m tests.deploy.settings_catalog --write"
ENV_END = "# <<< generated"
COMPOSE_BEGIN = "  # >>> generated: {group} settings"
COMPOSE_END = "  # <<< generated: {group} settings"

# Settings that docker-compose.yml sets itself (fixed for one host, built from the passwords in
# .env, or interpolated explicitly); every other setting is passed through from .env when set.
COMPOSE_SETS = frozenset(
    {
        "service_name",
        "environment",
        "api_host",
        "api_port",
        "worker_port",
        "kafka_bootstrap",
        "topic_replication_factor",
        "topic_min_insync_replicas",
        "jwt_secret",
        "database_url",
        "migration_database_url",
    }
)
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "DATABASE_URL", "PRIVATE_KEY", "API_KEY")

# Descriptions for fields declared without `Field(description=...)`, by variable name or (for the
# kit's fields, which every service shares) by field name. A description on the field itself wins:
# prefer adding one there.
DESCRIPTIONS: dict[str, str] = {
    "service_name": "The service's own name (consumer groups, metrics, logs). Set by each "
    "service; do not override.",
    "environment": "`development`, `test` or `production`. Production refuses the development "
    "JWT secret.",
    "log_level": "Python log level of the JSON logs (`DEBUG`, `INFO`, `WARNING`, `ERROR`).",
    "database_url": "The service's database as its application role (no table ownership, "
    "row-level security applies): `postgresql+asyncpg://<s>:<password>@<host>:5432/<s>`.",
    "migration_database_url": "The service's database as its owner role `<s>_owner`; only the "
    "migration step needs it.",
    "db_pool_size": "SQLAlchemy connection pool size per process.",
    "db_max_overflow": "Connections allowed above the pool size under load, per process.",
    "kafka_bootstrap": "Kafka bootstrap servers, comma-separated `host:port`.",
    "topic_namespace": "Prefix of every topic name (an isolated namespace on a shared cluster).",
    "topic_partitions": "Partitions of each topic when it is created; the ceiling for useful "
    "worker replicas.",
    "topic_replication_factor": "Replication factor of created topics (production: 3).",
    "topic_min_insync_replicas": "`min.insync.replicas` of created topics (production: 2).",
    "consumer_group": "Consumer group prefix; defaults to the service name. Each subscription "
    "uses `<group>.<subscription>`.",
    "consumer_max_in_flight": "Events processed concurrently per partition (distinct keys only).",
    "consumer_max_per_tenant": "Events processed concurrently per tenant.",
    "consumer_max_attempts": "Attempts before an event goes to the dead-letter topic.",
    "consumer_retry_base_seconds": "First retry delay; doubles with each attempt.",
    "consumer_stall_seconds": "A consumer with lag and no progress for this long is reported "
    "not ready and rebuilt.",
    "relay_shards": "Outbox shards; each is published by one worker at a time (advisory lock). "
    "Must be the same for a service's API and worker.",
    "relay_batch_size": "Outbox rows published per batch.",
    "relay_poll_seconds": "Pause between outbox polls when there is nothing to send.",
    "relay_send_timeout_seconds": "A batch not acknowledged in this time rebuilds the producer.",
    "outbox_retention_hours": "Sent outbox rows are deleted after this many hours.",
    "jwt_secret": "HS256 key for bearer tokens when no JWKS URL is set. Production refuses the "
    "development value.",
    "jwt_jwks_url": "The identity provider's JWKS URL; when set, tokens are verified with its "
    "asymmetric keys (HS* algorithms are then refused).",
    "jwt_issuer": "Expected `iss` claim.",
    "jwt_audience": "Expected `aud` claim.",
    "jwt_algorithms": 'Accepted algorithms, as JSON (`["RS256"]`). `none` is never accepted.',
    "rate_limit_per_second": "Requests per second per tenant (token bucket).",
    "rate_limit_burst": "Burst size of the per-tenant bucket.",
    "bulk_rate_limit_per_second": "Bulk operations (imports, exports, matching rounds) per "
    "second per tenant.",
    "bulk_rate_limit_burst": "Burst size of the bulk bucket.",
    "api_host": "Address the API and the worker's health server bind to (`0.0.0.0` in containers).",
    "api_port": "Port of the HTTP API.",
    "worker_port": "Port of the worker's `/health/live`, `/health/ready` and `/metrics`.",
    # matching
    "MENTORING_MATCHING_IMPORT_MAX_BYTES": "Largest organisation import (CSV upload) accepted, "
    "in bytes.",
    "MENTORING_MATCHING_EXPIRY_SCAN_SECONDS": "How often the worker expires pair requests that "
    "were not answered in time.",
    # notifications: e-mail
    "MENTORING_NOTIFICATIONS_SMTP_HOST": "SMTP relay host for e-mail.",
    "MENTORING_NOTIFICATIONS_SMTP_PORT": "SMTP relay port (587 with STARTTLS, 465 with TLS).",
    "MENTORING_NOTIFICATIONS_SMTP_USERNAME": "SMTP login; unset for a relay without "
    "authentication.",
    "MENTORING_NOTIFICATIONS_SMTP_PASSWORD": "SMTP password.",
    "MENTORING_NOTIFICATIONS_SMTP_TIMEOUT_SECONDS": "Timeout of one SMTP conversation.",
    "MENTORING_NOTIFICATIONS_MAIL_FROM": "Sender of the e-mails (`Name <address>`).",
    "MENTORING_NOTIFICATIONS_MESSAGE_ID_DOMAIN": "Domain part of the e-mails' Message-ID "
    "headers (your mail domain).",
    "MENTORING_NOTIFICATIONS_APP_URL": "Public address of the platform, used for links in "
    "e-mails and notifications.",
    "MENTORING_NOTIFICATIONS_EMAIL_RETRY_BASE_SECONDS": "First retry delay of a failed e-mail; "
    "doubles with each attempt.",
    "MENTORING_NOTIFICATIONS_EMAIL_RETRY_MAX_DELAY_SECONDS": "Longest delay between two e-mail "
    "attempts.",
    "MENTORING_NOTIFICATIONS_EMAIL_RETRY_WINDOW_SECONDS": "An e-mail still failing after this "
    "long is given up (`notification_failed`).",
    # notifications: webhooks
    "MENTORING_NOTIFICATIONS_WEBHOOK_TIMEOUT_SECONDS": "Timeout of one webhook delivery.",
    "MENTORING_NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS": "First retry delay of a failed "
    "webhook; doubles with each attempt.",
    "MENTORING_NOTIFICATIONS_WEBHOOK_RETRY_MAX_DELAY_SECONDS": "Longest delay between two "
    "webhook attempts.",
    "MENTORING_NOTIFICATIONS_WEBHOOK_RETRY_WINDOW_SECONDS": "A webhook still failing after this "
    "long is given up (`notification_failed`).",
    # notifications: reminders and delivery
    "MENTORING_NOTIFICATIONS_SESSION_REMINDER_LEAD_SECONDS": "How long before a session its "
    "reminder is sent.",
    "MENTORING_NOTIFICATIONS_REMINDER_POLL_SECONDS": "How often the worker looks for reminders "
    "that became due.",
    "MENTORING_NOTIFICATIONS_DISPATCH_ENABLED": "Whether the worker sends e-mails and webhooks "
    "(`false`: they stay queued).",
    "MENTORING_NOTIFICATIONS_DISPATCH_POLL_SECONDS": "Pause between polls of the delivery queue "
    "when it is empty.",
    "MENTORING_NOTIFICATIONS_DISPATCH_CONCURRENCY": "Deliveries in flight per worker.",
    "MENTORING_NOTIFICATIONS_DISPATCH_LEASE_SECONDS": "A delivery claimed by a worker that does "
    "not finish within this time is tried again by another.",
    "MENTORING_NOTIFICATIONS_INBOX_RETENTION_DAYS": "Processed event ids are remembered this "
    "long (duplicates older than that are no longer recognised).",
}


@dataclass
class Variable:
    """One environment variable and what reads it."""

    name: str
    field_name: str
    description: str | None
    defaults: dict[str, str] = field(default_factory=dict)  # service -> rendered default

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(sorted(self.defaults))

    @property
    def secret(self) -> bool:
        return any(word in self.name for word in SECRET_WORDS)


def _env_names(cls: type[BaseSettings], name: str, info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if isinstance(alias, str):
        return [alias.upper()]
    if isinstance(alias, AliasChoices):
        return [c.upper() for c in alias.choices if isinstance(c, str)]
    if info.alias:
        return [info.alias.upper()]
    return [(str(cls.model_config.get("env_prefix", "")) + name).upper()]


def _render_default(info: FieldInfo) -> str:
    value: Any = info.get_default(call_default_factory=True)
    if value is None:
        return "(unset)"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list | dict):
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    if value == "":
        return '""'
    return str(value)


def _subclasses(cls: type[BaseSettings]) -> Iterator[type[BaseSettings]]:
    sub: type[BaseSettings]
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def service_names() -> list[str]:
    """The services installed in this environment (the `mentoring.services` entry points)."""
    return sorted({ep.name for ep in entry_points(group="mentoring.services")})


@functools.cache
def settings_class(service: str) -> type[KitSettings]:
    """The service's Settings class, from its config module (the rest of it need not import)."""
    module = importlib.import_module(f"mentoring.{service}.config")
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, KitSettings)
        and obj.__module__ == module.__name__
    ]
    if len(found) != 1:
        raise LookupError(f"{module.__name__} should define one KitSettings subclass: {found}")
    return found[0]


@functools.cache
def settings_classes() -> dict[str, list[type[BaseSettings]]]:
    """Per service: its Settings class and any other Settings class in its package or the kit."""
    found: dict[str, list[type[BaseSettings]]] = {
        name: [settings_class(name)] for name in service_names()
    }
    for cls in dict.fromkeys(_subclasses(BaseSettings)):
        module = cls.__module__
        if not module.startswith("mentoring.") or issubclass(cls, KitSettings):
            continue  # the kit's settings reach every service through its subclass
        owner = module.split(".")[1]
        for name, classes in found.items():
            if owner in ("kit", name) and cls not in classes:
                classes.append(cls)
    return found


def catalog() -> dict[str, Variable]:
    """Every variable, sorted: shared ones first, then each service's own."""
    variables: dict[str, Variable] = {}
    for service, classes in settings_classes().items():
        for cls in classes:
            for name, info in cls.model_fields.items():
                annotation = info.annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    raise TypeError(
                        f"{cls.__qualname__}.{name}: nested settings models are not documented "
                        "by this catalogue; use flat fields"
                    )
                env = _env_names(cls, name, info)[0]
                description = info.description or DESCRIPTIONS.get(env) or DESCRIPTIONS.get(name)
                var = variables.setdefault(env, Variable(env, name, description))
                var.defaults[service] = _render_default(info)
    everyone = set(settings_classes())
    return dict(
        sorted(
            variables.items(),
            key=lambda kv: (set(kv[1].defaults) != everyone, kv[1].services, kv[0]),
        )
    )


def compose_passthrough(service: str | None = None) -> list[str]:
    """Variables docker-compose.yml passes through from .env: shared ones, or a service's own."""
    everyone = set(settings_classes())
    return [
        v.name
        for v in catalog().values()
        if v.field_name not in COMPOSE_SETS
        and (set(v.defaults) == everyone if service is None else v.services == (service,))
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _default_cell(var: Variable) -> str:
    values = set(var.defaults.values())
    if len(values) == 1:
        return f"`{next(iter(values))}`"
    return "<br>".join(f"{svc}: `{val}`" for svc, val in sorted(var.defaults.items()))


def reference_table() -> str:
    everyone = set(settings_classes())
    rows = [
        "| variable | read by | default | secret | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for var in catalog().values():
        readers = "all" if set(var.defaults) == everyone else ", ".join(var.services)
        rows.append(
            f"| `{var.name}` | {readers} | {_cell(_default_cell(var))} | "
            f"{'yes' if var.secret else ''} | {_cell(var.description or 'MISSING DESCRIPTION')} |"
        )
    return "\n".join(rows)


def env_example_section() -> str:
    lines: list[str] = []
    groups: list[tuple[str, str | None]] = [("every service", None)]
    groups += [(name, name) for name in settings_classes()]
    variables = catalog()
    for title, service in groups:
        names = compose_passthrough(service)
        if not names:
            continue
        lines.append(f"# --- settings of {title} (defaults shown) ---")
        for name in names:
            var = variables[name]
            description = (var.description or "MISSING DESCRIPTION").replace("`", "")
            lines += textwrap.wrap(description, 98, initial_indent="# ", subsequent_indent="# ")
            default = next(iter(var.defaults.values()))
            shown = "" if default in ("(unset)", '""') else default
            lines.append(f"# {name}={shown}")
    return "\n".join(lines)


def compose_block(service: str | None) -> str:
    return "\n".join(f"  {name}:" for name in compose_passthrough(service))


def _replace_between(text: str, begin: str, end: str, body: str, path: Path) -> str:
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{path}: markers {begin!r} ... {end!r} not found")
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text, count=1)


def _replace_block(text: str, begin: str, end: str, body: str, path: Path) -> str:
    return _replace_between(text, begin, end, body, path).replace(f"{begin}\n\n", f"{begin}\n")


def expected_texts() -> dict[Path, str]:
    compose = COMPOSE.read_text()
    for group, service in [("shared", None), *((s, s) for s in settings_classes())]:
        compose = _replace_block(
            compose,
            COMPOSE_BEGIN.format(group=group),
            COMPOSE_END.format(group=group),
            compose_block(service),
            COMPOSE,
        )
    return {
        OPERATIONS: _replace_between(
            OPERATIONS.read_text(), DOC_BEGIN, DOC_END, reference_table(), OPERATIONS
        ),
        ENV_EXAMPLE: _replace_between(
            ENV_EXAMPLE.read_text(), ENV_BEGIN, ENV_END, env_example_section(), ENV_EXAMPLE
        ),
        COMPOSE: compose,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the generated sections")
    args = parser.parse_args(argv)
    stale = [path for path, text in expected_texts().items() if path.read_text() != text]
    if args.write:
        for path, text in expected_texts().items():
            path.write_text(text)
        print("rewrote: " + (", ".join(str(p.relative_to(ROOT)) for p in stale) or "nothing"))
        return 0
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
