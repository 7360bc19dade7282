"""``planner`` command line: the same answers as the HTTP service, in a terminal.

``planner plan --json`` prints exactly the body ``POST /v1/plan`` returns for the same question.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from .errors import PlannerError

__all__ = ["main"]


def _budget_and_target(args: argparse.Namespace) -> dict[str, Any]:
    budget = {
        key: getattr(args, key)
        for key in (
            "flops",
            "gpu_hours",
            "gpu_count",
            "hours",
            "dollars",
            "gpu",
            "mfu",
            "price_per_gpu_hour",
            "number_format",
        )
        if getattr(args, key) is not None
    }
    body: dict[str, Any] = {}
    if budget:
        body["budget"] = budget
    target = {
        key: value
        for key, value in (
            ("loss", args.target_loss),
            ("downstream_error", args.target_downstream_error),
        )
        if value is not None
    }
    if target:
        body["target"] = target
    return body


def _laws(args: argparse.Namespace) -> dict[str, str]:
    laws = {"loss": args.loss_law, "allocation": getattr(args, "allocation_law", None)}
    return {k: v for k, v in laws.items() if v is not None}


def _constraints(args: argparse.Namespace) -> dict[str, Any]:
    keys = (
        "max_params",
        "min_params",
        "max_tokens",
        "min_tokens",
        "max_tokens_per_param",
        "min_tokens_per_param",
    )
    out: dict[str, Any] = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    if args.stay_in_fitted_range:
        out["stay_in_fitted_range"] = True
    return out


def _si(value: float) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.4g}"


def _print_plan(answer: Any) -> None:
    plan = answer.plan
    laws = ", ".join(f"{u.role}={u.law}@{u.constant_set}" for u in answer.provenance)
    lines = [
        f"{answer.objective} ({answer.method}; {laws})",
        f"  params          {_si(plan.params)}  [{plan.params_definition}]",
        f"  tokens          {_si(plan.tokens)}",
        f"  tokens/param    {plan.tokens_per_param:.4g}",
        f"  flops           {plan.flops:.4g}",
        f"  loss            {plan.loss:.5g} nats/token",
    ]
    if plan.downstream_error is not None:
        lines.append(f"  downstream err  {plan.downstream_error:.4g}")
    if plan.epochs is not None:
        lines.append(
            f"  epochs          {plan.epochs:.4g} of {_si(plan.unique_tokens or 0)} unique"
        )
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
    precision = answer.precision
    if precision is not None and precision.training is not None:
        t = precision.training
        lines.append(f"  train format    {t.format} (penalty {t.penalty:.3g} nats)")
    if precision is not None and precision.serving is not None:
        v = precision.serving
        lines.append(
            f"  serve format    {v.format}: {v.weight_bytes / 1e9:.4g} GB of weights, loss "
            f"{v.loss_after_quantisation:.4g}"
        )
    lines += _serving_lines(answer)
    if answer.budget.gpu_hours is not None:
        lines.append(
            f"  GPU-hours       {_si(answer.budget.gpu_hours)} on {answer.budget.gpu_name}"
        )
    if answer.budget.dollars is not None:
        lines.append(f"  cost            ${_si(answer.budget.dollars)}")
    lines.append(f"  binding         {', '.join(answer.binding_constraints) or '-'}")
    for margin in answer.marginal_values:
        delta = "n/a" if margin.delta is None else f"{margin.delta:+.4g}"
        lines.append(f"  {margin.relaxation} {margin.resource}: {margin.effect_on} {delta}")
    for warning in answer.warnings:
        lines.append(f"  ! {warning.message}")
    print("\n".join(lines))


_INFERENCE_FLAGS = {
    "serve_on": "device",
    "serve_devices": "device_count",
    "serve_format": "serving_format",
    "serve_batch": "batch_size",
    "prompt_tokens": "prompt_tokens",
    "output_tokens": "output_tokens",
    "max_decode_latency_ms": "max_decode_latency_ms",
    "max_ttft_ms": "max_time_to_first_token_ms",
    "max_memory_per_device": "max_memory_bytes_per_device",
    "min_tokens_per_second": "min_tokens_per_second",
    "lifetime_tokens": "lifetime_tokens",
}


def _inference(args: argparse.Namespace) -> dict[str, object]:
    out: dict[str, object] = {
        field: getattr(args, flag)
        for flag, field in _INFERENCE_FLAGS.items()
        if getattr(args, flag) is not None
    }
    streams = args.parallel_streams
    if streams is not None:
        out["parallel_streams"] = streams if streams == "auto" else int(streams)
    return out


def _serving_lines(answer: Any) -> list[str]:
    served = answer.inference
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


def _add_law_args(parser: argparse.ArgumentParser, *, allocation: bool = True) -> None:
    parser.add_argument("--loss-law", help="loss law ID or ID@SET (default besiroglu2024)")
    if allocation:
        parser.add_argument("--allocation-law", help="closed-form allocation ID or ID@SET")


def _add_budget_args(parser: argparse.ArgumentParser, *, amounts: bool = True) -> None:
    if amounts:
        parser.add_argument("--flops", type=float)
        parser.add_argument("--gpu-hours", type=float)
        parser.add_argument("--gpu-count", type=int)
        parser.add_argument("--hours", type=float)
        parser.add_argument("--dollars", type=float)
    parser.add_argument("--gpu", help="device id or alias, e.g. h100")
    parser.add_argument("--mfu", type=float)
    parser.add_argument("--price-per-gpu-hour", type=float)
    parser.add_argument("--number-format", help="format whose peak the MFU applies to (bf16)")


def _add_constraint_args(parser: argparse.ArgumentParser) -> None:
    for name in ("max-params", "min-params", "max-tokens", "min-tokens"):
        parser.add_argument(f"--{name}", type=float)
    parser.add_argument("--max-tokens-per-param", type=float)
    parser.add_argument("--min-tokens-per-param", type=float)
    parser.add_argument("--stay-in-fitted-range", action="store_true")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planner", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    plan = sub.add_parser("plan", help="what to train for a budget (or a target loss)")
    _add_budget_args(plan)
    plan.add_argument("--target-loss", type=float)
    plan.add_argument("--target-downstream-error", type=float)
    _add_law_args(plan)
    _add_constraint_args(plan)
    plan.add_argument("--training-format", help="training number format or 'auto'")
    plan.add_argument("--serving-format", help="serving number format or 'auto'")
    plan.add_argument("--serving-memory", type=float, help="serving weight-memory limit [bytes]")
    plan.add_argument("--unique-tokens", type=float, help="unique tokens available")
    plan.add_argument("--context-length", type=int)
    serving = plan.add_argument_group("serving (the request's inference section)")
    serving.add_argument("--serve-on", help="serving device id or alias, e.g. h100")
    serving.add_argument("--serve-devices", type=int, help="devices per replica")
    serving.add_argument("--serve-format", help="weight format served (default bf16)")
    serving.add_argument("--serve-batch", type=int, help="sequences decoded together")
    serving.add_argument("--prompt-tokens", type=int)
    serving.add_argument("--output-tokens", type=int)
    serving.add_argument("--max-decode-latency-ms", type=float)
    serving.add_argument("--max-ttft-ms", type=float, help="time to first token limit")
    serving.add_argument("--max-memory-per-device", type=float, help="[bytes]")
    serving.add_argument("--min-tokens-per-second", type=float)
    serving.add_argument("--parallel-streams", help="1, 2, 4, 8 or auto")
    serving.add_argument("--lifetime-tokens", type=float, help="tokens served over the life")
    plan.add_argument("--json", action="store_true", help="print the HTTP response body")

    predict = sub.add_parser("predict", help="loss of a given model size and token count")
    predict.add_argument("--params", type=float, required=True)
    predict.add_argument("--tokens", type=float, required=True)
    _add_law_args(predict, allocation=False)
    predict.add_argument("--json", action="store_true")

    sweep = sub.add_parser("sweep", help="plans for log-spaced FLOP budgets (CSV)")
    sweep.add_argument("--start", type=float, required=True)
    sweep.add_argument("--stop", type=float, required=True)
    sweep.add_argument("--num", type=int, default=9)
    _add_law_args(sweep)
    _add_constraint_args(sweep)
    sweep.add_argument("--json", action="store_true", help="JSON instead of CSV")

    laws = sub.add_parser("laws", help="list the catalogue, or show one paper's laws")
    laws.add_argument("law_id", nargs="?")

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        import uvicorn

        uvicorn.run(
            "planner.api.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            access_log=False,  # the service writes its own structured access line
        )
        return 0
    if args.command == "laws":
        from laws_catalog import CATALOG

        if args.law_id:
            found = CATALOG.find(args.law_id)
            if not found:
                raise PlannerError(f"no law {args.law_id!r}", field="law_id")
            print(json.dumps([law.describe() for law in found], indent=2))
        else:
            for law in CATALOG.all_laws():
                print(f"{law.family:<11} {law.id:<16} {law.title}  [{law.reference.short()}]")
        return 0

    from .planning.csv_table import sweep_csv
    from .planning.plan import make_plan
    from .planning.predict import predict
    from .planning.sweep import sweep
    from .schemas.requests import PlanRequest, PredictRequest, SweepRequest

    if args.command == "plan":
        body = {**_budget_and_target(args), "laws": _laws(args), "constraints": _constraints(args)}
        precision = {
            key: value
            for key, value in (
                ("training", args.training_format),
                ("serving", args.serving_format),
                ("serving_memory_bytes", args.serving_memory),
            )
            if value is not None
        }
        if precision:
            body["precision"] = precision
        if args.unique_tokens is not None:
            body["data"] = {"unique_tokens": args.unique_tokens}
        if args.context_length is not None:
            body["context_length"] = args.context_length
        inference = _inference(args)
        if inference:
            body["inference"] = inference
        request = PlanRequest.model_validate(body)
        from .config import configured_devices, get_settings

        answer = make_plan(request, configured_devices(get_settings()))
        if args.json:
            print(answer.model_dump_json())
        else:
            _print_plan(answer)
        return 0
    if args.command == "predict":
        result = predict(
            PredictRequest.model_validate(
                {"params": args.params, "tokens": args.tokens, "laws": _laws(args)}
            )
        )
        if args.json:
            print(result.model_dump_json())
        else:
            extra = (
                f", downstream error {result.downstream_error:.4g}"
                if result.downstream_error is not None
                else ""
            )
            print(f"loss {result.loss:.5g} nats/token{extra}")
            for warning in result.warnings:
                print(f"  ! {warning.message}")
        return 0
    import numpy as np

    sweep_request = SweepRequest.model_validate(
        {
            "budgets": [{"flops": float(v)} for v in np.geomspace(args.start, args.stop, args.num)],
            "laws": _laws(args),
            "constraints": _constraints(args),
        }
    )
    response = sweep(sweep_request, max_points=100_000)
    sys.stdout.write(response.model_dump_json() + "\n" if args.json else sweep_csv(response))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except PlannerError as exc:
        print(json.dumps(exc.to_dict()), file=sys.stderr)
        return 2
    except ValidationError as exc:
        from .api.errors import validation_body

        print(json.dumps(validation_body(exc.errors())), file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
