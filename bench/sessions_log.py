"""Benchmark: POST of a logged session through the real HTTP stack against a raw asyncpg loop.

Both sides write the same two rows in one transaction - the session row and its outbox row - as
the same application role, into the same tables, under the same row-level security, in the same
run, in interleaved rounds (so changes in the machine's load hit both sides):

  http  POST /api/v1/pairs/{id}/sessions/log to the sessions API served by uvicorn on
        127.0.0.1 in its own process, one worker, as deployed (uvloop, httptools; routing, JWT
        check, validation, Idempotency-Key, SQLAlchemy Core, the kit's unit of work and
        outbox). The load generator is a minimal HTTP/1.1 keep-alive client, so that the
        client's own cost stays small.
  raw   asyncpg: BEGIN; INSERT session; INSERT outbox_message; COMMIT. The tenant is set once
        per connection, so each transaction is exactly the two inserts.

Two shapes are measured: a sequential loop (one client each side) and N concurrent clients
each side. For each it prints p50/p99 latency, throughput, and the ratio http/raw (target
>= 0.5). Needs the local infrastructure: eval "$(bash deploy/local/infra.sh env)".
Usage: uv run python bench/sessions_log.py [--quick] [--requests N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import uvloop
from sqlalchemy.engine import make_url

from mentoring.contracts.events import matching
from mentoring.kit.auth import mint_token
from mentoring.kit.db import create_engine, session_factory
from mentoring.kit.kafka import all_platform_topics, ensure_topics
from mentoring.kit.migrate import upgrade
from mentoring.kit.outbox import Outbox
from mentoring.kit.testing import delete_topics
from mentoring.sessions.bootstrap import MIGRATIONS
from mentoring.sessions.config import SessionsSettings
from mentoring.sessions.entrypoints.worker import apply
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork

RAW_SESSION = """
INSERT INTO session (tenant_id, session_id, pair_id, programme_id, status, mode, starts_at,
                     duration_minutes, held_at, topics, logged_by, logged_at, created_at,
                     updated_at)
VALUES ($1, $2, $3, $4, 'logged', 'in_person', $5, 45, $5, $6, $7, $8, $8, $8)
"""
RAW_OUTBOX = """
INSERT INTO outbox_message (id, tenant_id, topic, key, shard, event_type, sequence, headers,
                            payload)
