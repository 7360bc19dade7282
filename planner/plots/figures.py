"""Pictures of a plan's frontier and of a sweep, as SVG or PNG bytes (what the API serves and
``planner plot`` writes)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from laws_catalog.hardware import Device

from ..planning.plan.pipeline import make_plan
from ..planning.sweep.run import sweep
from ..schemas.requests import PlanRequest, SweepRequest
from ..schemas.responses import PlanResponse, SweepResponse
from .frontier_data import frontier_data
from .sweep_data import sweep_data

__all__ = [
    "ImageFormat",
    "MEDIA_TYPES",
    "format_for_path",
    "frontier_figure",
    "frontier_image",
    "sweep_figure",
    "sweep_image",
]

ImageFormat = Literal["svg", "png"]
MEDIA_TYPES: dict[str, str] = {"svg": "image/svg+xml", "png": "image/png"}
DEFAULT_SWEEP_POINTS = 200


def format_for_path(path: str | Path) -> ImageFormat:
    """``png`` for ``*.png``, else ``svg`` (what ``planner plot -o FILE`` writes)."""
    return "png" if str(path).lower().endswith(".png") else "svg"


def frontier_image(request: PlanRequest, response: PlanResponse, fmt: ImageFormat = "svg") -> bytes:
    """Draw an answer already in hand (e.g. one a server returned)."""
    from .render import draw_frontier, to_bytes  # matplotlib, on first use only

    return to_bytes(draw_frontier(frontier_data(request, response)), fmt)


def frontier_figure(
    request: PlanRequest,
    fmt: ImageFormat = "svg",
    devices: Mapping[str, Device] | None = None,
) -> bytes:
    """Solve ``request`` and draw its frontier picture (``GET/POST /v1/plots/frontier``)."""
    return frontier_image(request, make_plan(request, devices), fmt)


def sweep_image(request: SweepRequest, response: SweepResponse, fmt: ImageFormat = "svg") -> bytes:
    from .render import draw_sweep, to_bytes

    return to_bytes(draw_sweep(sweep_data(request, response)), fmt)


def sweep_figure(
    request: SweepRequest,
    fmt: ImageFormat = "svg",
    devices: Mapping[str, Device] | None = None,
    max_points: int = DEFAULT_SWEEP_POINTS,
) -> bytes:
    """Solve every row of ``request`` and draw them against budget (``/v1/plots/sweep``)."""
    return sweep_image(request, sweep(request, max_points=max_points, devices=devices), fmt)
