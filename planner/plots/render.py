"""Matplotlib drawing of :mod:`.frontier_data` and :mod:`.sweep_data` (Agg, no pyplot).

Imported only when a picture is asked for: matplotlib costs ~0.5 s to import, which the
service's start-up and the CLI's ``--help`` must not pay. Figures are built with
``matplotlib.figure.Figure`` directly (no pyplot global state), so solver threads may draw
concurrently. Artists that carry data the tests check have a ``gid``, which the SVG keeps as
the ``id`` of their group.
"""

from __future__ import annotations

import io
from typing import Literal

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .frontier_data import FrontierData
from .sweep_data import SweepData

__all__ = ["FIGURE_INCHES", "PNG_DPI", "draw_frontier", "draw_sweep", "to_bytes"]

ImageFormat = Literal["svg", "png"]
FIGURE_INCHES = (10.0, 5.6)
PNG_DPI = 120  # 1200 x 672 px: text stays >= 10 px when shown 800 px wide
_FONT = 10
_PLAN = "#d62728"
_FIT = "#2ca02c"
_CURVES = ("#1f77b4", "#ff7f0e", "#9467bd")


def si(value: float) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def _new_figure(ncols: int) -> tuple[Figure, list[Axes]]:
    # fixed margins: constrained layout would double the drawing time of a fixed-size figure
    figure = Figure(figsize=FIGURE_INCHES)
    figure.subplots_adjust(left=0.07, right=0.985, bottom=0.1, top=0.85, wspace=0.2)
    FigureCanvasAgg(figure)
    axes = [figure.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    for ax in axes:
        ax.grid(True, which="major", alpha=0.3)
        ax.tick_params(labelsize=_FONT)
    return figure, axes


def _shade_fit(ax: Axes, bounds: tuple[float, float] | None, what: str, gid: str) -> None:
    if bounds is None:
        return
    span = ax.axvspan(*bounds, color=_FIT, alpha=0.12, label=f"fitted range ({what})")
    span.set_gid(gid)


def _frontier_panel(ax: Axes, data: FrontierData) -> None:
    fitted = data.frontier_fitted
    # the dashed part shares its end points with the solid part, so the line has no gap
    joined = fitted & np.roll(fitted, 1) & np.roll(fitted, -1)
    joined[[0, -1]] = fitted[[0, -1]]
    outside = np.where(joined, np.nan, data.frontier_loss)
    inside = np.where(data.frontier_fitted, data.frontier_loss, np.nan)
    (line,) = ax.plot(
        data.frontier_flops, inside, color="black", lw=1.8,
        label=f"frontier of the law (C = {data.flops_per_param_token:g} N D, no limits)",
    )  # fmt: skip
    line.set_gid("frontier")
    (extrapolated,) = ax.plot(
        data.frontier_flops, outside, color="black", lw=1.5, ls=(0, (4, 3)),
        label="outside the fitted range (extrapolation)",
    )  # fmt: skip
    extrapolated.set_gid("frontier-extrapolated")
    for colour, curve in zip(_CURVES, data.isoflops, strict=False):
        best = float(np.min(curve.loss))
        ax.plot([curve.flops], [best], "o", color=colour, ms=6, zorder=3)
    _shade_fit(ax, data.fitted_flops, "FLOPs", "fitted-range-flops")
    (point,) = ax.plot(
        [data.plan_flops], [data.plan_loss], "*", color=_PLAN, ms=16, zorder=5,
        markeredgecolor="black", label="the plan",
    )  # fmt: skip
    point.set_gid("plan-point")
    if data.loss_interval is not None:
        low, high = data.loss_interval
        bars = ax.errorbar(
            [data.plan_flops], [data.plan_loss],
            yerr=[[data.plan_loss - low], [high - data.plan_loss]],
            fmt="none", ecolor=_PLAN, elinewidth=2, capsize=6, zorder=4,
            label=f"loss interval [{low:.3f}, {high:.3f}]",
        )  # fmt: skip
        for part in bars.lines[2]:  # the vertical bar (LineCollection)
            part.set_gid("plan-uncertainty")
        band = ax.axhspan(low, high, color=_PLAN, alpha=0.08)
        band.set_gid("plan-uncertainty-band")
    binding = "".join(f"\n  {name}" for name in data.binding) or " none"
    ax.annotate(
        f"plan: {si(data.plan_params)} params, loss {data.plan_loss:.4g}\nbinding:{binding}",
        xy=(data.plan_flops, data.plan_loss), xytext=(0.45, 0.42), textcoords="axes fraction",
        fontsize=_FONT - 1, arrowprops={"arrowstyle": "->", "color": _PLAN},
        bbox={"boxstyle": "round", "fc": "white", "ec": _PLAN, "alpha": 0.9},
    )  # fmt: skip
    ax.set_xscale("log")
    ax.minorticks_off()  # ~10 decades: minor ticks add clutter and a third of the drawing time
    ax.set_xlabel("training compute C [FLOPs]", fontsize=_FONT)
    ax.set_ylabel(f"predicted loss [{data.loss_units}]", fontsize=_FONT)
    ax.set_title("loss vs compute", fontsize=_FONT + 1)
    ax.legend(fontsize=_FONT - 1, loc="upper right")


def _isoflop_panel(ax: Axes, data: FrontierData) -> None:
    minima = []
    for i, (colour, curve) in enumerate(zip(_CURVES, data.isoflops, strict=False)):
        (line,) = ax.plot(
            curve.params,
            curve.loss,
            color=colour,
            lw=1.5,
            label=f"C = {curve.flops:.2g} FLOPs".replace("e+", "e"),
        )
        line.set_gid(f"isoflop-{i}")
        j = int(np.argmin(curve.loss))
        minima.append(float(curve.loss[j]))
        ax.plot([curve.params[j]], [curve.loss[j]], "o", color=colour, ms=6)
    _shade_fit(ax, data.fitted_params, "N", "fitted-range-params")
    for name, value in data.param_limits.items():
        binding = name in data.binding
        limit = ax.axvline(
            value, color=_PLAN if binding else "grey", ls="--", lw=1.5,
            label=f"{name} = {si(value)}" + (" (binding)" if binding else ""),
        )  # fmt: skip
        limit.set_gid(f"limit-{name}")
    (point,) = ax.plot(
        [data.plan_params], [data.plan_loss], "*", color=_PLAN, ms=16, zorder=5,
        markeredgecolor="black", label="the plan",
    )  # fmt: skip
    point.set_gid("plan-point-isoflop")
    low = min([*minima, data.plan_loss])
    high = max([*minima, data.plan_loss])
    if data.loss_interval is not None:
        low, high = min(low, data.loss_interval[0]), max(high, data.loss_interval[1])
    pad = max(0.05 * (high - low), 0.02 * high)
    ax.set_ylim(low - pad, high + 8 * pad)  # headroom for the legend
    ax.set_xscale("log")
    ax.set_xlabel(f"parameters N [{data.params_quantity}]", fontsize=_FONT)
    ax.set_ylabel(f"predicted loss [{data.loss_units}]", fontsize=_FONT)
    ax.set_title("isoFLOP curves: loss vs parameters at fixed compute", fontsize=_FONT + 1)
    ax.legend(fontsize=_FONT - 1, loc="upper center", ncols=2)


def draw_frontier(data: FrontierData) -> Figure:
    figure, (left, right) = _new_figure(2)
    _frontier_panel(left, data)
    _isoflop_panel(right, data)
    figure.suptitle(data.title, fontsize=_FONT + 2)
    return figure


def draw_sweep(data: SweepData) -> Figure:
    figure, (sizes, losses) = _new_figure(2)
    (params,) = sizes.plot(
        data.flops, data.params, "o-", label=f"parameters [{data.params_quantity}]"
    )
    params.set_gid("sweep-params")
    (tokens,) = sizes.plot(data.flops, data.tokens, "s-", label="training tokens")
    tokens.set_gid("sweep-tokens")
    sizes.set_xscale("log")
    sizes.set_yscale("log")
    sizes.set_xlabel("training compute C [FLOPs]", fontsize=_FONT)
    sizes.set_ylabel("count [parameters or tokens]", fontsize=_FONT)
    sizes.set_title("model size and data vs compute", fontsize=_FONT + 1)
    sizes.legend(fontsize=_FONT - 1)
    (loss,) = losses.plot(data.flops, data.loss, "o-", color="black", label="planned loss")
    loss.set_gid("sweep-loss")
    losses.set_xscale("log")
    losses.set_xlabel("training compute C [FLOPs]", fontsize=_FONT)
    losses.set_ylabel("predicted loss [nats/token]", fontsize=_FONT)
    losses.set_title("loss vs compute", fontsize=_FONT + 1)
    if data.failed:
        shown = "\n".join(data.failed[:4]) + ("\n..." if len(data.failed) > 4 else "")
        losses.text(
            0.02, 0.02, f"rows without an answer:\n{shown}", transform=losses.transAxes,
            fontsize=_FONT - 2, color=_PLAN, va="bottom", wrap=True,
        )  # fmt: skip
    losses.legend(fontsize=_FONT - 1)
    figure.suptitle(data.title, fontsize=_FONT + 2)
    return figure


def to_bytes(figure: Figure, fmt: ImageFormat) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        # a fixed salt makes the SVG's element ids, and so the bytes, the same in every process
        with matplotlib.rc_context({"svg.hashsalt": "llm-budget-planner"}):
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()
