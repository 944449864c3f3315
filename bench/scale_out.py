"""Scale-out of an I/O-bound consumer: 1, 2 and 4 worker processes on one 12-partition topic.

Each event waits 20 ms on a simulated external call (as a webhook delivery does). Every worker
process runs the kit's consumer runtime with the same fixed bound on concurrent calls per process
(--per-process, default 8: the outbound connections one process allows itself), so throughput can
only grow by adding processes to the consumer group. Per-key order is checked, not assumed: every
process logs (key, sequence) as it finishes each event, and the sequences of every key must come
out 1, 2, 3, ... in completion order across all processes.

    uv run python bench/scale_out.py            # 12,000 events, 600 keys
    uv run python bench/scale_out.py --quick    # 3,000 events
Needs the broker of `make infra` (MENTORING_KAFKA_BOOTSTRAP, default 127.0.0.1:9092).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from mentoring.contracts.events.sessions import SessionLogged
from mentoring.kit.consumer import ConsumerConfig, KafkaConsumerRuntime, Subscription
from mentoring.kit.envelope import Envelope, ce_headers, encode_data, to_kafka_headers
from mentoring.kit.kafka import ensure_topics, make_producer

BOOTSTRAP = os.environ.get("MENTORING_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
PARTITIONS = 12
CALL_SECONDS = 0.020


async def worker_main(topic: str, group: str, out: Path, ready: Path, per_process: int) -> None:
    log = out.open("w", buffering=1)  # line-buffered: the parent reads it while we run

    async def handle(envelope: Envelope) -> None:
        await asyncio.sleep(CALL_SECONDS)  # the simulated external call
        log.write(f"{envelope.subject} {envelope.data.sequence} {time.time():.6f}\n")

    runtime = KafkaConsumerRuntime(
        Subscription(name="bench", topics=[topic], handler=handle),
        ConsumerConfig(
            bootstrap=BOOTSTRAP,
            group_id=group,
            service="bench",
            max_concurrency=per_process,
            max_per_tenant=per_process,
        ),
        lambda: make_producer(BOOTSTRAP, client_id="bench-dlq"),
    )
    task = asyncio.create_task(runtime.run())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(15, stop.set)
    last_assigned = -1
    while not stop.is_set():
        consumer = runtime._consumer
        assigned = len(consumer.assignment()) if consumer is not None else 0
        if assigned != last_assigned:
            ready.write_text(str(assigned))
            last_assigned = assigned
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
    runtime.stop()
    await task
    log.close()


async def produce(topic: str, events: int, keys: int) -> None:
    producer = make_producer(BOOTSTRAP, client_id="bench-producer")
    await producer.start()
    tenant = uuid.uuid4()
    pairs = [uuid.uuid4() for _ in range(keys)]
    programme = uuid.uuid4()
    sequence = dict.fromkeys(pairs, 0)
    futures = []
    now = datetime.now(UTC)
    for i in range(events):
        pair = pairs[i % keys]
        sequence[pair] += 1
        event = SessionLogged(
            tenant_id=tenant,
            sequence=sequence[pair],
            occurred_at=now,
            pair_id=pair,
            programme_id=programme,
            session_id=uuid.uuid4(),
            held_at=now,
            duration_minutes=60,
        )
        headers = to_kafka_headers(ce_headers(event, event_id=uuid.uuid4(), time=now))
        futures.append(
            await producer.send(
                topic, encode_data(event), key=event.subject.encode(), headers=headers
            )
        )
    await asyncio.gather(*futures)
    await producer.stop()


def check_order(lines: list[tuple[str, int, float]]) -> tuple[bool, int]:
    """Every key's sequences, in completion order, are 1..n without a swap; returns (ok, dupes)."""
    by_key: dict[str, list[int]] = {}
    for key, seq, _t in sorted(lines, key=lambda x: x[2]):
        by_key.setdefault(key, []).append(seq)
    dupes = 0
    for seqs in by_key.values():
        seen: list[int] = []
        for s in seqs:
            if seen and s <= seen[-1]:
                dupes += 1  # a redelivery of something already done
                continue
            if s != (seen[-1] + 1 if seen else 1):
                return False, dupes
            seen.append(s)
    return True, dupes


