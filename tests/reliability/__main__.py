"""The reliability and security proof at full size (or reduced): `make reliability`, i.e.
`uv run python -m tests.reliability --size full`. Starts the private instance, runs the five parts
one after another on one running system, prints the figures table and writes it to
reports/reliability.md and reports/reliability.json (reduced: reports/reliability-reduced-cli.*).
Exit status 1 when any criterion failed."""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from tests.reliability.chaos import run_chaos
from tests.reliability.erasure import run_erasure
from tests.reliability.fuzzing import run_fuzzing
from tests.reliability.harness import running_system
from tests.reliability.isolation import run_isolation
from tests.reliability.poison import run_poison
from tests.reliability.population import provision, provision_ministry
from tests.reliability.suite import REPORTS, SIZES, Size, failed, write_report

PARTS = ("chaos", "poison", "isolation", "fuzzing", "erasure")


async def main(size: Size, parts: list[str], stem: str) -> int:
    started = datetime.now(UTC)
    results: dict[str, dict[str, Any]] = {}
    async with running_system(REPORTS / f"{stem}-run") as system:
        ministries = await provision(system.platform, size.tenants, size.pairs)
        print(f"{size.tenants} ministries, {size.pairs} pairs ready", flush=True)

        async def part(name: str) -> dict[str, Any]:
            p = system.platform
            if name == "chaos":
                return await run_chaos(
                    system,
                    ministries,
                    sessions=size.sessions,
                    clients=size.clients,
                    load_seconds=size.load_seconds,
                )
            if name == "poison":
                return await run_poison(
                    system,
                    await provision_ministry(p, 2),
                    events=size.poison_events,
                    invalid=size.poison_invalid,
                    transient=size.poison_transient,
                )
            if name == "isolation":
                extra = [] if size.tenants >= 3 else [await provision_ministry(p, 3)]
                return await run_isolation(
                    system, [*ministries, *extra], requests=size.isolation_requests
                )
            if name == "fuzzing":
                ministry = await provision_ministry(p, 3)
                return await asyncio.to_thread(
                    run_fuzzing, system, ministry, max_examples=size.fuzz_examples
                )
            return await run_erasure(system)

        for name in parts:
            print(f"-- {name}", flush=True)
            try:
                results[name] = await part(name)
            except Exception as exc:
                traceback.print_exc()
                results[name] = {"error": repr(exc)}
            write_report(size, results, started, stem)
    path, markdown = write_report(size, results, started, stem)
    print(markdown)
    print(f"written to {path} and {path.with_suffix('.json')}")
    bad = {p: (["ran to the end"] if "error" in f else failed(p, f)) for p, f in results.items()}
    bad = {p: v for p, v in bad.items() if v}
    if bad:
        print(f"FAILED: {bad}")
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated subset")
    args = parser.parse_args()
    chosen = SIZES[args.size]
    stem = "reliability" if chosen.name == "full" else f"reliability-{chosen.name}-cli"
    sys.exit(asyncio.run(main(chosen, args.parts.split(","), stem)))
