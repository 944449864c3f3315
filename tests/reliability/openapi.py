"""Every operation of the services' OpenAPI documents, with their path parameters filled from the
ids a tenant really has (read as superuser from the four databases), and request bodies drawn
from the documents themselves (schemathesis' positive data generation)."""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tests.reliability.harness import PrivateInfra

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

# Path parameters that name an enumeration, not a tenant's object: fixed, valid values.
FIXED = {"name": "sessions_logged", "table": "monthly", "extension": "csv"}

# Where a tenant's ids of each kind live; rows give every parameter of a path at once.
ID_ROWS: dict[str, tuple[str, str]] = {
    "programme_id": ("matching", "select tenant_id, programme_id::text from programme"),
    "unit_id": ("matching", "select tenant_id, unit_id::text from org_unit"),
    "person_id": (
        "matching",
        "select p.tenant_id, p.person_id::text, p.programme_id::text from participant p",
    ),
    "entry_id": ("matching", "select tenant_id, never_pair_id::text from never_pair"),
    "round_id": (
        "matching",
        "select tenant_id, round_id::text, mentee_id::text from round_proposal",
    ),
    "pair_id": ("sessions", "select tenant_id, pair_id::text from pair"),
    "session_id": ("sessions", "select tenant_id, session_id::text, pair_id::text from session"),
    "goal_id": (
        "sessions",
        "select g.tenant_id, g.goal_id::text, m->>'id' from goal g "
        "left join lateral jsonb_array_elements(g.milestones) m on true",
    ),
    "code": ("sessions", "select tenant_id, code from topic"),
    "survey_id": ("sessions", "select tenant_id, survey_id::text from survey"),
    "notification_id": (
        "notifications",
        "select tenant_id, notification_id::text from notification",
    ),
    "endpoint_id": ("notifications", "select tenant_id, endpoint_id::text from webhook_endpoint"),
    "tenant_id": ("matching", "select tenant_id, tenant_id::text from tenant"),
}
# Companions that come from the same row as their leading parameter.
COMPANIONS = {"programme_id": "person_id", "mentee_id": "round_id", "milestone_id": "goal_id"}


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def params(self) -> list[str]:
        return re.findall(r"{([^}]+)}", self.path)

    @property
    def id_params(self) -> list[str]:
        return [p for p in self.params if p not in FIXED]

    @property
    def label(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"


def operations(documents: dict[str, dict[str, Any]]) -> list[Operation]:
    out = []
    for service, doc in documents.items():
        for path, methods in doc["paths"].items():
            if not path.startswith("/api/"):
                continue
            for method, spec in methods.items():
                if method in {"get", "post", "put", "patch", "delete"}:
                    out.append(Operation(service, method, path, spec))
    return out


class TenantIds:
    """Per tenant: rows of ids by the parameter they fill, and every id the tenant owns."""

    def __init__(self) -> None:
        self.rows: dict[UUID, dict[str, list[tuple[str, ...]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.owned: dict[UUID, set[str]] = defaultdict(set)

    @classmethod
    async def read(cls, infra: PrivateInfra, tenants: list[UUID]) -> TenantIds:
        ids = cls()
        wanted = set(tenants)
        for param, (db, sql) in ID_ROWS.items():
            conn = await infra.sql(db)
            try:
                for r in await conn.fetch(sql):
                    if r[0] in wanted and all(v is not None for v in r[1:]):
                        ids.rows[r[0]][param].append(tuple(r[1:]))
            finally:
                await conn.close()
        for db in ("matching", "sessions", "notifications", "analytics"):
            conn = await infra.sql(db)
            try:
                tables = await conn.fetch(
                    "select table_schema, table_name, string_agg(quote_ident(column_name), ',') c "
                    "from information_schema.columns where data_type = 'uuid' "
                    "and table_schema not in ('pg_catalog', 'information_schema') "
                    "and table_name in (select table_name from information_schema.columns "
                    "where column_name = 'tenant_id') group by 1, 2"
                )
                for t in tables:
                    cols = t["c"]
                    rows = await conn.fetch(
                        f'select tenant_id, {cols} from "{t["table_schema"]}"."{t["table_name"]}" '
                        "where tenant_id = any($1::uuid[])",
                        tenants,
                    )
                    for row in rows:
                        for value in list(row)[1:]:
                            if value is not None:
                                ids.owned[row[0]].add(str(value))
            finally:
                await conn.close()
        # ids found under two tenants are not any one tenant's (e.g. the all-zero "tenant-wide")
        counts: dict[str, int] = defaultdict(int)
        for owned in ids.owned.values():
            for i in owned:
                counts[i] += 1
        for tenant in list(ids.owned):
            ids.owned[tenant] = {i for i in ids.owned[tenant] if counts[i] == 1}
        return ids

    def fill(self, op: Operation, tenant: UUID, pick: int = 0) -> dict[str, str] | None:
        """Path parameters of `op` from `tenant`'s ids (None when the tenant has none)."""
        values: dict[str, str] = {}
        rows = self.rows[tenant]
        for param in op.params:
            if param in values:
                continue
            if param in FIXED:
                values[param] = FIXED[param]
                continue
            lead = COMPANIONS.get(param)
            if lead is not None and lead in op.params:
                continue  # filled with its leading parameter
            candidates = rows.get(param)
            if not candidates:
                return None
            row = candidates[pick % len(candidates)]
            values[param] = row[0]
            for companion, leader in COMPANIONS.items():
                if leader == param and companion in op.params:
                    values[companion] = row[1]
        # a leading parameter that appears only as companion (e.g. programme_id with person_id)
        for param in op.params:
            if param not in values:
                return None
        return values

    def foreign(self, tenant: UUID) -> set[str]:
        return {i for t, owned in self.owned.items() if t != tenant for i in owned}


def body_for(schema: Any, op: Operation) -> Any:
    """A body the document allows (one positive example), or None for operations without one."""
    import schemathesis
    from hypothesis.errors import NonInteractiveExampleWarning
    from schemathesis.core import NotSet

    if "requestBody" not in op.spec:
        return None
    operations = schema[op.path]
    operation = operations.get(op.method.upper()) or operations[op.method.lower()]
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        case = strategy.example()
    return None if isinstance(case.body, NotSet) else case.body


def render(path: str, values: dict[str, str]) -> str:
    for k, v in values.items():
        path = path.replace("{" + k + "}", v)
    return path
