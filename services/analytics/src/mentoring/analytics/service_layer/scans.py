"""The periodic scans: pairs gone inactive (published once per episode) and programme health
(published only when it changes). Each runs in its own transaction with its outbox rows, over
the pairs and programmes of the outbox's topic namespace only (this deployment's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.analytics.adapters import scans
from mentoring.analytics.domain import health as rules
from mentoring.analytics.domain.inactivity import inactive_days, is_inactive
from mentoring.analytics.domain.months import add_months, month_of
from mentoring.contracts.events.analytics import (
    PairInactive,
    ProgrammeHealth,
    ProgrammeHealthChanged,
)
from mentoring.kit.db import tenant_transaction
from mentoring.kit.outbox import Outbox

SCAN_BATCH = 1000


async def scan_inactive_pairs(
    sessions: async_sessionmaker[AsyncSession], outbox: Outbox, now: datetime
) -> int:
    """Close episodes ended by a session (or by the pair's end); open and publish new ones."""
    published = 0
    async with tenant_transaction(sessions, None) as session:
        await scans.close_episodes(session, now, outbox.namespace)
    while True:
        opened = 0
        async with tenant_transaction(sessions, None) as session:
            found = await scans.inactive_pairs(session, now, SCAN_BATCH, outbox.namespace)
            for pair in found:
                if not is_inactive(pair.last_activity_at, now, pair.threshold_days):
                    continue
                if await scans.open_episode(session, pair, now):
                    await outbox.append(
                        session,
                        PairInactive,
                        occurred_at=now,
                        tenant_id=pair.tenant_id,
                        pair_id=pair.pair_id,
                        programme_id=pair.programme_id,
                        last_session_at=pair.last_session_at,
                        inactive_days=inactive_days(pair.last_activity_at, now),
                        threshold_days=pair.threshold_days,
                    )
                    opened += 1
        published += opened
        if len(found) < SCAN_BATCH or not opened:
            return published


async def evaluate_health(
    sessions: async_sessionmaker[AsyncSession], outbox: Outbox, now: datetime
) -> int:
    """Assess every open programme; publish the programmes whose health changed."""
    until = month_of(now)
    since = add_months(until, 1 - rules.WINDOW_MONTHS)
    published = 0
    async with tenant_transaction(sessions, None) as session:
        inputs = await scans.health_inputs(session, since, until, outbox.namespace)
        stored = await scans.stored_health(session)
        for key in sorted(inputs):
            health, reasons = rules.assess(inputs[key])
            before = stored.get(key)
            changed = rules.changed(before.health if before else None, health)
            if before is not None and before.health == health and before.reasons == reasons:
                continue
            await scans.save_health(session, key, health, reasons, now, changed=changed)
            if changed:
                await outbox.append(
                    session,
                    ProgrammeHealthChanged,
                    occurred_at=now,
                    tenant_id=key[0],
                    programme_id=key[1],
                    health=ProgrammeHealth(health),
                    previous=ProgrammeHealth(before.health if before else rules.ON_TRACK),
                    reasons=reasons,
                )
                published += 1
    return published


async def scan(sessions: async_sessionmaker[AsyncSession], outbox: Outbox, now: datetime) -> None:
    """The worker's periodic job: inactivity first (health counts inactive pairs)."""
    await scan_inactive_pairs(sessions, outbox, now)
    await evaluate_health(sessions, outbox, now)
