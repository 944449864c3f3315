"""A programme's cost, entered by its coordinator: the numerator of the cost per active pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.analytics.adapters import queries
from mentoring.kit.errors import InvalidInput, NotFound

CURRENCIES = ("PLN",)


@dataclass(frozen=True)
class SetCost:
    tenant_id: UUID
    programme_id: UUID
    amount: Decimal
    currency: str
    by: str


@dataclass(frozen=True)
class Cost:
    programme_id: UUID
    amount: Decimal
    currency: str
    updated_at: datetime


async def set_cost(session: AsyncSession, cmd: SetCost, now: datetime) -> Cost:
    """Within the caller's tenant transaction (the route commits it)."""
    if cmd.currency not in CURRENCIES:
        raise InvalidInput(f"currency must be one of {', '.join(CURRENCIES)}")
    if cmd.amount < 0:
        raise InvalidInput("a cost is not negative")
    if not await queries.programme_known(session, cmd.tenant_id, cmd.programme_id):
        raise NotFound("no such programme")
    await session.execute(
        text(
            """
            INSERT INTO programme_cost
                (tenant_id, programme_id, amount, currency, updated_at, updated_by)
            VALUES (:tenant_id, :programme_id, :amount, :currency, :now, :by)
            ON CONFLICT (tenant_id, programme_id) DO UPDATE SET
                amount = EXCLUDED.amount, currency = EXCLUDED.currency,
                updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            """
        ),
        {
            "tenant_id": cmd.tenant_id,
            "programme_id": cmd.programme_id,
            "amount": cmd.amount,
            "currency": cmd.currency,
            "now": now,
            "by": cmd.by,
        },
    )
    return Cost(cmd.programme_id, cmd.amount, cmd.currency, now)


async def get_cost(session: AsyncSession, tenant_id: UUID, programme_id: UUID) -> Cost:
    row = (
        await session.execute(
            text(
                "SELECT programme_id, amount, currency, updated_at FROM programme_cost "
                "WHERE tenant_id = :tenant_id AND programme_id = :programme_id"
            ),
            {"tenant_id": tenant_id, "programme_id": programme_id},
        )
    ).first()
    if row is None:
        raise NotFound("no cost entered for this programme")
    return Cost(row.programme_id, row.amount, row.currency, row.updated_at)
