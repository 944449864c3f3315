"""`python -m mentoring.contracts [--check]`: write (or check) the committed JSON Schemas."""

from __future__ import annotations

import sys

from mentoring.contracts.compat import incompatibilities
from mentoring.contracts.registry import SCHEMA_DIR, committed_schemas, dump, generated_schemas


def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    allow_breaking = "--allow-breaking" in argv
    committed = committed_schemas()
    generated = generated_schemas()
    status = 0
    for name in sorted(set(committed) - set(generated)):
        print(f"ERROR {name}: an event type was removed; types are never removed (add a .v2)")
        status = 1
    for name, schema in sorted(generated.items()):
        old = committed.get(name)
        if old == schema:
            continue
        problems = incompatibilities(old, schema) if old is not None else []
        if problems and not allow_breaking:
            print(f"ERROR {name}: not backward compatible: " + "; ".join(problems))
            status = 1
            continue
        if check_only:
            print(f"STALE {name}: run `python -m mentoring.contracts` and commit the result")
            status = 1
            continue
        SCHEMA_DIR.mkdir(exist_ok=True)
        (SCHEMA_DIR / f"{name}.json").write_text(dump(schema), "utf-8")
        print(f"wrote {name}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
