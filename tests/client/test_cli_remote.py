"""`planner ... --remote URL`: the same answers from a running service, the same exit codes."""

from __future__ import annotations

import json

import pytest

from planner.cli import EXIT_INFEASIBLE, EXIT_SERVER, EXIT_USAGE, main
from tests.live_server import free_port


def test_remote_plan_is_the_local_plan(live_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["plan", "--flops", "3e22", "--max-params", "2B", "--gated-mlp", "--json"]
    assert main(argv) == 0
    local = capsys.readouterr().out
    assert main([*argv, "--remote", live_url]) == 0
    assert capsys.readouterr().out == local
    assert main(["plan", "--flops", "3e22", "--remote", live_url]) == 0
    assert "binding" in capsys.readouterr().out


def test_remote_sweep_csv_and_catalogue(live_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "--start", "1e20", "--stop", "1e22", "--num", "3"]
    assert main(argv) == 0
    local = capsys.readouterr().out
    assert main([*argv, "--remote", live_url]) == 0
    assert capsys.readouterr().out == local
    assert main(["laws", "--remote", live_url]) == 0
    assert "besiroglu2024" in capsys.readouterr().out
    assert main(["hardware", "h100", "--remote", live_url]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "h100_sxm"


def test_remote_summary_sweep_is_the_local_one(
    live_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--detail summary --json``: the service's summary body, here or remote, with or without
    a progress bar (a job); the CSV output does not change with it."""
    argv = ["sweep", "--start", "1e20", "--stop", "1e22", "--num", "3"]
    assert main([*argv, "--detail", "summary", "--json"]) == 0
    local = capsys.readouterr().out
    assert json.loads(local)["columns"][0] == "index"
    ways = (["--progress"], ["--remote", live_url], ["--progress", "--remote", live_url])
    for extra in ways:
        assert main([*argv, "--detail", "summary", "--json", *extra]) == 0
        assert json.loads(capsys.readouterr().out) == json.loads(local), extra
    assert main(argv) == 0
    table = capsys.readouterr().out
    for extra in ([], *ways):
        assert main([*argv, "--detail", "summary", *extra]) == 0
        assert capsys.readouterr().out == table, extra


def test_remote_errors_name_the_flag_and_keep_the_exit_codes(
    live_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--flops", "-1", "--remote", live_url]) == EXIT_USAGE
    assert capsys.readouterr().err.startswith("planner plan: error: --flops: ")
    assert main(["plan", "--target-loss", "0.5", "--remote", live_url]) == EXIT_INFEASIBLE
    assert "--target-loss" in capsys.readouterr().err
    argv = ["plan", "--flops", "1e22", "--loss-law", "nope", "--remote", live_url, "--json"]
    assert main(argv) == EXIT_USAGE
    assert json.loads(capsys.readouterr().err)["flag"] == "--loss-law"


def test_an_unreachable_service_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["plan", "--flops", "1e22", "--remote", url]) == EXIT_SERVER
    assert "cannot reach" in capsys.readouterr().err


@pytest.mark.slow
def test_remote_plot(live_url: str, tmp_path: pytest.TempPathFactory) -> None:
    local = tmp_path / "local.svg"  # type: ignore[operator]
    remote = tmp_path / "remote.svg"  # type: ignore[operator]
    assert main(["plot", "--flops", "1e22", "-o", str(local)]) == 0
    assert main(["plot", "--flops", "1e22", "-o", str(remote), "--remote", live_url]) == 0
    assert remote.read_bytes() == local.read_bytes()


def test_sweep_progress_locally_and_as_a_remote_job(
    live_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sweep", "--start", "1.3e20", "--stop", "1.3e22", "--num", "4"]
    assert main(argv) == 0
    plain = capsys.readouterr().out
    assert main([*argv, "--progress"]) == 0
    local = capsys.readouterr()
    assert local.out == plain
    assert "4/4 rows  finished" in local.err
    assert main([*argv, "--progress", "--remote", live_url]) == 0
    remote = capsys.readouterr()
    assert remote.out == plain
    assert "4/4 rows  finished" in remote.err


def test_job_status_and_worker_help(live_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from planner.client import PlannerClient

    with PlannerClient(live_url) as client:
        job = client.submit_job("plan", {"budget": {"flops": 1.7e21}})
    assert main(["job", job.id, "--wait", "--remote", live_url, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "finished"
    assert status["result"]["plan"]["params"] > 0
    assert main(["job", job.id]) == EXIT_USAGE  # a job lives on a service
    with pytest.raises(SystemExit) as shown:
        main(["worker", "--help"])
    assert shown.value.code == 0
    assert "--redis-url" in capsys.readouterr().out
