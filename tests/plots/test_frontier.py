"""Frontier and sweep pictures: valid SVG/PNG, and the plan's point is what is drawn."""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from laws_catalog.loss import loss as law_loss
from laws_catalog.loss import posynomial
from planner.planning.laws.selection import select_laws
from planner.planning.plan.pipeline import make_plan
from planner.planning.sweep.run import sweep
from planner.plots import format_for_path, frontier_figure, sweep_figure
from planner.plots.frontier_data import frontier_data, law_frontier, loss_interval
from planner.plots.render import FIGURE_INCHES, PNG_DPI, draw_frontier
from planner.plots.sweep_data import sweep_data
from planner.schemas.requests import LawChoice, PlanRequest, SweepRequest

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _ids(svg: bytes) -> set[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return {el.attrib["id"] for el in root.iter() if "id" in el.attrib}


def _png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def _artist(figure: Any, gid: str) -> Any:
    found = [a for a in figure.findobj() if a.get_gid() == gid]
    assert len(found) == 1, f"{gid}: {len(found)} artists"
    return found[0]


def test_plan_point_drawn_is_the_plans_answer() -> None:
    request = PlanRequest.model_validate({"budget": {"flops": 3e22}})
    answer = make_plan(request)
    figure = draw_frontier(frontier_data(request, answer))
    x, y = _artist(figure, "plan-point").get_data()
    assert (x[0], y[0]) == (answer.plan.flops, answer.plan.loss)
    x, y = _artist(figure, "plan-point-isoflop").get_data()
    assert (x[0], y[0]) == (answer.plan.params, answer.plan.loss)


@pytest.mark.parametrize(
    "loss_law", ["besiroglu2024", "hoffmann2022@eq10", "kaplan2020", "muennighoff2023", "gadre2024"]
)
def test_unconstrained_plan_sits_on_the_frontier_and_its_isoflop_minimum(loss_law: str) -> None:
    """Without limits the GP's optimum is the law's own frontier point. The frontier is drawn
    in the law's convention C = k N D; laws of non-embedding N count the vocabulary too in the
    plan's FLOPs, so the comparison is at the plan's k N D. The isoFLOP grid steps ~4 % in N
    where the loss is flat: its minimum agrees to 1e-4 relative, N to a grid step."""
    request = PlanRequest.model_validate({"budget": {"flops": 1e21}, "laws": {"loss": loss_law}})
    answer = make_plan(request)
    law = select_laws(request.laws).loss
    law_flops = law.law.traits.flops_per_param_token * answer.plan.params * answer.plan.tokens
    best_loss, best_params = law_frontier(law, np.array([law_flops]))
    assert best_loss[0] == pytest.approx(answer.plan.loss, rel=1e-5)
    assert best_params[0] == pytest.approx(answer.plan.params, rel=0.02)
    data = frontier_data(request, answer)
    own = next(c for c in data.isoflops if c.flops == answer.plan.flops)
    j = int(np.argmin(own.loss))
    vocabulary_share = 1 - law_flops / answer.plan.flops  # 0 for laws of total N
    assert own.loss[j] <= answer.plan.loss * (1 + 1e-4)
    assert own.loss[j] == pytest.approx(answer.plan.loss, rel=1e-4 + vocabulary_share)
    assert data.binding == ("budget.flops",)


def test_frontier_matches_the_closed_form_optimum() -> None:
    """besiroglu2024 is a separable pair: Hoffmann et al. 2022 Eq. 4 gives N_opt(C) exactly."""
    law = select_laws(LawChoice()).loss
    budgets = np.array([1e19, 1e22, 1e25])
    loss, params = law_frontier(law, budgets)
    for c, n, l_best in zip(budgets, params, loss, strict=True):
        n_opt, d_opt = posynomial(law.law, law.constants.name).compute_optimal(c)
        assert n == pytest.approx(n_opt, rel=0.02)
        best = law_loss(law.law, n_opt, d_opt, law.constants.name)
        assert l_best == pytest.approx(best, rel=1e-5)


def test_binding_parameter_cap_is_drawn_and_named() -> None:
    request = PlanRequest.model_validate(
        {"budget": {"flops": 1e23}, "constraints": {"max_params": 1e10}}
    )
    answer = make_plan(request)
    assert "constraints.max_params" in answer.binding_constraints
    figure = draw_frontier(frontier_data(request, answer))
    cap = _artist(figure, "limit-constraints.max_params")
    assert cap.get_xdata()[0] == 1e10
    assert "(binding)" in cap.get_label()
    texts = " ".join(t.get_text() for t in figure.findobj() if hasattr(t, "get_text"))
    assert "constraints.max_params" in texts
    # the capped plan is worse than the unconstrained frontier at its budget
    data = frontier_data(request, answer)
    assert answer.plan.loss > float(np.min(data.isoflops[1].loss))


def test_fitted_range_and_title_name_the_law() -> None:
    request = PlanRequest.model_validate(
        {"budget": {"flops": 1e22}, "laws": {"loss": "hoffmann2022@eq10"}}
    )
    data = frontier_data(request, make_plan(request))
    assert data.law_ref == "hoffmann2022@eq10"
    assert "hoffmann2022@eq10" in data.title
    figure = draw_frontier(data)
    assert "hoffmann2022@eq10" in figure.get_suptitle()
    span = _artist(figure, "fitted-range-flops")
    lower, upper = span.get_x(), span.get_x() + span.get_width()
    # independent check with Hoffmann et al. 2022 Eq. 4 (closed form): inside the shaded span
    # the optimum's N and D are in the law's fitted ranges, one budget step (<= 30 %) beyond
    # either edge they are not
    law = select_laws(request.laws).loss
    closed_form = posynomial(law.law, law.constants.name).compute_optimal

    def fitted(flops: float) -> bool:
        n, d = closed_form(flops)
        ranges = law.law.validity
        return ranges["n_params_total"].contains(n) and ranges["n_tokens"].contains(d)

    assert fitted(lower * 1.001)
    assert fitted(upper / 1.001)
    assert fitted(float(np.sqrt(lower * upper)))
    assert not fitted(lower / 1.3)
    assert not fitted(upper * 1.3)
    assert _artist(figure, "frontier-extrapolated")  # the rest of the frontier, dashed


class _WithUncertainty(BaseModel):
    uncertainty: dict[str, Any]


def test_uncertainty_band_drawn_only_when_the_answer_has_one() -> None:
    request = PlanRequest.model_validate({"budget": {"flops": 1e22}})
    answer = make_plan(request)
    data = frontier_data(request, answer)
    assert data.loss_interval is None
    assert not [a for a in draw_frontier(data).findobj() if a.get_gid() == "plan-uncertainty"]
    low, high = answer.plan.loss - 0.05, answer.plan.loss + 0.07
    with_band = _WithUncertainty(uncertainty={"intervals": {"loss": [low, high]}})
    assert loss_interval(with_band) == (low, high)
    figure = draw_frontier(replace(data, loss_interval=(low, high)))
    bar = _artist(figure, "plan-uncertainty").get_segments()[0]
    expected = [answer.plan.flops, low, answer.plan.flops, high]
    assert list(np.ravel(bar)) == pytest.approx(expected)
    band = _artist(figure, "plan-uncertainty-band")
    assert (band.get_y(), band.get_y() + band.get_height()) == pytest.approx((low, high))
    assert loss_interval(_WithUncertainty(uncertainty={"intervals": {}})) is None
    as_dict = {"intervals": {"loss": {"low": low, "high": high}}}
    assert loss_interval(_WithUncertainty(uncertainty=as_dict)) == (low, high)
    for bad in ([high, low], [low, None], [low, float("nan")], "2.0-2.1"):
        assert loss_interval(_WithUncertainty(uncertainty={"intervals": {"loss": bad}})) is None


@pytest.mark.slow
def test_svg_is_valid_and_carries_the_plan_point() -> None:
    svg = frontier_figure(PlanRequest.model_validate({"budget": {"flops": 1e22}}), "svg")
    ids = _ids(svg)
    assert {"plan-point", "plan-point-isoflop", "frontier", "fitted-range-flops"} <= ids
    assert {"isoflop-0", "isoflop-1", "isoflop-2"} <= ids
    root = ET.fromstring(svg)
    assert root.attrib["width"] == f"{FIGURE_INCHES[0] * 72:g}pt"


@pytest.mark.slow
def test_png_is_valid_and_sized_for_800_px() -> None:
    png = frontier_figure(PlanRequest.model_validate({"budget": {"flops": 1e22}}), "png")
    width, height = _png_size(png)
    assert (width, height) == (round(FIGURE_INCHES[0] * PNG_DPI), round(FIGURE_INCHES[1] * PNG_DPI))
    assert width >= 800


def test_sweep_picture_draws_every_answered_row() -> None:
    request = SweepRequest.model_validate(
        {"budgets": [{"flops": 1e20}, {"flops": 1e22}, {"flops": 1e24}]}
    )
    response = sweep(request, max_points=10)
    data = sweep_data(request, response)
    assert data.flops == tuple(r.plan.flops for r in response.rows)  # type: ignore[union-attr]
    assert data.loss == tuple(r.plan.loss for r in response.rows)  # type: ignore[union-attr]
    ids = _ids(sweep_figure(request, "svg"))
    assert {"sweep-params", "sweep-tokens", "sweep-loss"} <= ids


def test_format_follows_the_file_name() -> None:
    assert format_for_path("frontier.png") == "png"
    assert format_for_path("out/frontier.SVG") == "svg"


@pytest.mark.slow
def test_importing_the_package_and_app_does_not_import_matplotlib() -> None:
    code = (
        "import sys, planner.plots, planner.api.app, planner.cli; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_api_serves_cached_svg_and_png(client: TestClient, unique: float) -> None:
    url = "/v1/plots/frontier"
    first = client.get(url, params={"flops": unique})
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/svg+xml"
    assert first.headers["x-cache"] == "miss"
    assert "plan-point" in _ids(first.content)
    again = client.get(url, params={"flops": unique})
    assert again.headers["x-cache"] == "hit"
    assert again.content == first.content
    png = client.post("/v1/plots/frontier?format=png", json={"budget": {"flops": unique}})
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.headers["x-cache"] == "miss"  # another format, another cache entry
    assert _png_size(png.content)[0] >= 800


@pytest.mark.slow
def test_api_same_question_by_get_and_post_is_one_picture(
    client: TestClient, unique: float
) -> None:
    posted = client.post(
        "/v1/plots/frontier", json={"budget": {"flops": unique}, "constraints": {"max_params": 1e9}}
    )
    got = client.get("/v1/plots/frontier", params={"flops": unique, "max_params": 1e9})
    assert posted.status_code == got.status_code == 200
    assert got.headers["x-cache"] == "hit"
    assert "limit-constraints.max_params" in _ids(got.content)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/v1/plots/frontier?flops=1e22&format=gif", "format"),
        ("/v1/plots/frontier?flops=-1", "flops"),
        ("/v1/plots/frontier?flops=1e22&loss=nosuchlaw", "laws.loss"),
        ("/v1/plots/sweep?start=1e22&stop=1e20", "start"),
    ],
)
def test_api_bad_input_names_the_field(client: TestClient, url: str, field: str) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_api_infeasible_plot_is_a_422_naming_the_conflict(client: TestClient) -> None:
    response = client.post(
        "/v1/plots/frontier",
        json={"budget": {"flops": 1e22}, "constraints": {"min_params": 1e12, "min_tokens": 1e12}},
    )
    assert response.status_code == 422
    assert response.json()["conflicting"]


@pytest.mark.slow
def test_api_sweep_picture(client: TestClient) -> None:
    response = client.get("/v1/plots/sweep?start=1e20&stop=1e23&num=4&format=png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    _png_size(response.content)
    posted = client.post("/v1/plots/sweep", json={"budgets": [{"flops": 1e21}, {"flops": 1e22}]})
    assert posted.status_code == 200
    assert "sweep-loss" in _ids(posted.content)


@pytest.mark.slow
def test_concurrent_renders_in_solver_threads_equal_serial_ones() -> None:
    """The service draws on its solver threads at once; figures share no pyplot state, so
    each picture is byte-for-byte what a lone render gives (PNG output is deterministic)."""
    from concurrent.futures import ThreadPoolExecutor

    requests = [
        PlanRequest.model_validate({"budget": {"flops": flops}}) for flops in (1e20, 1e23, 5e24)
    ]
    serial = [frontier_figure(r, "png") for r in requests]
    with ThreadPoolExecutor(max_workers=3) as pool:
        parallel = list(pool.map(lambda r: frontier_figure(r, "png"), requests))
    assert parallel == serial
    assert len(set(serial)) == len(serial)
