"""The service images, checked without a Docker engine: pinned base images, multi-stage builds
ending as a non-root user, one shape for the four services, and the entrypoint's commands.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.deploy import settings_catalog
from tests.deploy.compose import ROOT

SERVICES = settings_catalog.service_names()
ENTRYPOINT = ROOT / "deploy" / "image" / "entrypoint.sh"
PINNED = re.compile(r"^[\w./-]+:\d+(\.\d+)+[\w.-]*(@sha256:[0-9a-f]{64})?$")


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += " " + stripped.removesuffix("\\").strip() if pending else stripped
        if stripped.endswith("\\"):
            pending = pending.removesuffix("\\").strip()
            continue
        logical.append(pending)
        pending = ""
    result = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def stages(path: Path) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for keyword, args in instructions(path):
        if keyword == "FROM":
            out.append([])
        assert out, f"{path}: instruction before the first FROM"
        out[-1].append((keyword, args))
    return out


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_pins_its_base_images(service: str) -> None:
    path = ROOT / "services" / service / "Dockerfile"
    aliases: set[str] = set()
    for keyword, args in instructions(path):
        if keyword != "FROM":
            continue
        parts = args.split()
        image = next(p for p in parts if not p.startswith("--"))
        if image in aliases:
            continue
        assert "$" not in image, f"{path}: base image from a build argument: {image}"
        assert PINNED.match(image), f"{path}: pin {image} to an exact version"
        if len(parts) >= 3 and parts[-2].upper() == "AS":
            aliases.add(parts[-1])


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_is_multi_stage_and_ends_as_a_non_root_user(service: str) -> None:
    path = ROOT / "services" / service / "Dockerfile"
    all_stages = stages(path)
    assert len(all_stages) >= 2, "build in one stage, run in a slim one"
    final = all_stages[-1]
    users = [args for keyword, args in final if keyword == "USER"]
    assert users, f"{path}: the final stage sets no USER (it would run as root)"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"{path}: ends as root"
    assert user.isdigit() and int(user) >= 1000, "a numeric uid lets Kubernetes check runAsNonRoot"
    assert not any(k == "RUN" for k, _ in final[final.index(("USER", users[-1])) :])
    assert ("ENTRYPOINT", '["entrypoint"]') in final
    assert ("CMD", '["api"]') in final
    env = " ".join(args for keyword, args in final if keyword == "ENV")
    assert f"SERVICE={service}" in env
    assert "MENTORING_API_HOST=0.0.0.0" in env


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_installs_the_service_from_the_lock_file(service: str) -> None:
    runs = [a for k, a in instructions(ROOT / "services" / service / "Dockerfile") if k == "RUN"]
    assert any(f"uv sync --frozen --no-dev --package mentoring-{service}" in r for r in runs)


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_exposes_the_service_ports(service: str) -> None:
    settings = settings_catalog.settings_class(service)()
    exposed = [
        a for k, a in instructions(ROOT / "services" / service / "Dockerfile") if k == "EXPOSE"
    ]
    assert exposed == [f"{settings.api_port} {settings.worker_port}"]


def test_the_four_dockerfiles_share_one_shape() -> None:
    def normalised(service: str) -> str:
        settings = settings_catalog.settings_class(service)()
        text = (ROOT / "services" / service / "Dockerfile").read_text()
        text = text.replace(f"{settings.api_port} {settings.worker_port}", "API WORKER")
        return text.replace(service, "SERVICE")

    shapes = {service: normalised(service) for service in SERVICES}
    reference = shapes[SERVICES[0]]
    for service, shape in shapes.items():
        assert shape == reference, f"services/{service}/Dockerfile drifted from the others"


def test_dockerignore_keeps_the_context_to_the_workspace() -> None:
    patterns = (ROOT / ".dockerignore").read_text().split()
    for excluded in ("tests", "docs", "bench", ".env", "**/.venv", "**/__pycache__", "deploy/*"):
        assert excluded in patterns
    assert "!deploy/image" in patterns


@pytest.fixture
def fake_mentoring(tmp_path: Path) -> dict[str, str]:
    """A PATH whose `mentoring` prints its arguments, to run the entrypoint without an image."""
    fake = tmp_path / "mentoring"
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    return {"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", "SERVICE": "sessions"}


@pytest.mark.parametrize(
    ("args", "runs"),
    [
        (["api"], "api sessions"),
        (["worker"], "worker sessions"),
        (["migrate"], "migrate sessions"),
        (["api", "--port", "9000"], "api sessions --port 9000"),
        (["topics", "ensure"], "topics ensure"),
        (["dlq", "show", "mentoring.sessions"], "dlq show mentoring.sessions"),
    ],
)
def test_entrypoint_maps_the_image_commands(
    fake_mentoring: dict[str, str], args: list[str], runs: str
) -> None:
    out = subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env=fake_mentoring,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == runs


def test_entrypoint_without_a_command_explains_itself(fake_mentoring: dict[str, str]) -> None:
    out = subprocess.run(
        ["sh", str(ENTRYPOINT)], env=fake_mentoring, capture_output=True, text=True, check=False
    )
    assert out.returncode == 2
    assert "api | worker | migrate" in out.stderr
