"""Issue 9, warnings worth reading: severity, one extrapolation warning per law, standing
caveats in provenance, a minimum severity, and a default plan with at most one per law."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from laws_catalog import CATALOG
from planner.cli import main
from planner.planning.checks.warning_digest import digest
from planner.schemas.responses import AnswerWarning, OutOfRange
from planner.schemas.severity import (
    DEFAULT_SEVERITY,
    SEVERITY_BY_CODE,
    at_least,
    extrapolation_severity,
)

SEVERITIES = ("info", "warning", "critical")
PLANS: list[dict[str, Any]] = [
    {"budget": {"flops": 1e23}},
    {"budget": {"flops": 1e27}},
    {"budget": {"flops": 1e20}, "data": {"unique_tokens": 1e6}},
    {"budget": {"flops": 1e21}, "constraints": {"max_params": 1e8}},
    {"budget": {"flops": 1e23}, "laws": {"allocation": "kaplan2020"}},
    {"target": {"loss": 1.82}},
    {"budget": {"flops": 1e23}, "precision": {"training": "auto", "serving": "int4"}},
    {"budget": {"flops": 1e23}, "inference": {"device": "h100", "max_decode_latency_ms": 20}},
]


def _plan(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_severity_table() -> None:
    assert SEVERITY_BY_CODE["compute_saturated"] == "warning"
    assert SEVERITY_BY_CODE["implausible"] == "critical"
    assert SEVERITY_BY_CODE["law_caveat"] == "info"
    assert DEFAULT_SEVERITY == "warning"
    # every code the schema allows is classified
    codes = AnswerWarning.model_fields["code"].annotation.__args__  # type: ignore[union-attr]
    assert set(codes) <= set(SEVERITY_BY_CODE)
    assert AnswerWarning(code="compute_saturated", message="m").severity == "warning"
    assert AnswerWarning(code="law_caveat", message="m").severity == "info"
    assert AnswerWarning(code="law_caveat", message="m", severity="critical").severity == "critical"


def test_extrapolation_is_graded_by_its_factor() -> None:
    assert extrapolation_severity(1.5) == "info"
    assert extrapolation_severity(10.0) == "info"
    assert extrapolation_severity(11.0) == "warning"
    assert extrapolation_severity(1000.0) == "warning"
    assert extrapolation_severity(1001.0) == "critical"
    assert at_least("critical", "warning")
    assert not at_least("info", "warning")


def _out(quantity: str, factor: float) -> OutOfRange:
    return OutOfRange(
        quantity=quantity, value=factor, fitted_range=(0.5, 1.0), factor=factor, source="s"
    )


def test_digest_merges_orders_and_filters() -> None:
    a = AnswerWarning(
        code="outside_fitted_range", message="a", law="x", out_of_range=[_out("n", 2)]
    )
    b = AnswerWarning(
        code="outside_fitted_range", message="b", law="x", out_of_range=[_out("d", 50)]
    )
    c = AnswerWarning(code="implausible", message="c", severity="critical")
    d = AnswerWarning(code="law_caveat", message="d")
    merged = digest([a, b, d, c, d])
    assert [w.code for w in merged] == ["implausible", "outside_fitted_range", "law_caveat"]
    (extrapolation,) = [w for w in merged if w.code == "outside_fitted_range"]
    assert [item.quantity for item in extrapolation.out_of_range or []] == ["d", "n"]
    assert extrapolation.factor == 50
    assert extrapolation.quantity == "d"
    assert extrapolation.severity == "warning"
    assert [w.code for w in digest([a, b, c, d], "warning")] == [
        "implausible",
        "outside_fitted_range",
    ]
    assert [w.code for w in digest([a, b, c, d], "critical")] == ["implausible"]


@pytest.mark.parametrize("body", PLANS, ids=lambda b: str(b)[:60])
def test_every_warning_has_a_severity_and_one_extrapolation_per_law(
    client: TestClient, body: dict[str, Any]
) -> None:
    warnings = _plan(client, body)["warnings"]
    assert all(w["severity"] in SEVERITIES for w in warnings)
    per_law = Counter(w["law"] for w in warnings if w["code"] == "outside_fitted_range")
    assert all(count == 1 for count in per_law.values()), per_law
    for w in warnings:
        if w["code"] == "outside_fitted_range" and w["out_of_range"]:
            assert w["factor"] == max(item["factor"] for item in w["out_of_range"])
            assert w["severity"] == extrapolation_severity(w["factor"])
    ranks = [SEVERITIES.index(w["severity"]) for w in warnings]
    assert ranks == sorted(ranks, reverse=True)  # most serious first


@pytest.mark.parametrize("body", PLANS, ids=lambda b: str(b)[:60])
def test_standing_caveats_travel_in_provenance_not_warnings(
    client: TestClient, body: dict[str, Any]
) -> None:
    answer = _plan(client, body)
    messages = {w["message"] for w in answer["warnings"]}
    for use in answer["provenance"]:
        if use["constant_set"] == "fitted_to_request":
            continue
        law = CATALOG.get(use["family"], use["law"])
        assert use["caveats"] == list(law.caveats)
        assert not messages & set(law.caveats), use["law"]


def test_default_plan_has_at_most_one_warning_per_law(client: TestClient) -> None:
    answer = _plan(client, {"budget": {"flops": 1e23}})
    used = {f"{u['family']}/{u['law']}" for u in answer["provenance"]}
    laws = Counter(w["law"] for w in answer["warnings"])
    assert None not in laws  # every warning of the default plan belongs to a law
    assert set(laws) <= used
    assert max(laws.values()) == 1
    assert len(answer["warnings"]) <= len(used)


def test_min_severity_filters(client: TestClient) -> None:
    body = {"budget": {"flops": 1e20}, "data": {"unique_tokens": 1e6}}
    every = _plan(client, body)["warnings"]
    assert {w["severity"] for w in every} == set(SEVERITIES)
    for minimum in SEVERITIES:
        kept = _plan(client, {**body, "min_severity": minimum})["warnings"]
        assert kept == [w for w in every if at_least(w["severity"], minimum)]
    every = _plan(client, {"budget": {"flops": 1e27}})["warnings"]
    for minimum in SEVERITIES:
        by_get = client.get("/v1/plan", params={"flops": 1e27, "min_severity": minimum})
        assert by_get.json()["warnings"] == [w for w in every if at_least(w["severity"], minimum)]
    rows = client.get(
        "/v1/sweep", params={"start": 1e21, "stop": 1e27, "num": 3, "min_severity": "critical"}
    ).json()["rows"]
    assert all(w["severity"] == "critical" for row in rows for w in row["warnings"])
    assert any(row["warnings"] for row in rows)
    posted = client.post(
        "/v1/sweep", json={"budgets": [{"flops": 1e27}], "min_severity": "critical"}
    ).json()["rows"][0]["warnings"]
    assert posted == [w for w in every if w["severity"] == "critical"]
    predicted = client.post(
        "/v1/predict", json={"params": 1e5, "tokens": 1e6, "min_severity": "critical"}
    ).json()["warnings"]
    assert predicted
    assert all(w["severity"] == "critical" for w in predicted)


def test_min_severity_rejects_unknown_levels(client: TestClient) -> None:
    response = client.post("/v1/plan", json={"budget": {"flops": 1e23}, "min_severity": "loud"})
    assert response.status_code == 422
    assert "min_severity" in response.text
    assert client.get("/v1/plan", params={"flops": 1e23, "min_severity": "x"}).status_code == 422


def test_cli_prints_serious_warnings_and_counts_info(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    warnings = _plan(client, {"budget": {"flops": 1e27}})["warnings"]
    assert main(["plan", "--flops", "1e27"]) == 0
    out = capsys.readouterr().out
    for w in warnings:
        assert (w["message"] in out) == (w["severity"] != "info")
    info = sum(w["severity"] == "info" for w in warnings)
    assert f"({info} info note" in out
    assert main(["plan", "--flops", "1e27", "--min-severity", "critical"]) == 0
    out = capsys.readouterr().out
    assert "  ! warning:" not in out
    assert "  ! critical:" in out
    assert "info note" not in out


def test_a_plan_without_a_shape_says_so_as_a_warning(client: TestClient) -> None:
    warnings = _plan(client, {"target": {"loss": 1.82}})["warnings"]
    (no_shape,) = [w for w in warnings if w["message"].startswith("no shape")]
    assert no_shape["severity"] == "warning"


def test_predict_has_one_extrapolation_per_law_and_no_caveat_warnings(
    client: TestClient,
) -> None:
    body = client.post(
        "/v1/predict", json={"params": 1e5, "tokens": 1e6, "parallel_streams": 4}
    ).json()
    per_law = Counter(w["law"] for w in body["warnings"] if w["code"] == "outside_fitted_range")
    assert per_law
    assert max(per_law.values()) == 1
    messages = {w["message"] for w in body["warnings"]}
    for use in body["provenance"]:
        caveats = set(CATALOG.get(use["family"], use["law"]).caveats)
        assert use["caveats"] == list(CATALOG.get(use["family"], use["law"]).caveats)
        assert not messages & caveats
