"""The command line gives the same answers as the service."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from planner.cli import EXIT_INFEASIBLE, EXIT_USAGE, main


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


def test_bad_input_exits_2_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """Errors name the flag the user typed, not the API field (issue 14)."""
    assert main(["plan", "--flops", "-1"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("planner plan: error: --flops: ")
    assert "budget.flops" not in err
    assert main(["plan", "--flops", "1e23", "--loss-law", "nope"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--loss-law" in err
    assert "besiroglu2024" in err  # the allowed values
    assert main(["plan", "--flops", "1e23", "--loss-law", "nope", "--json"]) == EXIT_USAGE
    body = json.loads(capsys.readouterr().err)
    assert body["field"] == "laws.loss"
    assert body["flag"] == "--loss-law"
    assert main(["plan", "--flops", "1e22", "--gpu-count", "10"]) == EXIT_USAGE
    assert "--flops/--gpu-count" in capsys.readouterr().err  # the section's flags typed


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


@pytest.mark.slow
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


def test_help_loads_no_solver() -> None:
    """`planner --help` must be instant: no cvxpy, SciPy, NumPy, FastAPI or pydantic import."""
    code = (
        "import sys\n"
        "from planner.cli import main\n"
        "try:\n    main(['plan', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('cvxpy', 'scipy', 'numpy', 'fastapi', 'pydantic')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stderr.strip() == "[]"
    assert "--max-decode-latency-ms" in out.stdout


def test_every_plan_option_has_help_with_units_or_an_example() -> None:
    from planner.cli.parser import build_parser

    plan = build_parser()._subparsers._group_actions[0].choices["plan"]  # type: ignore[union-attr]
    for action in plan._actions:
        if not action.option_strings or action.dest == "help":
            continue
        assert action.help, action.option_strings
        takes_value = action.nargs != 0
        if takes_value and action.choices is None and action.dest not in ("remote", "api_key"):
            assert "e.g." in action.help or "[" in action.help or "default" in action.help, (
                action.option_strings,
                action.help,
            )


def test_infeasible_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--target-loss", "0.5"]) == EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert err.startswith("planner plan: error: --target-loss: ")
    assert "irreducible" in err


def test_request_file_with_flags_on_top(
    tmp_path: pytest.TempPathFactory, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "question.json"  # type: ignore[operator]
    question = {"budget": {"flops": 1e22}, "architecture": {"gated_mlp": True}}
    path.write_text(json.dumps(question))
    assert main(["plan", "--request", str(path), "--max-params", "2B", "--json"]) == 0
    printed = capsys.readouterr().out
    http = client.post("/v1/plan", json={**question, "constraints": {"max_params": 2e9}})
    assert printed.rstrip("\n").encode() == http.content
    assert json.loads(printed)["plan"]["shape"]["gated_mlp"] is True


def test_architecture_data_sources_and_suffixes(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["plan", "--flops", "1e23", "--source", "web=800B", "--source", "code=60B:1.5"]
    argv += ["--vocab-size", "128000", "--grouped-query", "--json"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    http = client.post(
        "/v1/plan",
        json={
            "budget": {"flops": 1e23},
            "data": {
                "sources": [
                    {"name": "web", "unique_tokens": 8e11},
                    {"name": "code", "unique_tokens": 6e10, "quality": 1.5},
                ]
            },
            "architecture": {"vocab_size": 128000, "grouped_query": True},
        },
    )
    assert printed.rstrip("\n").encode() == http.content


def test_side_question_subcommands(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.api.test_data_plans import _dcpt_runs, _mixture_runs

    assert main(["vocabulary", "--params-non-vocabulary", "7B"]) == 0
    assert capsys.readouterr().out.startswith("vocabulary      ")
    runs = tmp_path / "mix.csv"  # type: ignore[operator]
    rows = _mixture_runs()
    names = [f"mix.{k}" for k in rows[0]["mixture"]] + [f"loss.{k}" for k in rows[0]["losses"]]
    lines = [",".join(names)]
    for run in rows:
        values = [*run["mixture"].values(), *run["losses"].values()]
        lines.append(",".join(repr(v) for v in values))
    runs.write_text("\n".join(lines) + "\n")
    assert main(["mixture", "--runs", str(runs), "--target-weight", "web_val=2"]) == 0
    assert capsys.readouterr().out.startswith("mixture ")
    cpt = tmp_path / "cpt.csv"  # type: ignore[operator]
    columns = ("params", "tokens", "domain_ratio", "domain_loss", "general_loss")
    cpt.write_text(
        ",".join(columns)
        + "\n"
        + "\n".join(",".join(repr(r[c]) for c in columns) for r in _dcpt_runs())
        + "\n"
    )
    argv = ["continual-pretraining", "--runs", str(cpt), "--params", "1.8B", "--tokens", "10B"]
    assert main([*argv, "--domain-weight", "0.6"]) == 0
    assert capsys.readouterr().out.startswith("domain ratio")
    argv = ["loss-curve", "--law", "luo2025@model_400m", "--schedule", "cosine"]
    argv += ["--total-steps", "20000", "--peak-lr", "3e-4", "--warmup-steps", "2160"]
    assert main([*argv, "--final-lr-fraction", "0.1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["law"].startswith("luo2025")
    assert main(["hardware", "h100"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "h100_sxm"
    assert main(["glossary"]) == 0
    assert "n_params_total" in capsys.readouterr().out


def test_a_bad_csv_names_the_row(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    cpt = tmp_path / "cpt.csv"  # type: ignore[operator]
    cpt.write_text("params,tokens,domain_ratio,domain_loss,general_loss\n1e9,1e10,0.5,x,2\n")
    argv = ["continual-pretraining", "--runs", str(cpt), "--params", "1B", "--tokens", "1B"]
    assert main(argv) == EXIT_USAGE
    assert "row 2: column 'domain_loss'" in capsys.readouterr().err


@pytest.mark.slow
def test_plot_writes_the_picture_the_endpoint_draws(
    tmp_path: pytest.TempPathFactory, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "frontier.svg"  # type: ignore[operator]
    assert main(["plot", "--flops", "1e23", "--max-params", "20B", "-o", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out}")
    http = client.get("/v1/plots/frontier?flops=1e23&max_params=2e10")
    assert out.read_bytes() == http.content
    png = tmp_path / "sweep.png"  # type: ignore[operator]
    argv = ["plot", "sweep", "--start", "1e20", "--stop", "1e22", "--num", "3", "-o", str(png)]
    assert main(argv) == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


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
