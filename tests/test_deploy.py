"""deploy/ and the Dockerfile only name settings that exist and a factory that imports."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

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
