"""Idempotency-Key support: a retried POST returns the first result and writes nothing.

The key is claimed in the same transaction as the request's effects. A concurrent retry waits on
the claimed row until the first request commits (then replays it) or rolls back (then runs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.kit.errors import InvalidInput

_CLAIM = text(
    """
    INSERT INTO idempotency_key (tenant_id, principal, key, request_hash)
    VALUES (:tenant_id, :principal, :key, :hash)
    ON CONFLICT DO NOTHING
    RETURNING 1
    """
)
_STORED = text(
    """
    SELECT request_hash, status_code, response_body FROM idempotency_key
    WHERE tenant_id = :tenant_id AND principal = :principal AND key = :key
    """
)
_SAVE = text(
    """
    UPDATE idempotency_key SET status_code = :status, response_body = :body
    WHERE tenant_id = :tenant_id AND principal = :principal AND key = :key
    """
)


def claim_sql(source: str, *, body: str, name: str = "claim") -> str:
    """A CTE that claims the request's key inside the statement of the request's effects, once
    per row of `source` (one row or none), storing the response with it: `body` is a SQL
    expression of type bytea over `source` (the response may show values the statement reads).
    It returns a row only when the key was new; as in `run_idempotent`, a concurrent request
    with the same key waits until the first one commits (then claims nothing) or rolls back.
    The parameters are those of `claim_params(name, ...)`."""
    return f"""{name} AS (
        INSERT INTO idempotency_key
            (tenant_id, principal, key, request_hash, status_code, response_body)
        SELECT CAST(:{name}_tenant_id AS uuid), :{name}_principal, :{name}_key, :{name}_hash,
               CAST(:{name}_status AS smallint), {body}
        FROM {source}
        ON CONFLICT DO NOTHING
        RETURNING 1
    )"""


def claim_params(
    name: str, *, tenant_id: UUID, principal: str, key: str, fingerprint: str, status: int
) -> dict[str, Any]:
    if not valid_key(key):
        raise InvalidInput("Idempotency-Key must be 1 to 200 characters")
    return {
        f"{name}_tenant_id": tenant_id,
        f"{name}_principal": principal,
        f"{name}_key": key,
        f"{name}_hash": fingerprint,
        f"{name}_status": status,
    }


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= 200


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes
    replayed: bool


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def run_idempotent(
    session: AsyncSession,
    *,
    tenant_id: UUID,
    principal: str,
    key: str | None,
    fingerprint: str,
    operation: Callable[[], Awaitable[tuple[int, bytes]]],
) -> StoredResponse:
    """Run `operation` once per key, inside the caller's transaction (which commits once)."""
    if key is None:
        status, body = await operation()
        return StoredResponse(status, body, replayed=False)
    if not valid_key(key):
        raise InvalidInput("Idempotency-Key must be 1 to 200 characters")
    params = {"tenant_id": tenant_id, "principal": principal, "key": key}
    claimed = (await session.execute(_CLAIM, {**params, "hash": fingerprint})).first()
    if claimed is None:
        stored = (await session.execute(_STORED, params)).one()
        if stored.request_hash != fingerprint:
            raise InvalidInput("this Idempotency-Key was used for a different request")
        return StoredResponse(int(stored.status_code), bytes(stored.response_body), replayed=True)
    status, body = await operation()
    await session.execute(_SAVE, {**params, "status": status, "body": body})
    return StoredResponse(status, body, replayed=False)


_FORGET = text(
    """
    DELETE FROM idempotency_key
    WHERE principal = ANY(CAST(:principals AS text[]))
       OR EXISTS (
           SELECT FROM unnest(CAST(:mentions AS text[])) AS m(v)
           WHERE position(convert_to(m.v, 'UTF8') IN response_body) > 0
       )
    """
)


async def forget_responses(
    session: AsyncSession, *, principals: Sequence[str], mentions: Sequence[str] = ()
) -> int:
    """Erasure: delete the stored responses of these principals' requests, and every stored
    response that mentions one of `mentions` (say, the ids of an erased person's pairs, whose
    records the other member may have written), in the current tenant's scope. A retry of such
    a request afterwards runs again instead of being replayed."""
    result = await session.execute(
        _FORGET, {"principals": list(principals), "mentions": list(mentions)}
    )
    return int(getattr(result, "rowcount", 0) or 0)
