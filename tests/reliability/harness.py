"""The system under test, run for real: a private Postgres + Kafka instance (deploy/local/infra.sh
with its own state directory and ports, so its chaos hooks never touch the shared one), the four
APIs and four workers as OS processes (`mentoring api|worker <service>`), an SMTP sink and a webhook
receiver on 127.0.0.1, and helpers that look at the system from outside: Kafka admin (lag),
topics read from their beginning, superuser SQL for assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mentoring.contracts import topics as contract_topics
from mentoring.demo.api import Api, ApiError, Platform, Tokens
from mentoring.demo.mailbox import Mailbox
from mentoring.kit.kafka import all_platform_topics, ensure_topics

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "deploy" / "local" / "infra.sh"
SERVICES = ("matching", "sessions", "notifications", "analytics")
DATABASES = SERVICES
CLI = "from mentoring.kit.cli import main; main()"

# The private instance: never the shared one (5432/9092) others test against.
STATE_DIR = os.environ.get(
    "MENTORING_RELIABILITY_STATE_DIR",
    "/var/tmp/mentoring-chaos",  # noqa: S108 - infra.sh's state lives under /var/tmp by design
)
PG_PORT = int(os.environ.get("MENTORING_RELIABILITY_PG_PORT", "31432"))
KAFKA_PORT = int(os.environ.get("MENTORING_RELIABILITY_KAFKA_PORT", "31092"))
KAFKA_CONTROLLER_PORT = int(os.environ.get("MENTORING_RELIABILITY_KAFKA_CONTROLLER_PORT", "31093"))


_TAKEN: set[int] = set()


def free_port() -> int:
    """A free port below Linux's ephemeral range (32768-60999): a port the kernel hands out
    for outgoing connections could be taken by some client before our server binds it."""
    rng = random.Random()
    for _ in range(500):
        port = rng.randrange(24000, 29000)
        if port in _TAKEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _TAKEN.add(port)
        return port
    raise RuntimeError("no free port in 24000-28999")


def _clean_environment() -> dict[str, str]:
    """The caller's environment without anything that points at the shared instance."""
    return {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith(("MENTORING_", "TEST_")) or k == "PYTEST_CURRENT_TEST")
    }


