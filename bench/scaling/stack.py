"""The platform as real processes: each service's API and worker (`mentoring api|worker <s>`),
on ports of their own so a benchmark never collides with `make up`, against the infrastructure
named by the environment (`eval "$(bash deploy/local/infra.sh env)"`, ideally of a private
instance: MENTORING_STATE_DIR, MENTORING_PG_PORT, MENTORING_KAFKA_PORT).

Every process started here is stopped by its pid (SIGTERM, then SIGKILL) when the stack closes.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg
import httpx

REPO = Path(__file__).resolve().parents[2]
# The deployment docs/operations.md recommends: analytics' projection of the sessions topic (the
# everyday flow of every ministry) in worker processes of its own, apart from the projections of
# the topics that carry bursts (matching rounds, imports, the e-mails they cause).
RECOMMENDED_SPLIT: dict[str, tuple[tuple[str, ...], ...]] = {
    "analytics": (
        ("tenants", "projection-matching", "projection-notifications"),
        ("projection-sessions",),
    )
}
# ... and the processes whose work is bulk (e-mails by the thousand after a round, the
# projections of the topics that carry bursts) with less CPU than the everyday flow: a lower
# priority here, a smaller CPU request on Kubernetes, lower cpu_shares in compose.
# The bulk HTTP calls (imports, rounds, publication) go to an API process of their own, the
# second matching API (28011): an ingress routes those paths to a Deployment with a smaller CPU
# request, as docs/operations.md describes.
BULK_API_REPLICA = 1  # the matching API replica that serves the bulk lane
BULK_API = "matching-api:28011"  # its process name (BULK_LANE, Stack.env_by_name)
BULK_LANE = {
    "notifications-worker:28103": 10,
    "analytics-worker:28104": 10,
    "smtp-sink": 10,
    BULK_API: 10,
}
SERVICES = ("matching", "sessions", "notifications", "analytics")
MENTORING = REPO / ".venv" / "bin" / "mentoring"


def admin_url(database: str = "postgres") -> str:
    """The superuser URL of a database of the infrastructure in the environment."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        raise SystemExit(
            "no infrastructure in the environment: run\n"
            '  eval "$(bash deploy/local/infra.sh env)"\n'
            "(with MENTORING_STATE_DIR, MENTORING_PG_PORT, MENTORING_KAFKA_PORT and "
            "MENTORING_KAFKA_CONTROLLER_PORT of a private instance) first"
        )
    return f"{base.rsplit('/', 1)[0]}/{database}"


