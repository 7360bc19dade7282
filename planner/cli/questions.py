"""Each subcommand as a question: the request body its flags build, where it goes on the
service, and how to answer it here. Heavy modules (cvxpy, SciPy) load only when answering."""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import local
from .flags import (
    ARCHITECTURE,
    BUDGET,
    CONSTRAINTS,
    CONTINUAL,
    DATA,
    DETAIL,
    FIT,
    LAWS,
    LOSS_CURVE,
    PRECISION,
    PREDICT,
    SERVING,
    SEVERITY,
    TARGET,
    VOCABULARY,
    Flag,
    body_from,
    quantity,
)

__all__ = ["Question", "UsageError", "question_for", "read_text", "remote_url", "resolve"]

INTERVAL_FLAGS = (
    Flag("--loss-law-file", "laws.loss", ""),
    Flag("--uncertainty", "uncertainty.level", ""),
)
"""Set by :func:`_intervals` (a file's contents, a level), named in errors like the others."""
PLAN_FLAGS: tuple[Flag, ...] = (
    *BUDGET,
    *TARGET,
    *LAWS,
    *CONSTRAINTS,
    *ARCHITECTURE,
    *DATA,
    *PRECISION,
    *SERVING,
    SEVERITY,
)


class UsageError(Exception):
    """A flag or file the user gave cannot be used (exit code 2)."""


@dataclass(frozen=True)
class Question:
    """``POST path`` with ``body`` on a service, or ``local(body, devices)`` here; the remote
    answer is read as ``response_model`` (``module:Class``) for the human view."""

    path: str
    body: dict[str, Any]
    local: Callable[[dict[str, Any], Mapping[str, Any]], Any]
    response_model: str
    flags: Sequence[Flag] = ()
    query: dict[str, Any] = field(default_factory=dict)
    media: str = "json"
    """``json`` or a picture format (``svg``/``png``) for plots."""


def resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _request_file(args: argparse.Namespace) -> dict[str, Any]:
    path = getattr(args, "request", None)
    if not path:
        return {}
    try:
        body = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise UsageError(f"--request {path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(body, dict):
        raise UsageError(f"--request {path}: expected a JSON object")
    return body


def _pairs(values: list[str] | None, flag: str) -> dict[str, float] | None:
    if not values:
        return None
    out = {}
    for text in values:
        name, sep, number = text.partition("=")
        if not sep or not name:
            raise UsageError(f"{flag} {text!r}: expected NAME=VALUE")
        out[name] = quantity(number)
    return out


def _csv_rows(path: str, flag: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(read_text(path))))
    if not rows:
        raise UsageError(f"{flag} {path}: no rows")
    return rows


def _number(row: dict[str, str], column: str, where: str) -> float:
    try:
        return float(row[column])
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"{where}: column {column!r} missing or not a number") from None


def _plan(args: argparse.Namespace) -> Question:
    body = _intervals(args, body_from(args, PLAN_FLAGS, _request_file(args)))
    return Question(
        "/v1/plan",
        body,
        local.plan,
        "planner.schemas.responses:PlanResponse",
        (*PLAN_FLAGS, *INTERVAL_FLAGS),
    )


def _predict(args: argparse.Namespace) -> Question:
    flags = (*PREDICT, LAWS[0], SEVERITY)
    return Question(
        "/v1/predict",
        body_from(args, flags, _request_file(args)),
        local.predict,
        "planner.schemas.responses:PredictResponse",
        flags,
    )


def _budgets(args: argparse.Namespace, hardware: dict[str, Any]) -> list[dict[str, Any]]:
    import numpy as np

    if args.start is None or args.stop is None:
        raise UsageError("--start and --stop are required (or give budgets in --request)")
    if not 0 < args.start <= args.stop:
        raise UsageError("--start must be positive and not above --stop")
    values = np.geomspace(args.start, args.stop, args.num)
    return [{args.quantity: float(v), **hardware} for v in values]


def _sweep(args: argparse.Namespace) -> Question:
    flags = (*BUDGET[5:], *LAWS, *CONSTRAINTS, SEVERITY, DETAIL)
    body = _intervals(args, body_from(args, flags, _request_file(args)))
    hardware = body.pop("budget", {})
    if "budgets" not in body and "targets" not in body:
        body["budgets"] = _budgets(args, hardware)
    return Question(
        "/v1/sweep",
        body,
        local.sweep,
        "planner.schemas.responses:SweepResponse",
        (*flags, *INTERVAL_FLAGS),
    )


def _vocabulary(args: argparse.Namespace) -> Question:
    flags = VOCABULARY
    return Question(
        "/v1/vocabulary",
        body_from(args, flags, _request_file(args)),
        local.vocabulary,
        "planner.schemas.side_questions:VocabularyResponse",
        flags,
    )