class PrivateInfra:
    """deploy/local/infra.sh on its own state directory and ports, chaos hooks included."""

    def __init__(
        self,
        state_dir: str = STATE_DIR,
        pg_port: int = PG_PORT,
        kafka_port: int = KAFKA_PORT,
        controller_port: int = KAFKA_CONTROLLER_PORT,
    ) -> None:
        self.state_dir = state_dir
        self.base_env = {
            **_clean_environment(),
            "MENTORING_STATE_DIR": state_dir,
            "MENTORING_PG_PORT": str(pg_port),
            "MENTORING_KAFKA_PORT": str(kafka_port),
            "MENTORING_KAFKA_CONTROLLER_PORT": str(controller_port),
        }
        self.env: dict[str, str] = {}
        self.pg_port = pg_port
        self.bootstrap = f"127.0.0.1:{kafka_port}"

    def run(self, command: str, timeout: float = 240.0) -> str:
        done = subprocess.run(
            ["bash", str(INFRA), command],
            env=self.base_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"infra.sh {command} failed ({done.returncode}):\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def start(self) -> None:
        # The ports lie in Linux's ephemeral range: a client socket may hold one for a moment
        # (the broker then fails to bind); a second try finds it free.
        for attempt in range(3):
            try:
                self.run("start")
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                time.sleep(2.0)
        env = {}
        for line in self.run("env").splitlines():
            if line.startswith("export "):
                name, _, value = line[len("export ") :].partition("=")
                env[name] = shlex.split(value)[0] if value else ""
        self.env = {**self.base_env, **env}

    def stop(self) -> None:
        self.run("stop")

    async def hook(self, command: str) -> float:
        """A chaos hook (kafka-kill, kafka-start, kafka-pause, kafka-resume, pg-restart-immediate);
        returns how long it took. Runs in a thread: the load goes on meanwhile."""
        started = time.monotonic()
        await asyncio.to_thread(self.run, command)
        return time.monotonic() - started

    def admin_dsn(self, database: str) -> str:
        return f"postgresql://mentoring_admin:mentoring_admin@127.0.0.1:{self.pg_port}/{database}"

    async def sql(self, database: str) -> asyncpg.Connection:
        return await asyncpg.connect(self.admin_dsn(database), timeout=10)

    def migrate(self) -> None:
        done = subprocess.run(
            [sys.executable, "-c", CLI, "migrate", "all"],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"migrate all failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")

    async def forget_earlier_runs(self, keep_prefix: str) -> None:
        """Unsent outbox rows and topics left by an interrupted earlier run on this instance:
        a relay must not keep retrying rows whose topics are gone."""
        for db in DATABASES:
            conn = await self.sql(db)
            try:
                await conn.execute(
                    "delete from outbox_message where sent_at is null and topic not like $1",
                    keep_prefix + "%",
                )
            finally:
                await conn.close()
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            old = [
                t
                for t in await admin.list_topics()
                if t.startswith("rel") and not t.startswith(keep_prefix)
            ]
            if old:
                await admin.delete_topics(old)
        finally:
            await admin.close()


class ServiceProcess:
    """`mentoring api|worker <service>` as an OS process of its own (so it can be SIGKILLed)."""

    def __init__(
        self, service: str, kind: str, env: dict[str, str], port: int, log_dir: Path
    ) -> None:
        self.service = service
        self.kind = kind
        self.env = env
        self.port = port
        self.log_path = log_dir / f"{service}-{kind}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CLI, self.kind, self.service],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of the runner is not theirs; we stop them
        )
        log.close()
        self.starts += 1

    async def wait_live(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"{self.service} {self.kind} exited: {self.tail()}")
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    # ours, not some other server on the port: the API names its service
                    path = "/openapi.json" if self.kind == "api" else "/health/ready"
                    r = await client.get(f"{self.url}{path}")
                    if r.status_code in (200, 503) and (
                        self.service in r.json().get("info", {}).get("title", "")
                        if self.kind == "api"
                        else "consumers" in r.json()
                    ):
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.service} {self.kind} not live: {self.tail()}")
                await asyncio.sleep(0.3)

    async def wait_assigned(self, timeout: float = 120.0) -> None:
        """A worker: every consumer has its partitions."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=3.0) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                    body = (await client.get(f"{self.url}/health/ready")).json()
                    if all(c["assigned_partitions"] > 0 for c in body["consumers"]):
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.service} worker got no partitions: {self.tail()}")
                await asyncio.sleep(0.3)

    async def health(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=3.0) as client:
            return dict((await client.get(f"{self.url}/health/ready")).json())

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final commit, nothing flushed."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class WebhookReceiver:
    """A subscriber's endpoint on 127.0.0.1: verifies every request with `standardwebhooks`
    against the secret of its path; records each webhook-id once and counts repeats."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.accepted: dict[str, dict[str, Any]] = {}  # webhook-id -> CloudEvent (structured)
        self.by_path: dict[str, set[str]] = defaultdict(set)
        self.repeats = 0
        self.rejected: list[str] = []
        self.requests = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.requests += 1
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        path = scope["path"]
        status = 204
        try:
            event = Webhook(self.secrets[path]).verify(body, headers)
        except (WebhookVerificationError, KeyError) as exc:
            self.rejected.append(f"{path}: {exc!r}")
            status = 400
        else:
            webhook_id = headers["webhook-id"]
            if webhook_id in self.accepted:
                self.repeats += 1
            else:
                self.accepted[webhook_id] = event
                self.by_path[path].add(webhook_id)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def event_ids(self, of_type: str | None = None) -> list[str]:
        return [
            str(e["id"])
            for e in self.accepted.values()
            if of_type is None or e.get("type") == of_type
        ]


class RetryingApi(Api):
    """The demo's API client, plus what any careful client of ours does: a POST carries an
    Idempotency-Key, and a 5xx is retried with it (an API answers 500 once per pooled connection
    after a Postgres restart: mentoring/kit/db.py, no pre-ping by design)."""

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if method == "POST":
            headers.setdefault("Idempotency-Key", os.urandom(16).hex())
        expect = set(kwargs.pop("expect", (200, 201, 204)))
        for attempt in range(6):
            response = await super().request(
                method, path, headers=headers, expect=(*expect, 500, 502, 503, 504), **kwargs
            )
            if response.status_code < 500 or response.status_code in expect or attempt == 5:
                break
            await asyncio.sleep(0.5 * (attempt + 1))
        if response.status_code not in expect:
            raise ApiError(self.name, method, path, response.status_code, response.text)
        return response


class _QuietServer(uvicorn.Server):
    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


