"""The Python client against a real server: every endpoint, its error tree, newer servers."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from planner.client import (
    PlannerClient,
    PlannerClientError,
    PlannerConnectionError,
    PlannerProtocolError,
    PlannerRequestError,
    PlannerServerError,
    SweepResult,
    SweepSummaryResult,
)
from planner.planning.plan.pipeline import make_plan
from planner.schemas.requests import PlanRequest, SweepRequest
from tests.api.test_data_plans import _dcpt_runs, _mixture_runs
from tests.api.test_side_questions import _curves
from tests.live_server import free_port
from tests.planner.summary_cells import assert_summary_is_csv


@pytest.fixture
def planner(live_url: str) -> Iterator[PlannerClient]:
    with PlannerClient(live_url) as client:
        yield client


def test_importing_the_client_loads_no_solver() -> None:
    """Notebooks and bots import the client without cvxpy or SciPy (issue 13/14)."""
    code = (
        "import sys, planner.client; "
        "print(sorted(m for m in ('cvxpy', 'scipy', 'fastapi') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_plan_is_the_local_answer(planner: PlannerClient) -> None:
    body = {"budget": {"flops": 3e22}, "constraints": {"max_params": 5e9}}
    remote = planner.plan(body)
    local = make_plan(PlanRequest.model_validate(body))
    assert remote.model_dump() == local.model_dump()
    assert planner.plan(PlanRequest.model_validate(body)).plan.params == local.plan.params


def test_predict_and_sweep(planner: PlannerClient) -> None:
    predicted = planner.predict({"params": 7e10, "tokens": 1.4e12})
    assert 1.5 < predicted.loss < 2.5
    request = {"budgets": [{"flops": 1e20}, {"flops": 1e22}, {"flops": -1.0}]}
    with pytest.raises(PlannerRequestError):  # a negative budget fails validation as a whole
        planner.sweep(request)
    request = {"budgets": [{"flops": 1e20}, {"flops": 1e22}], "constraints": {"max_params": 1e8}}
    result = planner.sweep(request)
    assert isinstance(result, SweepResult)
    assert len(result.rows) == 2
    assert result.raw["catalog_version"] == result.catalog_version


def test_sweep_dataframe_has_the_csv_columns_and_values(planner: PlannerClient) -> None:
    pytest.importorskip("pandas")
    request = {"budgets": [{"flops": f} for f in (1e19, 1e21, 1e23)]}
    frame = planner.sweep(request).to_dataframe()
    rows = list(csv.DictReader(io.StringIO(planner.sweep_csv(request))))
    assert list(frame.columns) == list(rows[0].keys())
    assert len(frame) == 3
    for i, row in enumerate(rows):
        assert frame.loc[i, "params"] == pytest.approx(float(row["params"]), rel=1e-12)
        assert frame.loc[i, "loss_law"] == row["loss_law"]
    assert frame["tokens"].dtype.kind == "f"


def test_sweep_summary_is_the_csv_as_a_typed_table(planner: PlannerClient) -> None:
    """``detail="summary"``: the CSV's cells as JSON numbers and strings; the same frame as the
    full sweep's ``to_dataframe``."""
    pd = pytest.importorskip("pandas")
    budgets: list[dict[str, Any]] = [{"flops": f} for f in (1e19, 1e21, 1e23)]
    request = {"budgets": [*budgets, {"gpu": "h100", "gpu_hours": 1e-9, "mfu": 0.4}]}
    summary = planner.sweep(request, detail="summary")
    assert isinstance(summary, SweepSummaryResult)
    assert_summary_is_csv(summary.raw, planner.sweep_csv(request))
    assert summary.model_dump(mode="json") == summary.raw
    assert [type(v) for v in summary.rows[0]] == [type(v) for v in summary.raw["rows"][0]]
    frame = summary.to_dataframe()
    pd.testing.assert_frame_equal(frame, planner.sweep(request).to_dataframe())
    assert frame["tokens"].dtype.kind == "f"
    assert frame.loc[3, "error"] == "InvalidRequest"
    typed = planner.sweep(SweepRequest.model_validate(request), detail="summary")
    assert typed.rows == summary.rows