def run_round(
    workers: int, events: int, keys: int, per_process: int, tmp: Path
) -> dict[str, float]:
    topic = f"bench-scale-{uuid.uuid4().hex[:8]}"
    group = f"{topic}-group"
    asyncio.run(ensure_topics(BOOTSTRAP, [topic, topic + ".dlq"], partitions=PARTITIONS))
    procs, outs, readies = [], [], []
    for i in range(workers):
        out, ready = tmp / f"{topic}-{i}.log", tmp / f"{topic}-{i}.ready"
        outs.append(out)
        readies.append(ready)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    topic,
                    group,
                    str(out),
                    str(ready),
                    str(per_process),
                ],
            )
        )
    deadline = time.time() + 120
    while True:  # wait until the group is stable: every partition owned, every worker has some
        counts = [int(r.read_text() or 0) if r.exists() else 0 for r in readies]
        if sum(counts) == PARTITIONS and all(counts):
            time.sleep(1.0)
            counts = [int(r.read_text() or 0) for r in readies]
            if sum(counts) == PARTITIONS and all(counts):
                break
        if time.time() > deadline:
            raise SystemExit(f"the group did not stabilise: {counts}")
        time.sleep(0.2)
    asyncio.run(produce(topic, events, keys))
    lines: list[tuple[str, int, float]] = []
    deadline = time.time() + 600
    while len(lines) < events and time.time() < deadline:
        time.sleep(0.5)
        lines = []
        for out in outs:
            if out.exists():
                for line in out.read_text().splitlines():
                    parts = line.split()
                    if len(parts) == 3:
                        lines.append((parts[0], int(parts[1]), float(parts[2])))
        print(f"\r  {workers} worker(s): {len(lines)}/{events}", end="", flush=True)
    print()
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=60)
    ordered, dupes = check_order(lines)
    times = sorted(t for _k, _s, t in lines)
    elapsed = times[-1] - times[0]
    asyncio.run(_delete(topic))
    return {
        "workers": workers,
        "events": len({(k, s) for k, s, _ in lines}),
        "seconds": elapsed,
        "rate": events / elapsed,
        "ordered": float(ordered),
        "duplicates": dupes,
    }


async def _delete(topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.delete_topics([topic, topic + ".dlq"])
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--per-process", type=int, default=8)
    parser.add_argument("--worker", nargs=5, metavar=("TOPIC", "GROUP", "OUT", "READY", "N"))
    args = parser.parse_args()
    if args.worker:
        topic, group, out, ready, n = args.worker
        asyncio.run(worker_main(topic, group, Path(out), Path(ready), int(n)))
        return
    events, keys = (3000, 300) if args.quick else (12000, 600)
    print(
        f"scale-out: {events} events, {keys} keys, {PARTITIONS} partitions, "
        f"{CALL_SECONDS * 1000:.0f} ms call each, {args.per_process} concurrent calls per process"
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2, 4):
            results.append(run_round(workers, events, keys, args.per_process, Path(tmp)))
    base = results[0]["rate"]
    print(f"{'workers':>8} {'events/s':>10} {'x 1 worker':>11} {'order':>7} {'redelivered':>12}")
    for r in results:
        print(
            f"{int(r['workers']):>8} {r['rate']:>10.0f} {r['rate'] / base:>11.2f} "
            f"{'ok' if r['ordered'] else 'BROKEN':>7} {int(r['duplicates']):>12}"
        )
    ratio = results[-1]["rate"] / base
    ok = ratio >= 3.2 and all(r["ordered"] for r in results)
    print(json.dumps({"ratio_4_to_1": round(ratio, 2), "target": 3.2, "pass": ok}))


if __name__ == "__main__":
    main()