@dataclass
class System:
    """Everything running: infra, processes, receiver, SMTP sink, HTTP clients of the APIs."""

    infra: PrivateInfra
    namespace: str
    run_dir: Path
    processes: dict[tuple[str, str], ServiceProcess]
    receiver: WebhookReceiver
    receiver_url: str
    mailbox: Mailbox
    platform: Platform
    tokens: Tokens
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def bootstrap(self) -> str:
        return self.infra.bootstrap

    def topic(self, name: str) -> str:
        return self.namespace + name

    def worker(self, service: str) -> ServiceProcess:
        return self.processes[(service, "worker")]

    def api(self, service: str) -> ServiceProcess:
        return self.processes[(service, "api")]

    def group_prefix(self) -> str:
        return self.namespace

    def service_settings(self, service: str, **overrides: Any) -> Any:
        """The settings the service's processes run with, for an in-process copy (tests)."""
        from mentoring.kit.service import discover

        definition = discover()[service]
        saved = dict(os.environ)
        try:
            os.environ.clear()
            os.environ.update(self.service_env[service])
            settings = definition.settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return settings.model_copy(update=overrides)


def _service_env(
    infra: PrivateInfra,
    namespace: str,
    service: str,
    *,
    partitions: int,
    smtp_port: int,
    api_port: int,
    worker_port: int,
) -> dict[str, str]:
    return {
        **infra.env,
        "MENTORING_TOPIC_NAMESPACE": namespace,
        "MENTORING_CONSUMER_GROUP": f"{namespace}{service}",
        "MENTORING_TOPIC_PARTITIONS": str(partitions),
        "MENTORING_API_PORT": str(api_port),
        "MENTORING_WORKER_PORT": str(worker_port),
        "MENTORING_ENVIRONMENT": "test",
        "MENTORING_LOG_LEVEL": "WARNING",
        # the poison test's transient failures (refused in production)
        "MENTORING_FAULT_INJECTION": "true",
        # as the integration tests: a stuck consumer is rebuilt after 20 s, not 60 s
        "MENTORING_CONSUMER_STALL_SECONDS": "20",
        # the chaos load is not a rate-limit test (tests/integration/scale has those)
        "MENTORING_RATE_LIMIT_PER_SECOND": "5000",
        "MENTORING_RATE_LIMIT_BURST": "10000",
        "MENTORING_BULK_RATE_LIMIT_PER_SECOND": "50",
        "MENTORING_BULK_RATE_LIMIT_BURST": "100",
        "MENTORING_NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE": "true",
        "MENTORING_NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS": "1",
        "MENTORING_NOTIFICATIONS_WEBHOOK_RETRY_MAX_DELAY_SECONDS": "4",
        "MENTORING_NOTIFICATIONS_EMAIL_RETRY_BASE_SECONDS": "1",
        "MENTORING_NOTIFICATIONS_EMAIL_RETRY_MAX_DELAY_SECONDS": "4",
        "MENTORING_NOTIFICATIONS_DISPATCH_POLL_SECONDS": "0.2",
        # a delivery whose result could not be recorded (Postgres restarting) is sent again when
        # its lease ends: 15 s (> the 10 s webhook timeout) instead of 120 s keeps the run short
        "MENTORING_NOTIFICATIONS_DISPATCH_LEASE_SECONDS": "15",
        "MENTORING_NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "MENTORING_SESSIONS_SURVEY_SCAN_SECONDS": "15",
        "MENTORING_ANALYTICS_SCAN_INTERVAL_SECONDS": "3600",
    }


