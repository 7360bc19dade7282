"""The command line gives the same answers as the service."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from planner.cli import main


def test_plan_json_is_exactly_the_http_body(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--flops", "3e23", "--loss-law", "hoffmann2022@tex", "--json"]) == 0
    printed = capsys.readouterr().out
    http = client.post(
        "/v1/plan", json={"budget": {"flops": 3e23}, "laws": {"loss": "hoffmann2022@tex"}}
    )
    assert printed.rstrip("\n").encode() == http.content


def test_plan_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--gpu-hours", "1e6", "--gpu", "h100", "--mfu", "0.4"]) == 0
    out = capsys.readouterr().out
    assert "params" in out
    assert "GPU-hours" in out
    assert "binding" in out


def test_target_and_allocation_from_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--target-loss", "2.2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["objective"] == "min_flops"
    assert main(["plan", "--flops", "1e21", "--allocation-law", "kaplan2020", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["method"] == "closed_form_allocation"


def test_bad_input_exits_2_with_the_error_body(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--flops", "-1"]) == 2
    error = json.loads(capsys.readouterr().err)
    assert error["field"] == "budget.flops"
    assert main(["plan", "--flops", "1e23", "--loss-law", "nope"]) == 2
    assert json.loads(capsys.readouterr().err)["field"] == "laws.loss"


def test_predict_sweep_and_laws(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "--params", "7e10", "--tokens", "1.4e12"]) == 0
    assert capsys.readouterr().out.startswith("loss ")
    assert main(["sweep", "--start", "1e20", "--stop", "1e22", "--num", "3"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 3
    assert main(["laws"]) == 0
    assert "besiroglu2024" in capsys.readouterr().out
    assert main(["laws", "gadre2024"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "gadre2024"


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "planner.cli", "plan", "--flops", "1e21", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(result.stdout)["plan"]["params"] > 0


def test_serving_flags_build_the_inference_section(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["plan", "--flops", "1e23", "--serve-on", "h100", "--max-decode-latency-ms", "8"]
    assert main([*argv, "--parallel-streams", "2", "--serve-batch", "4", "--json"]) == 0
    printed = capsys.readouterr().out
    http = client.post(
        "/v1/plan",
        json={
            "budget": {"flops": 1e23},
            "inference": {
                "device": "h100",
                "max_decode_latency_ms": 8.0,
                "parallel_streams": 2,
                "batch_size": 4,
            },
        },
    )
    assert printed.rstrip("\n").encode() == http.content
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "max_decode_latency_ms" in out
    assert "(binding)" in out


def test_loss_tolerance_and_tensor_parallel_from_the_cli(
    capsys: pytest.CaptureFixture[str],
) -> None:
    flat = ["plan", "--flops", "1e22", "--unique-tokens", "1e8", "--json"]
    assert main(flat) == 0
    assert json.loads(capsys.readouterr().out)["budget"]["flops_unspent"] > 9e21
    assert main([*flat, "--loss-tolerance", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["budget"]["flops_unspent"] == 0
    assert main(["plan", "--flops", "1e22", "--tensor-parallel", "8", "--json"]) == 0
    shape = json.loads(capsys.readouterr().out)["plan"]["shape"]
    assert shape["n_heads"] % 8 == 0
