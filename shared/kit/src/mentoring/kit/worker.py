"""The worker process of a service: consumers, the outbox relay and periodic jobs, with a small
HTTP server for /health/live, /health/ready and /metrics (probes need one on every process).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.kit.consumer import ConsumerConfig, KafkaConsumerRuntime, Subscription
from mentoring.kit.kafka import all_platform_topics, ensure_topics, make_producer
from mentoring.kit.relay import OutboxRelay, relay_stats
from mentoring.kit.settings import KitSettings

log = logging.getLogger(__name__)


class _HealthServer(uvicorn.Server):
    """uvicorn without its own signal handling: the worker owns SIGTERM and SIGINT."""

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


@dataclass
class PeriodicJob:
    """Work on a timer (reminders, inactivity scans). Its state lives in Postgres, not here."""

    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[None]]


def selected(
    subscriptions: Sequence[Subscription], names: Sequence[str] | None
) -> list[Subscription]:
    """The subscriptions named by MENTORING_WORKER_SUBSCRIPTIONS (all when unset)."""
    if names is None:
        return list(subscriptions)
    known = {s.name for s in subscriptions}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(
            f"MENTORING_WORKER_SUBSCRIPTIONS names {', '.join(unknown)}; "
            f"this service has: {', '.join(sorted(known))}"
        )
    return [s for s in subscriptions if s.name in names]


class Worker:
    def __init__(
        self,
        settings: KitSettings,
        engine: AsyncEngine,
        subscriptions: Sequence[Subscription],
        *,
        jobs: Sequence[PeriodicJob] = (),
        relay: bool = True,
        producer_factory: Callable[[], AIOKafkaProducer] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        subscriptions = selected(subscriptions, settings.worker_subscriptions)
        factory = producer_factory or (
            lambda: make_producer(settings.kafka_bootstrap, client_id=f"{settings.service_name}")
        )
        self.runtimes = [
            KafkaConsumerRuntime(
                dataclasses.replace(sub, topics=[settings.topic_namespace + t for t in sub.topics]),
                ConsumerConfig(
                    bootstrap=settings.kafka_bootstrap,
                    group_id=f"{settings.group_id}.{sub.name}",
                    service=settings.service_name,
                    max_in_flight_per_partition=settings.consumer_max_in_flight,
                    max_per_tenant=settings.consumer_max_per_tenant,
                    max_attempts=settings.consumer_max_attempts,
                    retry_base_seconds=settings.consumer_retry_base_seconds,
                    stall_seconds=settings.consumer_stall_seconds,
                    fault_injection=settings.fault_injection,
                ),
                factory,
            )
            for sub in subscriptions
        ]
        self.relay = (
            OutboxRelay(
                engine,
                factory,
                service=settings.service_name,
                namespace=settings.topic_namespace,
                shards=settings.relay_shards,
                batch_size=settings.relay_batch_size,
                poll_seconds=settings.relay_poll_seconds,
                send_timeout=settings.relay_send_timeout_seconds,
                retention_seconds=settings.outbox_retention_hours * 3600,
            )
            if relay
            else None
        )
        self.jobs = list(jobs)
        self.job_last_run: dict[str, float] = {}
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()
        for rt in self.runtimes:
            rt.stop()
        if self.relay is not None:
            self.relay.stop()

    async def _run_job(self, job: PeriodicJob) -> None:
        while not self._stop.is_set():
            try:
                await job.run()
                self.job_last_run[job.name] = time.time()
            except Exception:
                log.exception("periodic job failed", extra={"job": job.name})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=job.interval_seconds)

    async def run(self, *, serve_health: bool = True) -> None:
        await ensure_topics(
            self.settings.kafka_bootstrap,
            all_platform_topics(self.settings.topic_namespace),
            partitions=self.settings.topic_partitions,
            replication_factor=self.settings.topic_replication_factor,
            min_insync_replicas=self.settings.topic_min_insync_replicas,
        )
        # What start-up created (modules, models, compiled templates and statements) lives as
        # long as the process: out of the collector's generations, a full collection no longer
        # walks it, which is most of its cost in a worker that allocates per event.
        gc.freeze()
        tasks = [asyncio.create_task(rt.run(), name=rt.sub.name) for rt in self.runtimes]
        if self.relay is not None:
            tasks.append(asyncio.create_task(self.relay.run(), name="relay"))
        tasks += [asyncio.create_task(self._run_job(j), name=j.name) for j in self.jobs]
        server: uvicorn.Server | None = None
        if serve_health:
            server = _HealthServer(
                uvicorn.Config(
                    self.health_app(),
                    host=self.settings.api_host,
                    port=self.settings.worker_port,
                    log_config=None,
                    access_log=False,
                )
            )
            tasks.append(asyncio.create_task(server.serve(), name="health"))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop)
        try:
            await self._stop.wait()
        finally:
            if server is not None:
                server.should_exit = True
            self.stop()
            await asyncio.wait(tasks, timeout=30)
            for t in tasks:
                t.cancel()
            await self.engine.dispose()

    def stats(self) -> dict[str, Any]:
        return {
            "consumers": [rt.stats() for rt in self.runtimes],
            "relay": relay_stats(self.relay) if self.relay else None,
            "jobs": {k: round(time.time() - v, 1) for k, v in self.job_last_run.items()},
        }

    def health_app(self) -> FastAPI:
        app = FastAPI(title=f"{self.settings.service_name} worker", docs_url=None, redoc_url=None)

        @app.get("/health/live")
        async def live() -> dict[str, str]:
            return {"status": "alive"}

        @app.get("/health/ready")
        async def ready(_request: Request) -> JSONResponse:
            stats = self.stats()
            stalled = [
                c["subscription"]
                for c in stats["consumers"]
                if c["lag"] > 0
                and c["last_progress_age_seconds"] > self.settings.consumer_stall_seconds
            ]
            ok = not stalled
            body = {"status": "ready" if ok else "not_ready", "stalled": stalled, **stats}
            return JSONResponse(body, status_code=200 if ok else 503)

        @app.get("/metrics")
        async def prometheus() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        return app
