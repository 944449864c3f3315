"""Readiness checks: liveness is measured by progress, not by the process being up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.kit import metrics
from mentoring.kit.relay import outbox_state


@dataclass
class CheckResult:
    """One dependency's state. A non-critical check is reported but does not make the process
    unready: an API keeps taking writes while Kafka is away, because the outbox holds the events."""

    name: str
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)
    critical: bool = True


ReadinessCheck = Callable[[], Awaitable[CheckResult]]


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def check() -> CheckResult:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("select 1"))
            return CheckResult("database", True)
        except Exception as exc:
            return CheckResult("database", False, {"error": type(exc).__name__})

    return check


def outbox_check(
    engine: AsyncEngine, service: str, max_age_seconds: float = 120.0, namespace: str = ""
) -> ReadinessCheck:
    """Relay backlog and the age of the oldest unsent row; too old means the relay is stuck."""

    async def check() -> CheckResult:
        try:
            state = await outbox_state(engine, namespace)
        except Exception as exc:
            return CheckResult("outbox", False, {"error": type(exc).__name__}, critical=False)
        age = (
            (datetime.now(UTC) - state.oldest_unsent).total_seconds()
            if state.oldest_unsent
            else 0.0
        )
        metrics.OUTBOX_BACKLOG.labels(service).set(state.backlog)
        metrics.OUTBOX_OLDEST_AGE.labels(service).set(age)
        return CheckResult(
            "outbox",
            age <= max_age_seconds,
            {"backlog": state.backlog, "oldest_unsent_age_seconds": round(age, 3)},
            critical=False,
        )

    return check


def consumer_lag_check(bootstrap: str, groups: list[str]) -> ReadinessCheck:
    """Committed offsets of the service's consumer groups against the log end, read from Kafka."""

    async def check() -> CheckResult:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await asyncio.wait_for(admin.start(), 5)
            await asyncio.wait_for(probe.start(), 5)
            detail: dict[str, Any] = {}
            for group in groups:
                committed = await admin.list_consumer_group_offsets(group)
                tps = [TopicPartition(tp.topic, tp.partition) for tp in committed]
                ends = await probe.end_offsets(tps) if tps else {}
                lag = sum(
                    max(0, ends[tp] - om.offset)
                    for tp, om in committed.items()
                    if tp in ends and om.offset >= 0
                )
                detail[group] = {"lag": lag, "partitions": len(tps)}
            return CheckResult("kafka", True, detail, critical=False)
        except Exception as exc:
            return CheckResult("kafka", False, {"error": type(exc).__name__}, critical=False)
        finally:
            await admin.close()
            await probe.stop()

    return check


class Readiness:
    """Runs the checks, caching the answer briefly so probes cannot overload the dependencies."""

    def __init__(self, checks: list[ReadinessCheck], ttl_seconds: float = 2.0) -> None:
        self._checks = checks
        self._ttl = ttl_seconds
        self._cached: tuple[float, bool, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def evaluate(self) -> tuple[bool, dict[str, Any]]:
        async with self._lock:
            now = time.monotonic()
            if self._cached and now - self._cached[0] < self._ttl:
                return self._cached[1], self._cached[2]
            results = await asyncio.gather(*(c() for c in self._checks))
            ok = all(r.ok for r in results if r.critical)
            degraded = [r.name for r in results if not r.ok and not r.critical]
            body = {
                "status": ("degraded" if degraded else "ready") if ok else "not_ready",
                "checks": {
                    r.name: {"ok": r.ok, "critical": r.critical, **r.detail} for r in results
                },
            }
            self._cached = (now, ok, body)
            return ok, body
