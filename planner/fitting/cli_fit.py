"""``planner fit runs.csv``: the fit answer in a terminal, and the law saved for ``plan``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import InvalidRequest
from ..schemas.fit import FitRequest, FitResponse
from ..schemas.fitted_law import FittedLaw
from ..schemas.uncertainty import UncertaintyOut
from .csv_runs import runs_from_csv
from .service import fit_runs

__all__ = ["add_fit_arguments", "fitted_law_file", "interval_lines", "run_fit"]


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs_csv", help="CSV with columns params,tokens,loss[,run]")
    parser.add_argument("--form", choices=("chinchilla", "gadre2024"), default="chinchilla")
    parser.add_argument(
        "--params-definition",
        choices=("n_params_total", "n_params_non_embedding"),
        default="n_params_total",
    )
    parser.add_argument("--loss-name", default="", help="what the loss was measured on")
    parser.add_argument("--early-fraction", type=float, default=0.1)
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--law-out", help="write the fitted law (JSON) for plan --loss-law-file")
    parser.add_argument("--json", action="store_true", help="print the HTTP response body")


def _request(args: argparse.Namespace) -> FitRequest:
    text = Path(args.runs_csv).read_text()
    body: dict[str, Any] = {
        "runs": runs_from_csv(text),
        "form": args.form,
        "params_definition": args.params_definition,
        "loss_name": args.loss_name,
        "early_fraction": args.early_fraction,
        "bootstrap": {"samples": args.bootstrap, "seed": args.seed},
    }
    return FitRequest.model_validate(body)


def _summary(answer: FitResponse) -> list[str]:
    used = answer.used
    lines = [
        f"{answer.form}: {answer.equation}",
        f"  {used.points_used} of {used.points_given} points from {used.runs} runs, "
        f"{used.sizes} sizes ({used.points_dropped_early} early checkpoints dropped)",
    ]
    for name, value in answer.constants.items():
        se = answer.standard_errors.get(name) if answer.standard_errors else None
        interval = answer.intervals.get(name) if answer.intervals else None
        text = f"  {name:<6} {value:.5g}"
        if se is not None and interval is not None:
            text += f"  (SE {se:.3g}; {answer.interval_level:.0%} [{interval[0]:.4g}, "
            text += f"{interval[1]:.4g}])"
        lines.append(text)
    lines.append(f"  in-sample MAPE {answer.mape_in_sample:.3%}")
    held = answer.mape_largest_size_held_out
    lines.append(
        f"  largest size held out: MAPE {held:.3%}"
        if held is not None
        else f"  largest size held out: {answer.largest_size_held_out_note}"
    )
    ratios = ", ".join(f"{c}: {r:.3g}" for c, r in answer.compute_optimal_tokens_per_param.items())
    lines.append(f"  compute-optimal tokens/param {ratios}")
    lines.append(f"  converged {answer.converged}; Huber delta {answer.huber_delta:g}")
    lines += [f"  ! {w.message}" for w in answer.warnings]
    return lines


def run_fit(args: argparse.Namespace) -> int:
    answer = fit_runs(_request(args))
    if args.law_out:
        Path(args.law_out).write_text(answer.law.model_dump_json(indent=1) + "\n")
    sys.stdout.write(
        (answer.model_dump_json() if args.json else "\n".join(_summary(answer))) + "\n"
    )
    return 0


def fitted_law_file(path: str) -> dict[str, Any]:
    """A law written by ``planner fit --law-out``, checked, for ``laws.loss``."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InvalidRequest(f"--loss-law-file: {exc}", field="loss_law_file") from None
    return FittedLaw.model_validate(data).model_dump(mode="json")


def interval_lines(found: UncertaintyOut | None) -> list[str]:
    """Plan intervals for the terminal (empty when none were asked)."""
    if found is None:
        return []
    head = f"{found.level:.0%} intervals, {found.samples} samples, {found.method}"
    lines = [f"  uncertainty     {head}"]
    for name, (low, high) in found.intervals.items():
        lines.append(f"    {name:<17} [{low:.4g}, {high:.4g}]")
    lines += [f"    ({note})" for note in found.notes if found.method == "none"]
    return lines
