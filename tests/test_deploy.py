"""deploy/ and the Dockerfile only name settings that exist and a factory that imports."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.config import Settings

ROOT = Path(__file__).resolve().parents[1]
KNOWN = {f"PLANNER_{name.upper()}" for name in Settings.model_fields}


def test_env_example_names_only_real_settings() -> None:
    names = re.findall(r"^(PLANNER_\w+)=", (ROOT / "deploy/.env.example").read_text(), re.M)
    assert names
    assert set(names) <= KNOWN


def test_kubernetes_config_map_names_only_real_settings() -> None:
    docs = list(yaml.safe_load_all((ROOT / "deploy/k8s/configmap.yaml").read_text()))
    assert set(docs[0]["data"]) <= KNOWN


def test_kustomization_lists_existing_files() -> None:
    kustom = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    for resource in kustom["resources"]:
        assert (ROOT / "deploy/k8s" / resource).is_file()
        list(yaml.safe_load_all((ROOT / "deploy/k8s" / resource).read_text()))


def test_compose_environment_names_only_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    assert set(compose["services"]["api"]["environment"]) <= KNOWN


def test_dockerfile_runs_an_importable_factory() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    match = re.search(r'"([\w.]+):(\w+)", "--factory"', dockerfile)
    assert match is not None
    module = importlib.import_module(match.group(1))
    assert callable(getattr(module, match.group(2)))
    assert "requirements.lock" in dockerfile


def test_job_workers_run_the_worker_command_with_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    worker = compose["services"]["worker"]
    assert worker["command"] == ["planner", "worker"]
    assert set(worker["environment"]) <= KNOWN
    assert "PLANNER_REDIS_URL" in worker["environment"]
    kustom = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    assert "worker.yaml" in kustom["resources"]
    (deployment,) = yaml.safe_load_all((ROOT / "deploy/k8s/worker.yaml").read_text())
    assert deployment["kind"] == "Deployment"
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["planner", "worker"]
    assert container["envFrom"] == [{"configMapRef": {"name": "planner-config"}}]
    config = next(yaml.safe_load_all((ROOT / "deploy/k8s/configmap.yaml").read_text()))
    assert config["data"]["PLANNER_JOB_EXECUTOR"] == "queue"


def test_worker_command_exists(capsys: pytest.CaptureFixture[str]) -> None:
    from planner.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["worker", "--help"])
    assert exit_.value.code == 0
    assert "--redis-url" in capsys.readouterr().out


def _k8s(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((ROOT / "deploy/k8s" / name).read_text()) if d]


def _container(name: str) -> dict[str, Any]:
    (deployment,) = [d for d in _k8s(name) if d["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(container)


def _secret_refs(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        env["name"]: (
            env["valueFrom"]["secretKeyRef"]["name"],
            env["valueFrom"]["secretKeyRef"]["key"],
        )
        for env in container.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    }


def test_kubernetes_api_takes_keys_and_redis_password_from_a_secret_and_has_cpu_limits() -> None:
    api = _container("api.yaml")
    refs = _secret_refs(api)
    assert {"PLANNER_API_KEYS", "PLANNER_REDIS_PASSWORD"} <= set(refs)
    assert set(refs) <= KNOWN
    assert api["resources"]["requests"]["cpu"]
    assert api["resources"]["limits"]["cpu"]
    config = _k8s("configmap.yaml")[0]["data"]
    assert int(config["PLANNER_RATE_LIMIT_PER_MINUTE"]) > 0
    assert "PLANNER_API_KEYS" not in config
    assert "PLANNER_REDIS_PASSWORD" not in config


def test_kubernetes_redis_requires_the_password_the_api_uses() -> None:
    redis = _container("redis.yaml")
    args = redis["args"]
    assert args[args.index("--requirepass") + 1] == "$(REDIS_PASSWORD)"
    refs = _secret_refs(redis)
    assert refs["REDIS_PASSWORD"] == _secret_refs(_container("api.yaml"))["PLANNER_REDIS_PASSWORD"]
    assert refs["REDISCLI_AUTH"] == refs["REDIS_PASSWORD"]  # the probe can still ping


def test_kubernetes_network_policy_lets_only_planner_pods_reach_redis() -> None:
    (policy,) = _k8s("networkpolicy.yaml")
    assert policy["kind"] == "NetworkPolicy"
    redis_labels = [d for d in _k8s("redis.yaml") if d["kind"] == "Deployment"][0]["spec"][
        "template"
    ]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"] == redis_labels
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    allowed = [peer["podSelector"]["matchLabels"] for peer in rule["from"]]
    assert all(set(peer) == {"podSelector"} for peer in rule["from"])  # no namespace/IP blocks
    api_labels = [d for d in _k8s("api.yaml") if d["kind"] == "Deployment"][0]["spec"]["template"][
        "metadata"
    ]["labels"]
    assert api_labels in allowed
    assert {label["app"] for label in allowed} <= {"planner-api", "planner-worker"}
    assert rule["ports"] == [{"protocol": "TCP", "port": 6379}]
    kustom = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    assert "networkpolicy.yaml" in kustom["resources"]


def test_compose_turns_keys_rate_limit_and_redis_password_on_from_the_environment() -> None:
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    api = compose["services"]["api"]
    env = api["environment"]
    for secret in ("PLANNER_API_KEYS", "PLANNER_REDIS_PASSWORD"):
        assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", env[secret]), f"{secret} must come from env"
    assert env["PLANNER_REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
    assert int(re.search(r":-(\d+)\}", env["PLANNER_RATE_LIMIT_PER_MINUTE"]).group(1)) > 0  # type: ignore[union-attr]
    assert float(api["cpus"]) > 0
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--requirepass") + 1].startswith("${REDIS_PASSWORD:?")
    assert "ports" not in redis  # reachable on the compose network only


def test_no_secret_values_are_committed() -> None:
    for path in [*(ROOT / "deploy").rglob("*.yaml"), ROOT / "deploy/.env.example"]:
        for line in path.read_text().splitlines():
            match = re.match(
                r"\s*(PLANNER_API_KEYS|REDIS_PASSWORD|PLANNER_REDIS_PASSWORD)[=:]\s*(\S*)", line
            )
            if match and match.group(2):
                assert match.group(2).startswith(("${", "$(")), f"{path.name}: {line.strip()}"