def _mixture(args: argparse.Namespace) -> Question:
    body = _request_file(args)
    if args.runs:
        runs = []
        for i, row in enumerate(_csv_rows(args.runs, "--runs")):
            where = f"--runs {args.runs} row {i + 2}"
            mix = {k[4:]: _number(row, k, where) for k in row if k.startswith("mix.")}
            losses = {k[5:]: _number(row, k, where) for k in row if k.startswith("loss.")}
            runs.append({"mixture": mix, "losses": losses})
        body["runs"] = runs
    for flag, key in (
        ("--target-weight", "target_weights"),
        ("--lower", "lower"),
        ("--upper", "upper"),
    ):
        values = _pairs(getattr(args, key if key != "target_weights" else "target_weight"), flag)
        if values is not None:
            body[key] = values
    if args.stay_in_seen_region:
        body["stay_in_seen_region"] = True
    return Question(
        "/v1/mixture",
        body,
        local.mixture,
        "planner.schemas.side_questions:MixtureResponse",
        (Flag("--runs", "runs", ""),),
    )


_CPT_COLUMNS = ("params", "tokens", "domain_ratio", "domain_loss", "general_loss")


def _continual(args: argparse.Namespace) -> Question:
    flags = CONTINUAL
    body = body_from(args, flags, _request_file(args))
    if args.runs:
        body["runs"] = [
            {c: _number(row, c, f"--runs {args.runs} row {i + 2}") for c in _CPT_COLUMNS}
            for i, row in enumerate(_csv_rows(args.runs, "--runs"))
        ]
    return Question(
        "/v1/continual-pretraining",
        body,
        local.continual,
        "planner.schemas.side_questions:ContinualResponse",
        (*flags, Flag("--runs", "runs", "")),
    )


def _loss_curve(args: argparse.Namespace) -> Question:
    flags = LOSS_CURVE
    return Question(
        "/v1/loss-curve",
        body_from(args, flags, _request_file(args)),
        local.loss_curve,
        "planner.schemas.side_questions:LossCurveResponse",
        flags,
    )


def _fit(args: argparse.Namespace) -> Question:
    from ..errors import InvalidRequest
    from ..fitting.csv_runs import runs_from_csv

    try:
        runs = runs_from_csv(read_text(args.runs))
    except InvalidRequest as exc:
        raise UsageError(f"{args.runs}: {exc.message}") from None
    body = body_from(args, FIT, {"runs": runs})
    return Question("/v1/fit", body, local.fit, "planner.schemas.fit:FitResponse", FIT)


def fitted_law_file(path: str) -> dict[str, Any]:
    """A law written by ``planner fit --law-out``, for ``laws.loss``."""
    try:
        law = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise UsageError(f"--loss-law-file {path}: not JSON ({exc.msg})") from None
    if not isinstance(law, dict):
        raise UsageError(f"--loss-law-file {path}: expected the JSON object planner fit wrote")
    return law


def _intervals(args: argparse.Namespace, body: dict[str, Any]) -> dict[str, Any]:
    if getattr(args, "loss_law_file", None):
        body.setdefault("laws", {})["loss"] = fitted_law_file(args.loss_law_file)
    if getattr(args, "uncertainty", None) is not None:
        body["uncertainty"] = {"level": args.uncertainty}
    return body


def _plot(args: argparse.Namespace) -> Question:
    fmt: local.ImageFormat = args.format or (
        "png" if args.output.lower().endswith(".png") else "svg"
    )
    if args.what == "sweep":
        base = _sweep(args)
        return Question(
            "/v1/plots/sweep",
            base.body,
            lambda body, devices: local.sweep_picture(body, devices, fmt),
            "",
            base.flags,
            {"format": fmt},
            fmt,
        )
    base = _plan(args)
    return Question(
        "/v1/plots/frontier",
        base.body,
        lambda body, devices: local.frontier_picture(body, devices, fmt),
        "",
        base.flags,
        {"format": fmt},
        fmt,
    )


QUESTIONS: dict[str, Callable[[argparse.Namespace], Question]] = {
    "plan": _plan,
    "predict": _predict,
    "sweep": _sweep,
    "vocabulary": _vocabulary,
    "mixture": _mixture,
    "continual-pretraining": _continual,
    "loss-curve": _loss_curve,
    "fit": _fit,
    "plot": _plot,
}


def question_for(args: argparse.Namespace) -> Question:
    return QUESTIONS[args.command](args)


def remote_url(args: argparse.Namespace) -> str | None:
    return getattr(args, "remote", None) or os.environ.get("PLANNER_REMOTE") or None
