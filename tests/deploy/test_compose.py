"""docker-compose.yml, checked offline: the compose-spec JSON schema, healthchecks and start-up
order, secrets required from .env, every variable documented in .env.example, and every setting
of every service reachable from .env.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from tests.deploy import settings_catalog
from tests.deploy.compose import (
    ROOT,
    MissingVariable,
    env_example,
    interpolate,
    interpolated_names,
    load_compose,
    one_shots,
    passthrough,
)

ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - containers listen on every interface of their own network
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"
SERVICES = settings_catalog.service_names()
PINNED = re.compile(r"^[\w./-]+:\d+(\.\d+)+[\w.-]*(@sha256:[0-9a-f]{64})?$")


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def documented() -> dict[str, tuple[str, bool]]:
    return env_example()


@pytest.fixture(scope="module")
def filled_env(documented: dict[str, tuple[str, bool]]) -> dict[str, str]:
    """.env.example as an operator fills it in: every required secret set."""
    return {
        name: value or f"example-{name.lower().replace('_', '-')}"
        for name, (value, commented) in documented.items()
        if not commented
    }


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any], filled_env: dict[str, str]) -> dict[str, Any]:
    return interpolate(raw, filled_env)


def test_the_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(
        jsonschema.Draft201909Validator(schema).iter_errors(compose), key=lambda e: e.json_path
    )
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def test_each_service_has_an_api_a_worker_and_a_migration(compose: dict[str, Any]) -> None:
    for service in SERVICES:
        for process in ("api", "worker", "migrate"):
            spec = compose["services"].get(f"{service}-{process}")
            assert spec is not None, f"{service}-{process} is missing"
            assert spec["command"] == [process]
            assert spec["build"]["dockerfile"] == f"services/{service}/Dockerfile"
            assert spec["image"].endswith(f"mentoring-{service}:0.1.0")


def test_long_running_services_have_healthchecks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    once = one_shots(services)
    assert {"postgres-init", "kafka-topics"} <= once
    assert {f"{s}-migrate" for s in SERVICES} <= once
    for name, spec in services.items():
        if name in once:
            assert spec.get("restart") == "no", f"{name} is a one-shot and must not restart"
            continue
        check = spec.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no healthcheck"
        assert check.get("test"), f"{name}: healthcheck without a test"
        assert spec.get("restart") in ("always", "unless-stopped"), f"{name} does not restart"


def test_start_up_waits_on_health_and_on_completed_one_shots(compose: dict[str, Any]) -> None:
    services = compose["services"]
    once = one_shots(services)
    for name, spec in services.items():
        depends = spec.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for target, cond in depends.items():
            assert target in services, f"{name} depends on unknown {target}"
            wanted = "service_completed_successfully" if target in once else "service_healthy"
            assert cond["condition"] == wanted, f"{name} -> {target}"
    for service in SERVICES:
        for process in ("api", "worker"):
            depends = services[f"{service}-{process}"]["depends_on"]
            assert {f"{service}-migrate", "kafka-topics", "postgres", "kafka"} <= set(depends)
        assert "postgres-init" in services[f"{service}-migrate"]["depends_on"]


def test_health_checks_and_ports_follow_the_service_settings(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for service in SERVICES:
        settings = settings_catalog.settings_class(service)()
        api, worker = services[f"{service}-api"], services[f"{service}-worker"]
        assert f"127.0.0.1:{settings.api_port}/health/ready" in " ".join(api["healthcheck"]["test"])
        assert f"127.0.0.1:{settings.worker_port}/health/ready" in " ".join(
            worker["healthcheck"]["test"]
        )
        assert api["ports"] == [f"127.0.0.1:{settings.api_port}:{settings.api_port}"]
        assert "ports" not in worker, "worker health and metrics stay on the compose network"


def test_service_containers_are_locked_down(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        if "build" not in spec:
            continue
        assert spec["read_only"] is True, name
        assert spec["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in spec["security_opt"], name
        assert spec["environment"]["MENTORING_API_HOST"] == ANY_ADDRESS, name


def test_infrastructure_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        if "build" in spec:
            continue
        assert PINNED.match(spec["image"]), f"{name}: pin {spec['image']} to an exact version"
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:4.")
    assert "broker,controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft


def test_secrets_are_required_from_env(raw: dict[str, Any], documented: dict) -> None:
    ops = interpolated_names(raw)
    required = {name for name, (value, commented) in documented.items() if not commented}
    assert "MENTORING_JWT_SECRET" in required
    assert "POSTGRES_PASSWORD" in required
    for service in SERVICES:
        assert {f"{service.upper()}_DB_PASSWORD", f"{service.upper()}_DB_OWNER_PASSWORD"} <= (
            required
        )
    for name in required:
        assert documented[name][0] == "", f".env.example must not ship a value for {name}"
        assert ops.get(name) == {":?"}, f"{name} must be required (${{{name}:?...}}) everywhere"
    with pytest.raises(MissingVariable):
        interpolate(raw, {})


def test_every_variable_compose_uses_is_in_env_example(
    raw: dict[str, Any], documented: dict
) -> None:
    used = set(interpolated_names(raw))
    for spec in raw["services"].values():
        used |= passthrough(spec.get("environment") or {})
    missing = sorted(used - set(documented))
    assert not missing, f"add these to .env.example: {missing}"
    unused = sorted(n for n in set(documented) - used if not n.startswith("COMPOSE_"))
    assert not unused, f".env.example documents variables compose does not use: {unused}"


def test_every_setting_can_be_set_from_env(compose: dict[str, Any]) -> None:
    """Each service process gets all of its settings: fixed by compose, or passed through."""
    services = compose["services"]
    variables = settings_catalog.catalog()
    shared = set(settings_catalog.compose_passthrough())
    for service in SERVICES:
        own = set(settings_catalog.compose_passthrough(service))
        readable = {name for name, var in variables.items() if service in var.defaults}
        db = f"MENTORING_{service.upper()}_DATABASE_URL"
        owner_db = f"MENTORING_{service.upper()}_MIGRATION_DATABASE_URL"
        for process in ("api", "worker", "migrate"):
            env = services[f"{service}-{process}"]["environment"]
            given = passthrough(env)
            name = f"{service}-{process}"
            missing = sorted(shared - given)
            assert not missing, f"{name}: list these without a value in x-app-env: {missing}"
            missing = sorted(own - given)
            assert not missing, f"{name}: list these without a value in x-{service}-env: {missing}"
            stray = sorted({k for k in env if k.startswith("MENTORING_")} - readable)
            assert not stray, f"{name}: not settings of {service}: {stray}"
            assert env[db].startswith(f"postgresql+asyncpg://{service}:")
            assert (owner_db in env) == (process == "migrate"), f"{name}: owner URL"
    topics = services["kafka-topics"]["environment"]
    missing = sorted(shared - passthrough(topics))
    assert not missing, f"kafka-topics: list these without a value in x-app-env: {missing}"
    assert not any(k.endswith("DATABASE_URL") for k in topics)


def test_postgres_init_runs_the_shared_bootstrap_for_every_service(
    compose: dict[str, Any],
) -> None:
    init = compose["services"]["postgres-init"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in init["volumes"]}
    assert mounts["/mentoring/bootstrap.sql"] == "./deploy/local/postgres/bootstrap.sql"
    script = (ROOT / mounts["/mentoring/init-databases.sh"]).read_text()
    loop = re.search(r"^for svc in (.+); do$", script, re.MULTILINE)
    assert loop and sorted(loop.group(1).split()) == SERVICES
    for service in SERVICES:
        for kind in ("DB_PASSWORD", "DB_OWNER_PASSWORD"):
            assert f"{service.upper()}_{kind}" in init["environment"]