VALUES ($1, $2, $3, $4, 0, 'sessions.session_logged.v1', $5, $6::jsonb, $7::jsonb)
"""


@dataclass
class Result:
    name: str
    latencies: list[float]
    seconds: float

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<5} {len(self.latencies):>6} req  {self.throughput:>8.1f} req/s  "
            f"p50 {self.pct(0.50):6.2f} ms  p99 {self.pct(0.99):6.2f} ms"
        )


async def drive(
    name: str, requests: int, clients: Sequence[Callable[[int], Awaitable[None]]]
) -> Result:
    """Each client sends requests back to back until `requests` have been sent in total."""
    latencies: list[float] = []
    counter = iter(range(requests))

    async def loop(one: Callable[[int], Awaitable[None]]) -> None:
        for i in counter:
            started = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in clients))
    return Result(name, latencies, time.perf_counter() - started)


class HttpClient:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for this benchmark."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int) -> HttpClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{head}\r\n".encode()
            + body
        )
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def seed(
    settings: SessionsSettings, tenant: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """An active pair in the read model, through the worker's own event handling."""
    pair_id, programme_id, mentee = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engine = create_engine(settings.database_url, pool_size=1)
    uow = SessionsUnitOfWork(session_factory(engine), Outbox(), tenant)
    at = datetime.now(UTC) - timedelta(days=1)
    async with uow:
        await apply(
            uow,
            matching.PairCreated(
                tenant_id=tenant,
                sequence=1,
                occurred_at=at,
                pair_id=pair_id,
                programme_id=programme_id,
                mentor_id=uuid.uuid4(),
                mentee_id=mentee,
                proposed_at=at,
            ),
        )
        await uow.commit()
    await engine.dispose()
    return pair_id, programme_id, mentee


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_api(port: int, namespace: str, connections: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MENTORING_TOPIC_NAMESPACE": namespace,
        "MENTORING_RATE_LIMIT_PER_SECOND": "1000000000",  # the rate limit is not measured
        "MENTORING_RATE_LIMIT_BURST": "1000000000",
        "MENTORING_DB_POOL_SIZE": str(connections),
        "MENTORING_DB_MAX_OVERFLOW": "0",
        "MENTORING_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "mentoring.sessions.bootstrap:build_api",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )


async def wait_for_api(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the API process exited")
        try:
            _r, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        w.close()
        return
    raise RuntimeError("the API did not start")


async def main(args: argparse.Namespace) -> None:
    base = SessionsSettings()
    await asyncio.to_thread(upgrade, MIGRATIONS, base.migration_database_url, base.database_url)
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    await ensure_topics(base.kafka_bootstrap, all_platform_topics(namespace), partitions=3)
    tenant = uuid.uuid4()
    pair_id, programme_id, mentee = await seed(base, tenant)
    raw_url = make_url(base.database_url).set(drivername="postgresql")
    pool = await asyncpg.create_pool(
        raw_url.render_as_string(hide_password=False),
        min_size=args.concurrency,
        max_size=args.concurrency,
        server_settings={"app.tenant_id": str(tenant)},
    )
    token = mint_token(
        secret=base.jwt_secret, subject=str(mentee), tenant_id=tenant, roles=["mentee"]
    )
    held_at = datetime.now(UTC) - timedelta(hours=1)
    body = json.dumps(
        {"held_at": held_at.isoformat(), "duration_minutes": 45, "topics": []}
    ).encode()
    path = f"/api/v1/pairs/{pair_id}/sessions/log"
    run = uuid.uuid4().hex[:8]
    port = free_port()
    api = start_api(port, namespace, args.concurrency)
    https: list[HttpClient] = []
    try:
        await wait_for_api(port, api)
        https = [await HttpClient.connect(port) for _ in range(args.concurrency)]

        def http_client(c: HttpClient) -> Callable[[int], Awaitable[None]]:
            async def one(i: int) -> None:
                status, answer = await c.post(
                    path,
                    body,
                    {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{run}-{i}"},
                )
                if status != 201:
                    raise RuntimeError(f"{status}: {answer!r}")

            return one

        async def raw(i: int) -> None:
            now = datetime.now(UTC)
            session_id = uuid.uuid4()
            payload = json.dumps(
                {
                    "tenant_id": str(tenant),
                    "pair_id": str(pair_id),
                    "programme_id": str(programme_id),
                    "session_id": str(session_id),
                    "held_at": held_at.isoformat(),
                    "duration_minutes": 45,
                    "topics": [],
                    "sequence": i + 1,
                    "occurred_at": now.isoformat(),
                }
            )
            headers = json.dumps({"ce_id": str(uuid.uuid4()), "ce_type": "bench"})
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    RAW_SESSION,
                    tenant,
                    session_id,
                    pair_id,
                    programme_id,
                    held_at,
                    [],
                    mentee,
                    now,
                )
                await conn.execute(
                    RAW_OUTBOX,
                    uuid.uuid4(),
                    tenant,
                    namespace + "mentoring.sessions",
                    str(pair_id),
                    i + 1,
                    headers,
                    payload,
                )

        offset = 0
        for clients in (1, args.concurrency):
            http_clients = [http_client(c) for c in https[:clients]]
            raw_clients = [raw] * clients
            warm = max(100, args.requests // 10)
            offset = await interleave(warm, http_clients, raw_clients, offset, rounds=1)
            results: dict[str, list[Result]] = {"http": [], "raw": []}
            offset = await interleave(
                args.requests,
                http_clients,
                raw_clients,
                offset,
                rounds=args.rounds,
                results=results,
            )
            report(args, clients, results)
    finally:
        for c in https:
            c.close()
        api.terminate()
        api.wait(timeout=30)
        await cleanup(pool, tenant, pair_id)
        await pool.close()
        await delete_topics(base.kafka_bootstrap, namespace)


async def interleave(
    requests: int,
    http_clients: Sequence[Callable[[int], Awaitable[None]]],
    raw_clients: Sequence[Callable[[int], Awaitable[None]]],
    offset: int,
    *,
    rounds: int,
    results: dict[str, list[Result]] | None = None,
) -> int:
    """Interleaved rounds of both sides; returns the next unused Idempotency-Key number."""
    per_round = max(1, requests // rounds)
    for _ in range(rounds):
        raw_result = await drive("raw", per_round, raw_clients)
        http_result = await drive("http", per_round, [_bind(c, offset) for c in http_clients])
        offset += per_round
        if results is not None:
            results["raw"].append(raw_result)
            results["http"].append(http_result)
    return offset


def _bind(one: Callable[[int], Awaitable[None]], offset: int) -> Callable[[int], Awaitable[None]]:
    async def shifted(i: int) -> None:
        await one(offset + i)  # a fresh Idempotency-Key for every request

    return shifted


def merged(name: str, runs: list[Result]) -> Result:
    return Result(name, [x for r in runs for x in r.latencies], sum(r.seconds for r in runs))


def report(args: argparse.Namespace, clients: int, results: dict[str, list[Result]]) -> None:
    http, raw = merged("http", results["http"]), merged("raw", results["raw"])
    ratio = http.throughput / raw.throughput
    shape = "sequential loop" if clients == 1 else f"{clients} concurrent clients per side"
    print(f"sessions_log [{shape}]: POST a logged session vs raw asyncpg, same run")
    print(
        "  http = sessions API in uvicorn (1 worker) on 127.0.0.1, own process, through the "
        "real HTTP stack; raw = asyncpg: BEGIN; INSERT session; INSERT outbox_message; COMMIT"
    )
    print(f"  {args.rounds} interleaved rounds, {args.requests} requests per side")
    for name in ("raw", "http"):
        rounds = ", ".join(f"{r.throughput:.0f}" for r in results[name])
        print(f"  {name} per round (req/s): {rounds}")
    print("  " + raw.line())
    print("  " + http.line())
    verdict = "OK" if ratio >= 0.5 else "BELOW TARGET"
    print(f"  throughput ratio http/raw = {ratio:.3f} (target >= 0.5: {verdict})")


async def cleanup(pool: asyncpg.Pool, tenant: uuid.UUID, pair_id: uuid.UUID) -> None:
    """Remove every row of the benchmark's tenant (the outbox rows are never published)."""
    async with pool.acquire() as conn, conn.transaction():
        for table in ("session_note", "session", "outbox_message", "idempotency_key", "pair"):
            await conn.execute(f"DELETE FROM {table} WHERE tenant_id = $1", tenant)
        await conn.execute(
            "DELETE FROM outbox_sequence WHERE subject = $1", f"mentoring.sessions/{pair_id}"
        )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="POST a logged session vs raw asyncpg")
    parser.add_argument("--quick", action="store_true", help="a short run (smoke)")
    parser.add_argument("--requests", type=int, default=None, help="requests per side")
    parser.add_argument("--concurrency", type=int, default=8, help="clients in the 2nd shape")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    if args.requests is None:
        args.requests = 400 if args.quick else 4000
    if args.rounds is None:
        args.rounds = 2 if args.quick else 8
    return args


if __name__ == "__main__":
    uvloop.run(main(parse()))
