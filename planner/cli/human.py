"""Answers as a person reads them in a terminal (``--json`` prints the service's body instead)."""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = [
    "fit_lines",
    "interval_lines",
    "plan_lines",
    "predict_lines",
    "si",
    "vocabulary_lines",
    "warning_lines",
]

SEVERITIES = ("info", "warning", "critical")


def si(value: float) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.4g}"


def _severity(warning: Any) -> str:
    return str(getattr(warning, "severity", None) or "warning")


def warning_lines(warnings: list[Any], min_severity: str = "warning") -> list[str]:
    """``critical`` and ``warning`` in full (from ``min_severity`` up), a count of the rest."""
    floor = SEVERITIES.index(min_severity)
    shown = [w for w in warnings if SEVERITIES.index(_severity(w)) >= floor]
    order = sorted(shown, key=lambda w: -SEVERITIES.index(_severity(w)))
    lines = [f"  ! {_severity(w)}: {w.message}" for w in order]
    hidden = Counter(_severity(w) for w in warnings if w not in shown)
    if hidden:
        counts = ", ".join(
            f"{n} {name} note{'s' if n != 1 else ''}" for name, n in sorted(hidden.items())
        )
        lines.append(f"  ({counts} not shown; --verbose shows every warning)")
    return lines


def interval_lines(found: Any) -> list[str]:
    """A plan's intervals (empty when none were asked)."""
    if found is None:
        return []
    head = f"{found.level:.0%} intervals, {found.samples} samples, {found.method}"
    lines = [f"  uncertainty     {head}"]
    for name, (low, high) in found.intervals.items():
        lines.append(f"    {name:<17} [{low:.4g}, {high:.4g}]")
    lines += [f"    ({note})" for note in found.notes if found.method == "none"]
    return lines


def fit_lines(answer: Any) -> list[str]:
    """A fitted law: its constants with errors and intervals, and how well it fits."""
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
    return lines + warning_lines(list(answer.warnings))


def plan_lines(answer: Any, min_severity: str = "warning") -> list[str]:
    plan = answer.plan
    laws = ", ".join(f"{u.role}={u.law}@{u.constant_set}" for u in answer.provenance)
    lines = [
        f"{answer.objective} ({answer.method}; {laws})",
        f"  params          {si(plan.params)}  [{plan.params_definition}]",
        f"  tokens          {si(plan.tokens)}",
        f"  tokens/param    {plan.tokens_per_param:.4g}",
        f"  flops           {plan.flops:.4g}",
        f"  loss            {plan.loss:.5g} nats/token",
    ]
    if plan.downstream_error is not None:
        lines.append(f"  downstream err  {plan.downstream_error:.4g}")
    if plan.epochs is not None:
        lines.append(f"  epochs          {plan.epochs:.4g} of {si(plan.unique_tokens or 0)} unique")
    if plan.shape is not None:
        shape = plan.shape
        lines.append(
            f"  shape           {shape.n_layer} layers x {shape.d_model} wide, {shape.n_heads} "
            f"heads of {shape.d_head}, vocab {plan.vocab_size}"
        )
    if plan.learning_rate is not None:
        lines.append(f"  peak LR         {plan.learning_rate:.3g}")
    if plan.batch_size_sequences is not None:
        lines.append(
            f"  batch           {plan.batch_size_sequences} x {plan.context_length} tokens, "
            f"{plan.steps} steps"
        )
    lines += _precision_lines(answer.precision)
    lines += _serving_lines(answer.inference)
    if answer.budget.gpu_hours is not None:
        lines.append(f"  GPU-hours       {si(answer.budget.gpu_hours)} on {answer.budget.gpu_name}")
    if answer.budget.dollars is not None:
        lines.append(f"  cost            ${si(answer.budget.dollars)}")
    lines.append(f"  binding         {', '.join(answer.binding_constraints) or '-'}")
    for margin in answer.marginal_values:
        delta = "n/a" if margin.delta is None else f"{margin.delta:+.4g}"
        lines.append(f"  {margin.relaxation} {margin.resource}: {margin.effect_on} {delta}")
    lines += interval_lines(getattr(answer, "uncertainty", None))
    return lines + warning_lines(list(answer.warnings), min_severity)


def _precision_lines(precision: Any) -> list[str]:
    lines = []
    if precision is not None and precision.training is not None:
        t = precision.training
        lines.append(f"  train format    {t.format} (penalty {t.penalty:.3g} nats)")
    if precision is not None and precision.serving is not None:
        v = precision.serving
        lines.append(
            f"  serve format    {v.format}: {v.weight_bytes / 1e9:.4g} GB of weights, loss "
            f"{v.loss_after_quantisation:.4g}"
        )
    return lines


def _serving_lines(served: Any) -> list[str]:
    if served is None:
        return []
    lines = []
    if served.decode_s_per_token is not None and served.time_to_first_token_s is not None:
        lines.append(
            f"  serving         {served.serving_format} on {served.device_count} x "
            f"{served.device_name}: {served.decode_s_per_token * 1e3:.3g} ms/token, first "
            f"token {served.time_to_first_token_s * 1e3:.3g} ms, "
            f"{served.memory.per_device / 1e9:.4g} GB per device"
        )
    for limit in served.limits:
        mark = " (binding)" if limit.binding else ""
        name = limit.field.removeprefix("inference.")
        lines.append(f"  {name:<15} {limit.value:.4g} of {limit.limit:.4g}{mark}")
    if served.parallel_streams is not None:
        lines.append(f"  streams         {served.parallel_streams.reason}")
    if served.lifetime is not None:
        life = served.lifetime
        lines.append(
            f"  lifetime        {life.total_flops:.4g} FLOPs ({life.inference_flops:.4g} serving)"
        )
    return lines


def predict_lines(result: Any, min_severity: str = "warning") -> list[str]:
    extra = (
        f", downstream error {result.downstream_error:.4g}"
        if result.downstream_error is not None
        else ""
    )
    lines = [f"loss {result.loss:.5g} nats/token{extra}"]
    return lines + warning_lines(list(result.warnings), min_severity)


def vocabulary_lines(result: Any) -> list[str]:
    best = result.answer
    lines = [
        f"vocabulary      {best.vocab_size_rounded} ({best.approach}; {best.vocab_params:.4g} "
        f"embedding parameters at width {best.d_model:.0f})",
        f"  flops         {best.flops:.4g}, tokens {si(best.tokens)}",
    ]
    for other in result.approaches:
        lines.append(f"  {other.approach:<13} {other.vocab_size_rounded}")
    return lines + warning_lines(list(result.warnings))