def kafka_bootstrap() -> str:
    return os.environ.get("MENTORING_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


async def database_sizes() -> dict[str, int]:
    """pg_database_size of each service database, in bytes."""
    conn = await asyncpg.connect(admin_url())
    try:
        return {s: int(await conn.fetchval("select pg_database_size($1)", s)) for s in SERVICES}
    finally:
        await conn.close()


@dataclass
class Process:
    service: str
    kind: str  # api | worker | smtp
    port: int
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def name(self) -> str:
        return f"{self.service}-{self.kind}" + (f":{self.port}" if self.kind != "sink" else "")


@dataclass
class Stack:
    """The APIs on `api_base + 1..4` and the workers on `worker_base + 1..4` (matching,
    sessions, notifications, analytics, as the contract's 8001-8004 / 8101-8104)."""

    api_base: int = 28000
    worker_base: int = 28100
    smtp_port: int = 28025
    services: Sequence[str] = SERVICES
    env: Mapping[str, str] = field(default_factory=dict)
    per_service_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # A service's worker processes by the subscriptions each runs (MENTORING_WORKER_
    # SUBSCRIPTIONS); unset: one worker with all. The k-th listens on worker_port + 10 k.
    split: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict)
    # API processes per service (stateless replicas); the k-th listens on api_port + 10 k.
    api_replicas: Mapping[str, int] = field(default_factory=dict)
    # A lower CPU priority (nice) for processes by name (`notifications-worker:28103`): on one
    # host, what CPU requests of separate Deployments are on Kubernetes.
    nice: Mapping[str, int] = field(default_factory=dict)
    # Environment of single processes by the same names (the bulk lane's pacing, say).
    env_by_name: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    logs: Path = field(
        default_factory=lambda: (
            Path(os.environ.get("MENTORING_STATE_DIR") or tempfile.gettempdir()) / "bench-logs"
        )
    )
    processes: list[Process] = field(default_factory=list)

    def api_port(self, service: str) -> int:
        return self.api_base + 1 + SERVICES.index(service)

    def worker_port(self, service: str) -> int:
        return self.worker_base + 1 + SERVICES.index(service)

    def urls(self, replica: int = 0) -> dict[str, str]:
        """The APIs' addresses; `replica` picks one of a service's API processes (modulo)."""
        return {
            s: f"http://127.0.0.1:{self.api_port(s) + 10 * (replica % self.api_replicas.get(s, 1))}"
            for s in SERVICES
        }

    def _spawn(
        self,
        service: str,
        kind: str,
        port: int,
        argv: list[str],
        extra: Mapping[str, str] | None = None,
    ) -> Process:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"{service}-{kind}-{port}.log"
        env = {
            **os.environ,
            "MENTORING_API_PORT": str(self.api_port(service)) if service in SERVICES else "0",
            "MENTORING_WORKER_PORT": str(self.worker_port(service)) if service in SERVICES else "0",
            "MENTORING_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
            "MENTORING_NOTIFICATIONS_SMTP_PORT": str(self.smtp_port),
            "MENTORING_LOG_LEVEL": "WARNING",
            **self.env,
            **self.per_service_env.get(service, {}),
            **(extra or {}),
        }
        name = f"{service}-{kind}" + (f":{port}" if kind != "sink" else "")
        env.update(self.env_by_name.get(name, {}))
        if self.nice.get(name):
            argv = ["nice", "-n", str(self.nice[name]), *argv]
        with log.open("ab") as out:
            popen = subprocess.Popen(
                argv,
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(service, kind, port, popen, log)
        self.processes.append(process)
        return process

    def stop_one(self, service: str, kind: str) -> None:
        """Stop one process (SIGTERM, SIGKILL after 30 s) and forget it."""
        for p in list(self.processes):
            if p.service == service and p.kind == kind:
                if p.popen.poll() is None:
                    p.popen.send_signal(signal.SIGTERM)
                try:
                    p.popen.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.popen.kill()
                    p.popen.wait(timeout=10)
                self.processes.remove(p)

    def _spawn_workers(self, service: str) -> None:
        for k, names in enumerate(self.split.get(service) or [()]):
            port = self.worker_port(service) + 10 * k
            extra = {"MENTORING_WORKER_PORT": str(port)}
            if names:
                extra["MENTORING_WORKER_SUBSCRIPTIONS"] = json.dumps(list(names))
            self._spawn(service, "worker", port, [str(MENTORING), "worker", service], extra)

    async def start_one(self, service: str, kind: str) -> None:
        if kind == "worker":
            self._spawn_workers(service)
        else:
            self._spawn(service, kind, self.api_port(service), [str(MENTORING), kind, service])
        await self.wait_live()

    def worker_ports(self) -> list[tuple[str, int]]:
        return [(p.service, p.port) for p in self.processes if p.kind == "worker"]

    async def start(self) -> None:
        if "notifications" in self.services:
            self._spawn(
                "smtp",
                "sink",
                self.smtp_port,
                [
                    sys.executable,
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-c",
                    "aiosmtpd.handlers.Sink",
                    "-l",
                    f"127.0.0.1:{self.smtp_port}",
                ],
            )
        for service in self.services:
            for k in range(self.api_replicas.get(service, 1)):
                port = self.api_port(service) + 10 * k
                argv = [str(MENTORING), "api", service, "--port", str(port)]
                self._spawn(service, "api", port, argv)
            self._spawn_workers(service)
        await self.wait_live()

    async def wait_live(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            for p in self.processes:
                if p.kind == "sink":
                    continue
                while True:
                    if p.popen.poll() is not None:
                        raise SystemExit(f"{p.name} exited; see {p.log}")
                    try:
                        r = await client.get(f"http://127.0.0.1:{p.port}/health/live")
                        if r.status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{p.name} did not come up; see {p.log}")
                    await asyncio.sleep(0.3)

    async def consumers(self, service: str) -> list[dict[str, Any]]:
        """The consumers of the service's workers (/health/ready): group, lag, processed."""
        out: list[dict[str, Any]] = []
        async with httpx.AsyncClient(timeout=5.0) as client:
            for name, port in self.worker_ports():
                if name == service:
                    r = await client.get(f"http://127.0.0.1:{port}/health/ready")
                    out += r.json().get("consumers", [])
        return out

    def stop(self) -> None:
        for p in reversed(self.processes):
            if p.popen.poll() is None:
                p.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for p in reversed(self.processes):
            try:
                p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.popen.kill()
                p.popen.wait(timeout=10)
        self.processes.clear()

    async def __aenter__(self) -> Stack:
        try:
            await self.start()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class Backlog:
    """Work not done yet: the lag of every consumer of every worker (-1: a worker not
    answering), unsent outbox rows of every service, e-mails due but not yet sent by
    notifications. One connection per database, kept open (polling must stay cheap)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.conns: dict[str, asyncpg.Connection] = {}
        self.http = httpx.AsyncClient(timeout=5.0)

    async def __aenter__(self) -> Backlog:
        for service in self.stack.services:
            self.conns[service] = await asyncpg.connect(admin_url(service))
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in self.conns.values():
            await conn.close()
        await self.http.aclose()

    async def now(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for service, port in self.stack.worker_ports():
            try:
                r = await self.http.get(f"http://127.0.0.1:{port}/health/ready")
                consumers = r.json().get("consumers", [])
            except (httpx.HTTPError, ValueError):
                out[f"{service} worker :{port}"] = -1
                continue
            for c in consumers:
                out[f"{service}.{c['subscription']} :{port}"] = int(c["lag"])
        for service, conn in self.conns.items():
            out[f"{service} outbox"] = int(
                await conn.fetchval("select count(*) from outbox_message where sent_at is null")
            )
            if service == "notifications":
                out["e-mails due"] = int(
                    await conn.fetchval(
                        "select count(*) from delivery "
                        "where status = 'pending' and next_attempt_at <= now()"
                    )
                )
        return out


async def settle(
    stack: Stack,
    what: str,
    *,
    allow: int = 0,
    timeout: float = 1800.0,
    quiet_for: float = 3.0,
    ignore: Sequence[str] = (),
) -> float:
    """Wait until every backlog is at most `allow` for `quiet_for` seconds (backlogs whose name
    starts with one of `ignore` aside); returns the wait. TimeoutError after `timeout` seconds,
    naming what is still busy."""
    began = time.monotonic()
    calm_since: float | None = None
    async with Backlog(stack) as backlog:
        while True:
            state = await backlog.now()
            busy = {
                k: v
                for k, v in state.items()
                if (v < 0 or v > allow) and not k.startswith(tuple(ignore))
            }
            now = time.monotonic()
            if not busy:
                calm_since = calm_since or now
                if now - calm_since >= quiet_for:
                    return now - began
            else:
                calm_since = None
            if now - began > timeout:
                raise TimeoutError(f"{what}: still busy after {timeout:.0f} s: {busy}")
            await asyncio.sleep(1.0)


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from 3 (state) on


def _cpu(pid: int, *, children: bool = False) -> float:
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # waited-for children: cutime, cstime
    return ticks / _TICK


def _pidfile(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each process of the stack, by the infrastructure's Postgres
    (the postmaster, its backends and those that exited) and Kafka, and by the whole machine."""
    out = {p.name: _cpu(p.popen.pid) for p in stack.processes}
    state = Path(os.environ.get("MENTORING_STATE_DIR") or "/nonexistent")
    postmaster = _pidfile(state / "postgres" / "data" / "postmaster.pid")
    if postmaster is not None:
        total = _cpu(postmaster, children=True)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                fields = _stat(int(entry.name))
                if fields is not None and int(fields[1]) == postmaster:
                    total += _cpu(int(entry.name))
        out["postgres"] = total
    kafka = _pidfile(state / "kafka" / "kafka.pid")
    if kafka is not None:
        out["kafka"] = _cpu(kafka)
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(first) if i not in (3, 4))  # all but idle, iowait
    out["this benchmark"] = time.process_time()
    out["machine"] = busy / _TICK
    return out


def cpu_table(phases: dict[str, tuple[dict[str, float], dict[str, float], float]]) -> list[str]:
    """Cores used per process in each phase: (CPU seconds at start, at end, wall seconds)."""
    names = list(next(iter(phases.values()))[1])
    lines = [f"{'cores used':<28}" + "".join(f"{p:>10}" for p in phases)]
    for name in [*names, "others"]:
        row = f"{name:<28}"
        for before, after, wall in phases.values():
            if name == "others":
                mine = sum(after[k] - before.get(k, 0.0) for k in after if k != "machine")
                used = after["machine"] - before["machine"] - mine
            else:
                used = after.get(name, 0.0) - before.get(name, 0.0)
            row += f"{used / wall:>10.2f}"
        lines.append(row)
    return lines


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by the nearest-rank method."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q * len(ordered))))
    return ordered[rank - 1]
