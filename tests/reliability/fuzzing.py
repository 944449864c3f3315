"""Fuzzing: schemathesis against every operation of each service's OpenAPI document, with a
coordinator's token of a ministry of its own, positive and negative data. Two checks per call:
not a server error (5xx), and the response conforms to the document (status, body schema).

Every failing call is recorded (service, operation, status, the check, the request) instead of
stopping at the first one, so one run lists everything to fix."""

from __future__ import annotations

import json
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from mentoring.kit.service import discover
from tests.reliability.harness import SERVICES, System
from tests.reliability.population import Ministry


@dataclass
class FuzzResult:
    calls: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    no_negative: list[str] = field(default_factory=list)
    operations: int = 0


def _describe(case: Any, response: Any, exc: BaseException) -> dict[str, Any]:
    failures = getattr(exc, "exceptions", None) or [exc]
    titles = sorted(
        {
            str(getattr(f, "kind_title", None) or getattr(f, "title", type(f).__name__))
            for f in failures
        }
    )
    body = case.body
    try:
        request_body = json.dumps(body, default=str)[:300] if body is not None else None
    except TypeError:
        request_body = repr(body)[:300]
    return {
        "operation": f"{case.operation.method.upper()} {case.operation.path}",
        "status": response.status_code,
        "checks failed": titles,
        "request": {
            "path": case.formatted_path,
            "query": case.query,
            "body": request_body,
        },
        "response": response.text[:300],
    }


def _runner(
    operation: Any,
    mode: Any,
    headers: dict[str, str],
    max_examples: int,
    result: FuzzResult,
    label: str,
) -> Any:
    key = f"{label} {operation.method.upper()} {operation.path}"

    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the transport itself failed: an error to report
            result.errors.append(f"{key}: {exc!r}"[:300])
            return
        result.calls[key] += 1
        result.statuses[str(response.status_code)] += 1
        try:
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance],
                headers=headers,
            )
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
            result.failures.append({"service": label, **_describe(case, response, exc)})

    return run


class AsAServer:
    """The app as uvicorn serves it: an exception after the 500 went out is logged, not raised
    into the client (schemathesis' ASGI client would raise it). The exceptions are kept, with
    the innermost frame of our code, for the report."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.exceptions: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = False

        async def watch(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if scope["type"] != "http":
                raise
            ours = [
                f"{f.filename.split('/work/main/')[-1]}:{f.lineno} ({f.name})"
                for f in traceback.extract_tb(exc.__traceback__)
                if "/services/" in f.filename or "/shared/" in f.filename
            ]
            where = ours[-1] if ours else "?"
            self.exceptions.append(f"{scope['method']} {scope['path']}: {exc!r:.200} at {where}")
            if not started:
                await send({"type": "http.response.start", "status": 500, "headers": []})
                await send({"type": "http.response.body", "body": b""})


def fuzz_service(app: Any, token: str, max_examples: int, result: FuzzResult, label: str) -> None:
    served = AsAServer(app)
    schema = schemathesis.openapi.from_asgi("/openapi.json", served)
    headers = {"Authorization": f"Bearer {token}"}
    for item in schema.get_all_operations():
        operation: Any = item.ok()  # type: ignore[union-attr]
        result.operations += 1
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _runner(operation, mode, headers, max_examples, result, label)()
            except Unsatisfiable:  # nothing in the request can be made invalid
                result.no_negative.append(f"{label} {operation.method.upper()} {operation.path}")
            except Exception as exc:  # hypothesis could not generate: reported, not hidden
                where = f"{label} {operation.method.upper()} {operation.path} ({mode.value})"
                result.errors.append(f"{where}: {exc!r}"[:300])
    result.exceptions += served.exceptions


def run_fuzzing(system: System, ministry: Ministry, *, max_examples: int) -> dict[str, Any]:
    """Blocking (schemathesis runs the apps on its own event-loop thread)."""
    result = FuzzResult()
    token = ministry.coordinator_token(system.platform)
    for service in SERVICES:
        app = discover()[service].build_api(system.service_settings(service))
        fuzz_service(app, token, max_examples, result, service)
    per_operation: Counter[str] = Counter()
    for f in result.failures:
        per_operation[f"{f['service']} {f['operation']}: {', '.join(f['checks failed'])}"] += 1
    return {
        "operations": result.operations,
        "examples per operation and mode (max)": max_examples,
        "calls": sum(result.calls.values()),
        "statuses": dict(sorted(result.statuses.items())),
        "server errors": sum(
            1 for f in result.failures if any("Server error" in c for c in f["checks failed"])
        ),
        "responses breaking their schema": sum(
            1 for f in result.failures if any("Server error" not in c for c in f["checks failed"])
        ),
        "failing calls": len(result.failures),
        "failures by operation": dict(per_operation.most_common()),
        "failure samples": result.failures[:20],
        "server exceptions (innermost frame of our code)": sorted(set(result.exceptions))[:30],
        "operations without invalid data to send": len(result.no_negative),
        "generation errors": result.errors[:20],
    }