async def create_compacting_profiles_topic(bootstrap: str, namespace: str, partitions: int) -> None:
    """The namespace's profile topic, compacted within seconds (the erasure check waits for the
    cleaner): 1 s segments, any dirty ratio. Created before the workers, which then keep it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    name=namespace + contract_topics.PROFILES,
                    num_partitions=partitions,
                    replication_factor=1,
                    topic_configs={
                        "cleanup.policy": "compact",
                        "segment.ms": "1000",
                        "min.cleanable.dirty.ratio": "0.001",
                        "min.compaction.lag.ms": "0",
                        "delete.retention.ms": "600000",
                    },
                )
            ]
        )
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def running_system(
    run_dir: Path, *, partitions: int = 12, stop_infra: bool = True
) -> AsyncIterator[System]:
    """Start (idempotently) the private instance and every service process; stop the processes
    (and the instance, unless told not to) at the end."""
    infra = PrivateInfra()
    await asyncio.to_thread(infra.start)
    namespace = f"rel{os.urandom(5).hex()}."
    await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
    processes: dict[tuple[str, str], ServiceProcess] = {}
    mailbox = Mailbox(port=free_port()).start()
    receiver = WebhookReceiver()
    receiver_port = free_port()
    server = _QuietServer(
        uvicorn.Config(
            receiver, host="127.0.0.1", port=receiver_port, lifespan="off", log_level="warning"
        )
    )
    server_task = asyncio.create_task(server.serve())
    platform: Platform | None = None
    try:
        await asyncio.to_thread(infra.migrate)
        await infra.forget_earlier_runs(namespace)
        await create_compacting_profiles_topic(infra.bootstrap, namespace, partitions)
        await ensure_topics(infra.bootstrap, all_platform_topics(namespace), partitions=partitions)
        envs: dict[str, dict[str, str]] = {}
        for service in SERVICES:
            api_port, worker_port = free_port(), free_port()
            env = _service_env(
                infra,
                namespace,
                service,
                partitions=partitions,
                smtp_port=mailbox.port,
                api_port=api_port,
                worker_port=worker_port,
            )
            envs[service] = env
            processes[(service, "api")] = ServiceProcess(service, "api", env, api_port, run_dir)
            processes[(service, "worker")] = ServiceProcess(
                service, "worker", env, worker_port, run_dir
            )
        for p in processes.values():
            p.start()
        await asyncio.gather(*(p.wait_live() for p in processes.values()))
        await asyncio.gather(
            *(p.wait_assigned() for (_s, kind), p in processes.items() if kind == "worker")
        )
        tokens = Tokens.from_settings()
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        apis = {
            s: RetryingApi(
                s,
                httpx.AsyncClient(base_url=processes[(s, "api")].url, timeout=60.0, limits=limits),
                attempts=30,
            )
            for s in SERVICES
        }
        platform = Platform(
            matching=apis["matching"],
            sessions=apis["sessions"],
            notifications=apis["notifications"],
            analytics=apis["analytics"],
            tokens=tokens,
            kafka_bootstrap=infra.bootstrap,
            topic_namespace=namespace,
        )
        yield System(
            infra=infra,
            namespace=namespace,
            run_dir=run_dir,
            processes=processes,
            receiver=receiver,
            receiver_url=f"http://127.0.0.1:{receiver_port}",
            mailbox=mailbox,
            platform=platform,
            tokens=tokens,
            service_env=envs,
        )
    finally:
        if platform is not None:
            await platform.aclose()
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in processes.values()))
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server_task, timeout=10)
        mailbox.stop()
        with contextlib.suppress(Exception):
            await infra.forget_earlier_runs("rel-none-")
        if stop_infra:
            await asyncio.to_thread(infra.stop)


# -- looking from outside ----------------------------------------------------------------------


async def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record of a topic, from the beginning to the end offsets of now (no group)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []
        remaining = {tp for tp in tps if ends[tp] > 0}
        for tp in list(remaining):
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=500, max_records=5000)
            for tp, recs in batch.items():
                records.extend(r for r in recs if r.offset < ends[tp])
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return records
    finally:
        await consumer.stop()


class LagProbe:
    """Consumer-group lag read from Kafka (committed offsets against log ends) for the groups of
    a namespace, and the outbox backlog of every database."""

    def __init__(self, infra: PrivateInfra, namespace: str) -> None:
        self.infra = infra
        self.namespace = namespace

    async def group_offsets(self) -> dict[str, dict[TopicPartition, tuple[int, int]]]:
        """group -> partition -> (committed, end); partitions of every topic it committed on."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.infra.bootstrap, request_timeout_ms=5000)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.infra.bootstrap, request_timeout_ms=5000)
        try:
            await asyncio.wait_for(admin.start(), 10)
            await asyncio.wait_for(consumer.start(), 10)
            listed = await admin.list_consumer_groups()
            groups = sorted(g[0] for g in listed if str(g[0]).startswith(self.namespace))
            out: dict[str, dict[TopicPartition, tuple[int, int]]] = {}
            for group in groups:
                committed = await admin.list_consumer_group_offsets(group)
                topic_names = {tp.topic for tp in committed}
                tps: list[TopicPartition] = []
                for t in sorted(topic_names):
                    parts = consumer.partitions_for_topic(t)
                    if not parts:
                        await consumer._client.force_metadata_update()
                        parts = consumer.partitions_for_topic(t) or set()
                    tps += [TopicPartition(t, p) for p in sorted(parts)]
                ends = await consumer.end_offsets(tps) if tps else {}
                out[group] = {
                    tp: (
                        max(0, committed[tp].offset) if tp in committed else 0,
                        int(ends[tp]),
                    )
                    for tp in tps
                }
            return out
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def consumer_lag(self) -> dict[str, int]:
        offsets = await self.group_offsets()
        return {
            g: sum(max(0, end - committed) for committed, end in parts.values())
            for g, parts in offsets.items()
        }

    async def outbox_backlog(self) -> dict[str, int]:
        out = {}
        for db in DATABASES:
            conn = await self.infra.sql(db)
            try:
                out[db] = int(
                    await conn.fetchval(
                        "select count(*) from outbox_message "
                        "where sent_at is null and topic like $1",
                        self.namespace + "%",
                    )
                )
            finally:
                await conn.close()
        return out


async def wait_http_ok(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 in {timeout} s")


def chunks(items: list[Any], n: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
