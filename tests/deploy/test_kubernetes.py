"""The Kubernetes manifests, checked offline: both overlays render with `kubectl kustomize`, every
object validates against the Kubernetes schemas (kubernetes-validate, strict), and every
container has probes, resources and a non-root, locked-down security context.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import kubernetes_validate
import pytest
import yaml  # type: ignore[import-untyped]

from tests.deploy import settings_catalog
from tests.deploy.compose import ROOT

KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("development", "production")
SERVICES = settings_catalog.service_names()
# The oldest Kubernetes minor still widely supported, and the newest the validator ships.
K8S_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
WORKLOADS = ("Deployment", "StatefulSet", "Job")
TMP = "/tmp"  # noqa: S108 - the path mounted from an emptyDir, not a file we create
ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - pods listen on their own address
PINNED = re.compile(r"^[\w./-]+:\d+(\.\d+)+[\w.-]*(@sha256:[0-9a-f]{64})?$")
# Secrets an operator creates before applying the production overlay (docs/operations.md).
OPERATOR_SECRETS = {"mentoring-jwt"} | {
    f"{s}-{kind}" for s in SERVICES for kind in ("secrets", "migration")
}


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is needed to render the Kustomize overlays (`kubectl kustomize`)"
    out = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(request.param)


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return render("production")


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_specs(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for o in objects:
        if o["kind"] in WORKLOADS:
            yield f"{o['kind']}/{o['metadata']['name']}", o["spec"]["template"]["spec"]


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def is_ours(container: dict[str, Any]) -> bool:
    return "mentoring-" in container["image"].rsplit("/", 1)[-1]


def test_every_object_validates_against_the_kubernetes_schemas(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = rendered
    failures = []
    for obj in objects:
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except Exception as exc:
                failures.append(f"{obj['kind']}/{obj['metadata']['name']} @ {version}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_validator_rejects_a_misspelt_field(production: list[dict[str, Any]]) -> None:
    deployment = copy.deepcopy(next(o for o in production if o["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[-1], strict=True)


def test_each_service_has_the_shared_shape(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = rendered
    kinds = {kind: by_kind(objects, kind) for kind in ("Deployment", "Service", "Job")}
    for kind in ("ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        kinds[kind] = by_kind(objects, kind)
    for s in SERVICES:
        assert {f"{s}-api", f"{s}-worker"} <= set(kinds["Deployment"])
        assert f"{s}-api" in kinds["Service"]
        assert f"{s}-migrate" in kinds["Job"]
        assert f"{s}-runtime" in kinds["ServiceAccount"]
        assert {f"{s}-api", f"{s}-worker"} <= set(kinds["HorizontalPodAutoscaler"])
        assert {f"{s}-api", f"{s}-worker"} <= set(kinds["PodDisruptionBudget"])
        for process in ("api", "worker"):
            pod = kinds["Deployment"][f"{s}-{process}"]["spec"]["template"]
            assert pod["spec"]["serviceAccountName"] == f"{s}-runtime"
            assert pod["spec"]["containers"][0]["args"] == [process]
            assert pod["spec"]["containers"][0]["image"].split(":")[0].endswith(f"mentoring-{s}")
        job = kinds["Job"][f"{s}-migrate"]["spec"]["template"]["spec"]["containers"][0]
        assert job["args"] == ["migrate"]
    topics = kinds["Job"]["mentoring-topics"]["spec"]["template"]["spec"]["containers"][0]
    assert topics["args"] == ["topics", "ensure"]


def test_selectors_hpas_and_budgets_point_at_their_pods(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = rendered
    deployments = by_kind(objects, "Deployment")

    def selects(selector: dict[str, str], name: str) -> bool:
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        return all(labels.get(k) == v for k, v in selector.items())

    for name, svc in by_kind(objects, "Service").items():
        if name.endswith("-api"):
            assert selects(svc["spec"]["selector"], name)
            others = [d for d in deployments if d != name and selects(svc["spec"]["selector"], d)]
            assert not others, f"Service {name} also selects {others}"
    for name, pdb in by_kind(objects, "PodDisruptionBudget").items():
        matched = [d for d in deployments if selects(pdb["spec"]["selector"]["matchLabels"], d)]
        assert matched == [name], f"PodDisruptionBudget {name} selects {matched}"
    for name, hpa in by_kind(objects, "HorizontalPodAutoscaler").items():
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments, name
        assert "replicas" not in deployments[name]["spec"], f"{name}: the HPA owns replicas"


def test_every_container_has_resources_and_runs_as_non_root(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = rendered
    for where, spec in pod_specs(objects):
        pod_security = spec.get("securityContext", {})
        assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert spec.get("automountServiceAccountToken") is False, where
        for c in containers(spec):
            name = f"{where}/{c['name']}"
            resources = c.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), name
            assert "memory" in resources.get("limits", {}), name
            security = {**pod_security, **c.get("securityContext", {})}
            assert security.get("runAsNonRoot") is True, name
            assert security.get("runAsUser", 1) != 0, name
            assert security.get("allowPrivilegeEscalation") is False, name
            assert security.get("capabilities", {}).get("drop") == ["ALL"], name
            assert not security.get("privileged", False), name
            if is_ours(c):
                assert security.get("readOnlyRootFilesystem") is True, name
                mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
                assert mounts.get(TMP) == "tmp", f"{name}: a writable {TMP} (emptyDir)"


def test_long_running_containers_have_probes_on_the_health_endpoints(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = rendered
    for where, spec in pod_specs(objects):
        if where.startswith("Job/"):
            continue
        for c in spec["containers"]:
            name = f"{where}/{c['name']}"
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                assert probe in c, f"{name} has no {probe}"
            if not is_ours(c):
                continue
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            assert c["livenessProbe"]["httpGet"]["path"] == "/health/live", name
            assert c["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                assert c[probe]["httpGet"]["port"] in ports, f"{name}: {probe} on an unknown port"


def test_container_ports_match_the_configured_ones(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = rendered
    platform = next(
        o["data"] for o in objects if o["metadata"]["name"].startswith("mentoring-platform")
    )
    expected = {
        "api": int(platform["MENTORING_API_PORT"]),
        "worker": int(platform["MENTORING_WORKER_PORT"]),
    }
    assert platform["MENTORING_API_HOST"] == ANY_ADDRESS
    for name, deployment in by_kind(objects, "Deployment").items():
        process = name.rsplit("-", 1)[-1]
        if process not in expected:
            continue
        pod = deployment["spec"]["template"]
        assert pod["spec"]["containers"][0]["ports"][0]["containerPort"] == expected[process]
        assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(expected[process])


def test_config_maps_hold_only_real_settings(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = rendered
    variables = settings_catalog.catalog()
    for cm in by_kind(objects, "ConfigMap").values():
        for key in cm.get("data", {}):
            if key.startswith("MENTORING_"):
                assert key in variables, f"ConfigMap {cm['metadata']['name']}: {key} is no setting"
                assert not variables[key].secret, f"{key} belongs in a Secret"


def test_every_reference_resolves(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    overlay, objects = rendered
    config_maps = set(by_kind(objects, "ConfigMap"))
    secrets = set(by_kind(objects, "Secret"))
    for where, spec in pod_specs(objects):
        volumes = [v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v]
        for c in containers(spec):
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, where
                    continue
                ref = source["secretRef"]
                if overlay == "production":
                    assert ref["name"] in OPERATOR_SECRETS | secrets, where
                elif not ref.get("optional"):
                    assert ref["name"] in secrets, f"{where}: Secret {ref['name']} is missing"
        assert set(volumes) <= config_maps, where


def test_production_renders_no_secret_and_documents_the_ones_it_needs(
    production: list[dict[str, Any]],
) -> None:
    assert not by_kind(production, "Secret"), "production Secrets never live in git"
    guide = settings_catalog.OPERATIONS.read_text()
    for name in sorted(OPERATOR_SECRETS):
        assert f"`{name}`" in guide, f"docs/operations.md must explain the Secret {name}"


def test_production_topics_are_replicated(production: list[dict[str, Any]]) -> None:
    platform = next(
        o["data"] for o in production if o["metadata"]["name"].startswith("mentoring-platform")
    )
    assert platform["MENTORING_ENVIRONMENT"] == "production"
    assert platform["MENTORING_TOPIC_REPLICATION_FACTOR"] == "3"
    assert platform["MENTORING_TOPIC_MIN_INSYNC_REPLICAS"] == "2"
    assert platform.get("MENTORING_JWT_JWKS_URL", "").startswith("https://")


def test_workers_scale_up_to_the_number_of_partitions(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = rendered
    platform = next(
        o["data"] for o in objects if o["metadata"]["name"].startswith("mentoring-platform")
    )
    partitions = int(platform["MENTORING_TOPIC_PARTITIONS"])
    for name, hpa in by_kind(objects, "HorizontalPodAutoscaler").items():
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], name
        if name.endswith("-worker"):
            assert hpa["spec"]["maxReplicas"] <= partitions, (
                f"{name}: idle workers past {partitions}"
            )


def test_images_are_pinned(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    overlay, objects = rendered
    for where, spec in pod_specs(objects):
        for c in containers(spec):
            assert PINNED.match(c["image"]), f"{where}: pin {c['image']}"
            if overlay == "production" and is_ours(c):
                assert "/" in c["image"], f"{where}: production pulls from a registry"


def test_namespaces_enforce_the_restricted_pod_security_standard(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = rendered
    namespaces = by_kind(objects, "Namespace")
    assert len(namespaces) == 1
    (namespace,) = namespaces.values()
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    for o in objects:
        if o["kind"] != "Namespace":
            assert o["metadata"].get("namespace") == namespace["metadata"]["name"]


def test_development_postgres_runs_the_shared_bootstrap() -> None:
    copy_ = KUBERNETES / "overlays" / "development" / "postgres" / "bootstrap.sql"
    original = ROOT / "deploy" / "local" / "postgres" / "bootstrap.sql"
    assert copy_.read_text() == original.read_text(), (
        "copy deploy/local/postgres/bootstrap.sql to the development overlay again"
    )
    init = by_kind(render("development"), "Job")["postgres-init"]
    script = init["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    loop = re.search(r"for svc in (.+); do", script)
    assert loop and sorted(loop.group(1).split()) == SERVICES