def test_sweep_detail_is_the_keywords(planner: PlannerClient) -> None:
    """The keyword decides the result's type: a request asking otherwise is refused here."""
    request = {"budgets": [{"flops": 1e21}], "detail": "summary"}
    with pytest.raises(ValueError, match="detail"):
        planner.sweep(request)
    assert isinstance(planner.sweep(request, detail="summary"), SweepSummaryResult)
    full = planner.sweep({"budgets": [{"flops": 1e21}], "detail": "full"})
    assert isinstance(full, SweepResult)


def test_side_questions(planner: PlannerClient) -> None:
    vocab = planner.vocabulary({"params_non_vocabulary": 7e9})
    assert vocab.answer.vocab_size == pytest.approx(60_000, abs=1_000)  # Tao et al. Table 1
    mixture = planner.mixture({"runs": _mixture_runs()})
    assert abs(sum(mixture.proportions.values()) - 1) < 1e-6
    continual = planner.continual_pretraining(
        {"runs": _dcpt_runs(), "params": 1.8e9, "tokens": 1e10, "domain_weight": 0.6}
    )
    assert 0 < continual.domain_ratio < 1
    curve = planner.loss_curve({"curves": _curves(0.003)})
    assert curve.fit_only is True


def test_catalogue(planner: PlannerClient) -> None:
    laws = planner.laws()
    assert "besiroglu2024" in {law.id for law in laws.laws}
    assert planner.law("gadre2024").entries[0]["id"] == "gadre2024"
    assert "n_params_total" in planner.glossary()
    devices = planner.hardware()
    assert "h100_sxm" in devices
    assert planner.device("h100").id == "h100_sxm"
    assert planner.health()["status"] == "ok"
    assert planner.ready()["status"] == "ready"


def test_request_errors_carry_field_and_allowed(planner: PlannerClient) -> None:
    with pytest.raises(PlannerRequestError) as caught:
        planner.plan({"budget": {"flops": 1e23}, "laws": {"loss": "nope"}})
    assert caught.value.status_code == 422
    assert caught.value.field == "laws.loss"
    assert "besiroglu2024" in caught.value.allowed
    assert "laws.loss" in str(caught.value)
    with pytest.raises(PlannerRequestError) as missing:
        planner.device("no-such-gpu")
    assert missing.value.status_code == 404
    assert isinstance(missing.value, PlannerClientError)


def test_connection_refused_is_a_connection_error() -> None:
    with (
        PlannerClient(f"http://127.0.0.1:{free_port()}", timeout=5) as client,
        pytest.raises(PlannerConnectionError, match="cannot reach"),
    ):
        client.laws()


