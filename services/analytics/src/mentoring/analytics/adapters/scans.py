"""SQL of the periodic scans (system scope: they look at every tenant): inactive pairs and the
inputs of programme health, with the state of what was already published. Each scan looks only
at the pairs and programmes of its own deployment's topic namespace (`namespace` on rm_pair and
rm_programme): deployments sharing the database publish about their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.analytics.domain import readmodel as rm
from mentoring.analytics.domain.health import HealthInputs
from mentoring.analytics.domain.inactivity import DEFAULT_INACTIVITY_DAYS

_CLOSE_EPISODES = text(
    """
    UPDATE pair_inactivity e SET closed_at = :now
    FROM rm_pair p
    WHERE e.closed_at IS NULL AND p.tenant_id = e.tenant_id AND p.pair_id = e.pair_id
      AND p.namespace = :namespace
      AND (p.status IS DISTINCT FROM 'active'
           OR coalesce(p.last_session_at, p.created_at) > e.last_activity_at)
    """
)
_INACTIVE = text(
    f"""
    SELECT p.tenant_id, p.pair_id, p.programme_id, p.last_session_at,
           coalesce(p.last_session_at, p.created_at) AS last_activity_at,
           coalesce(g.inactivity_days, {DEFAULT_INACTIVITY_DAYS}) AS threshold_days
    FROM rm_pair p
    LEFT JOIN rm_programme g ON g.tenant_id = p.tenant_id AND g.programme_id = p.programme_id
    WHERE p.namespace = :namespace AND p.status = 'active' AND p.created_at IS NOT NULL
      AND g.closed_at IS NULL
      AND coalesce(p.last_session_at, p.created_at)
          <= CAST(:now AS timestamptz)
             - make_interval(days => coalesce(g.inactivity_days, {DEFAULT_INACTIVITY_DAYS}))
      AND NOT EXISTS (SELECT 1 FROM pair_inactivity e
                      WHERE e.tenant_id = p.tenant_id AND e.pair_id = p.pair_id
                        AND e.closed_at IS NULL)
    ORDER BY p.tenant_id, p.pair_id
    LIMIT :limit
    """
)
_OPEN_EPISODE = text(
    """
    INSERT INTO pair_inactivity
        (tenant_id, pair_id, last_activity_at, programme_id, detected_at)
    VALUES (:tenant_id, :pair_id, :last_activity_at, :programme_id, :now)
    ON CONFLICT DO NOTHING
    RETURNING pair_id
    """
)


@dataclass(frozen=True)
class InactivePair:
    tenant_id: UUID
    pair_id: UUID
    programme_id: UUID
    last_session_at: datetime | None
    last_activity_at: datetime
    threshold_days: int


async def close_episodes(session: AsyncSession, now: datetime, namespace: str) -> int:
    result = await session.execute(_CLOSE_EPISODES, {"now": now, "namespace": namespace})
    return int(result.rowcount)  # type: ignore[attr-defined]


async def inactive_pairs(
    session: AsyncSession, now: datetime, limit: int, namespace: str
) -> list[InactivePair]:
    rows = await session.execute(_INACTIVE, {"now": now, "limit": limit, "namespace": namespace})
    return [
        InactivePair(
            r.tenant_id,
            r.pair_id,
            r.programme_id,
            r.last_session_at,
            r.last_activity_at,
            int(r.threshold_days),
        )
        for r in rows
    ]


async def open_episode(session: AsyncSession, pair: InactivePair, now: datetime) -> bool:
    """True when this is a new episode (an episode is one per pair and last activity)."""
    row = await session.execute(
        _OPEN_EPISODE,
        {
            "tenant_id": pair.tenant_id,
            "pair_id": pair.pair_id,
            "last_activity_at": pair.last_activity_at,
            "programme_id": pair.programme_id,
            "now": now,
        },
    )
    return row.first() is not None


_HEALTH_METRICS = (
    rm.FEEDBACK,
    rm.RATING_SUM,
    rm.FIT_CHECKS,
    rm.FIT_CHECK_FAILURES,
    rm.CHECKINS_DUE,
    rm.CHECKINS_SUBMITTED,
)
_HEALTH_POPULATIONS = (rm.RATED, rm.FIT_CHECKED, rm.CHECKIN)


@dataclass(frozen=True)
class StoredHealth:
    health: str
    reasons: list[str]


async def health_inputs(
    session: AsyncSession, since: date, until: date, namespace: str
) -> dict[tuple[UUID, UUID], HealthInputs]:
    """Inputs of every open programme of the namespace, over the months from `since` to
    `until`."""
    programmes = await session.execute(
        text(
            "SELECT tenant_id, programme_id FROM rm_programme "
            "WHERE namespace = :namespace AND opened_at IS NOT NULL AND closed_at IS NULL"
        ),
        {"namespace": namespace},
    )
    values: dict[tuple[UUID, UUID], dict[str, Decimal]] = {
        (r.tenant_id, r.programme_id): {} for r in programmes
    }
    if not values:
        return {}
    pairs = await session.execute(
        text(
            """
            SELECT p.tenant_id, p.programme_id, count(*) AS active,
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM pair_inactivity e WHERE e.tenant_id = p.tenant_id
                       AND e.pair_id = p.pair_id AND e.closed_at IS NULL)) AS inactive
            FROM rm_pair p WHERE p.namespace = :namespace AND p.status = 'active'
            GROUP BY p.tenant_id, p.programme_id
            """
        ),
        {"namespace": namespace},
    )
    for r in pairs:
        if (r.tenant_id, r.programme_id) in values:
            values[(r.tenant_id, r.programme_id)].update(
                active=Decimal(r.active), inactive=Decimal(r.inactive)
            )
    metrics = await session.execute(
        text(
            "SELECT tenant_id, programme_id, metric, sum(amount) AS amount FROM rm_metric_month "
            "WHERE month BETWEEN :since AND :until AND metric = ANY(:metrics) "
            "GROUP BY tenant_id, programme_id, metric"
        ),
        {"since": since, "until": until, "metrics": list(_HEALTH_METRICS)},
    )
    for r in metrics:
        if (r.tenant_id, r.programme_id) in values:
            values[(r.tenant_id, r.programme_id)][r.metric] = r.amount
    people = await session.execute(
        text(
            "SELECT tenant_id, programme_id, population, count(DISTINCT person_id) AS n "
            "FROM rm_member WHERE month BETWEEN :since AND :until "
            "AND population = ANY(:populations) GROUP BY tenant_id, programme_id, population"
        ),
        {"since": since, "until": until, "populations": list(_HEALTH_POPULATIONS)},
    )
    for r in people:
        if (r.tenant_id, r.programme_id) in values:
            values[(r.tenant_id, r.programme_id)]["people:" + r.population] = Decimal(r.n)
    return {key: _inputs(v) for key, v in values.items()}


def _inputs(v: dict[str, Decimal]) -> HealthInputs:
    def n(key: str) -> int:
        return int(v.get(key, 0))

    return HealthInputs(
        active_pairs=n("active"),
        inactive_pairs=n("inactive"),
        raters=n("people:" + rm.RATED),
        feedback=n(rm.FEEDBACK),
        rating_sum=v.get(rm.RATING_SUM, Decimal(0)),
        fit_checkers=n("people:" + rm.FIT_CHECKED),
        fit_checks=n(rm.FIT_CHECKS),
        fit_check_failures=n(rm.FIT_CHECK_FAILURES),
        checkin_people=n("people:" + rm.CHECKIN),
        checkins_due=n(rm.CHECKINS_DUE),
        checkins_submitted=n(rm.CHECKINS_SUBMITTED),
    )


async def stored_health(session: AsyncSession) -> dict[tuple[UUID, UUID], StoredHealth]:
    rows = await session.execute(
        text("SELECT tenant_id, programme_id, health, reasons FROM programme_health")
    )
    return {(r.tenant_id, r.programme_id): StoredHealth(r.health, list(r.reasons)) for r in rows}


async def save_health(
    session: AsyncSession,
    key: tuple[UUID, UUID],
    health: str,
    reasons: list[str],
    now: datetime,
    *,
    changed: bool,
) -> None:
    await session.execute(
        text(
            """
            INSERT INTO programme_health
                (tenant_id, programme_id, health, reasons, changed_at, evaluated_at)
            VALUES (:tenant_id, :programme_id, :health, :reasons, :now, :now)
            ON CONFLICT (tenant_id, programme_id) DO UPDATE SET
                health = EXCLUDED.health, reasons = EXCLUDED.reasons,
                evaluated_at = EXCLUDED.evaluated_at,
                changed_at = CASE WHEN :changed THEN EXCLUDED.changed_at
                                  ELSE programme_health.changed_at END
            """
        ),
        {
            "tenant_id": key[0],
            "programme_id": key[1],
            "health": health,
            "reasons": reasons,
            "now": now,
            "changed": changed,
        },
    )