class _Canned(BaseHTTPRequestHandler):
    """Answers every request with the status, type and body set on the server."""

    def _answer(self) -> None:
        server: Any = self.server
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.send_response(server.status)
        self.send_header("Content-Type", server.content_type)
        for key, value in server.extra_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(server.body)))
        self.end_headers()
        self.wfile.write(server.body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canned() -> Iterator[Any]:
    """A real HTTP server (a proxy in front of the planner, say) with a canned answer."""
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    server.status, server.content_type, server.body, server.extra_headers = 200, "", b"", {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_proxy_error_page_is_a_protocol_error(canned: Any) -> None:
    canned.status, canned.content_type = 502, "text/html"
    canned.body = b"<html><body>502 Bad Gateway</body></html>"
    with PlannerClient(canned.url) as client, pytest.raises(PlannerProtocolError) as caught:
        client.plan({"budget": {"flops": 1e21}})
    assert caught.value.status_code == 502


def test_non_json_success_is_a_protocol_error(canned: Any) -> None:
    canned.content_type, canned.body = "text/html", b"<html>login page</html>"
    with PlannerClient(canned.url) as client, pytest.raises(PlannerProtocolError):
        client.laws()


def test_overload_is_a_server_error_with_retry_after(canned: Any) -> None:
    canned.status, canned.content_type = 503, "application/json"
    canned.body = json.dumps({"error": "Overloaded", "detail": "queue full"}).encode()
    canned.extra_headers = {"Retry-After": "2"}
    with PlannerClient(canned.url) as client, pytest.raises(PlannerServerError) as caught:
        client.plan({"budget": {"flops": 1e21}})
    assert caught.value.retry_after == 2.0
    assert caught.value.error == "Overloaded"


def _with_new_fields(plan: dict[str, Any]) -> dict[str, Any]:
    """What a newer server might send: extra keys at the top, in nested objects and in lists
    of objects (free-form maps such as ``constants`` are data, not schema, and stay as sent)."""
    newer = {**plan, "added_later": {"x": 1}}
    newer["plan"] = {**plan["plan"], "added_later": 1.0}
    newer["provenance"] = [{**use, "added_later": [1]} for use in plan["provenance"]]
    newer["budget"] = {**plan["budget"], "added_later": "x"}
    return newer


def test_fields_from_a_newer_server_are_tolerated(live_url: str, canned: Any) -> None:
    with PlannerClient(live_url) as client:
        plan = client.plan({"budget": {"flops": 1e22}})
        sweep = client.sweep({"budgets": [{"flops": 1e20}]})
    canned.content_type = "application/json"
    canned.body = json.dumps(_with_new_fields(plan.model_dump(mode="json"))).encode()
    with PlannerClient(canned.url) as client:
        newer = client.plan({"budget": {"flops": 1e22}})
    assert newer.model_dump() == plan.model_dump()
    sweep_body = sweep.model_dump(mode="json")
    sweep_body["rows"] = [_with_new_fields(row) for row in sweep_body["rows"]]
    canned.body = json.dumps({**sweep_body, "added_later": True}).encode()
    with PlannerClient(canned.url) as client:
        newer_sweep = client.sweep({"budgets": [{"flops": 1e20}]})
    assert newer_sweep.model_dump() == sweep.model_dump()
    assert "added_later" in newer_sweep.raw
    with PlannerClient(live_url) as client:
        summary = client.sweep({"budgets": [{"flops": 1e20}]}, detail="summary")
    canned.body = json.dumps({**summary.raw, "added_later": True}).encode()
    with PlannerClient(canned.url) as client:
        newer_summary = client.sweep({"budgets": [{"flops": 1e20}]}, detail="summary")
    assert newer_summary.model_dump() == summary.model_dump()
    assert "added_later" in newer_summary.raw


def test_pictures(planner: PlannerClient) -> None:
    svg = planner.plot_frontier({"budget": {"flops": 1e22}})
    assert svg.lstrip().startswith(b"<?xml")
    png = planner.plot_sweep({"budgets": [{"flops": 1e20}, {"flops": 1e22}]}, format="png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_jobs(planner: PlannerClient) -> None:
    """A sweep as a background job (in-process executor: no Redis configured)."""
    request = {"budgets": [{"flops": f} for f in (1.1e20, 1.1e21, 1.1e22)]}
    job = planner.submit_job("sweep", request)
    assert job.status == "queued"
    seen: list[str] = []
    done = planner.wait(
        job.id, poll_seconds=0.05, timeout=60, on_progress=lambda s: seen.append(s.status)
    )
    assert done.status == "finished"
    assert done.progress == (3, 3)
    assert done.result == planner.sweep(request).raw
    summary = planner.wait(
        planner.submit_job("sweep", {**request, "detail": "summary"}).id,
        poll_seconds=0.05,
        timeout=60,
    )
    assert summary.result == planner.sweep(request, detail="summary").raw
    assert seen[-1] == "finished"
    with pytest.raises(PlannerRequestError) as missing:
        planner.job("0123456789abcdef0123456789abcdef")
    assert missing.value.status_code == 404
