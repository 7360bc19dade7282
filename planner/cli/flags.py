"""Command-line flags as data: each flag knows the request field it sets, its unit and example.

One table serves three purposes: building the parser (help text with units and examples),
turning parsed flags into a request body, and naming the flag the user typed when the service
rejects a field (``--flops``, not ``budget.flops``).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ARCHITECTURE",
    "BUDGET",
    "CONSTRAINTS",
    "CONTINUAL",
    "DATA",
    "DETAIL",
    "FIT",
    "LAWS",
    "LOSS_CURVE",
    "PREDICT",
    "PRECISION",
    "SERVING",
    "SEVERITY",
    "TARGET",
    "VOCABULARY",
    "Flag",
    "add_flags",
    "body_from",
    "flag_for_field",
    "in_flag_words",
    "quantity",
    "typed",
]

_SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}


def quantity(text: str) -> float:
    """A number with an optional SI-like suffix: ``70B`` -> 7e10, ``2.5k`` -> 2500, ``1e24``."""
    match = re.fullmatch(r"\s*([-+]?\d*\.?\d+(?:e[-+]?\d+)?)\s*([kmbgtp]?)\s*", text.lower())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (e.g. 1e24, 70B, 2.5k)")
    return float(match.group(1)) * _SUFFIXES.get(match.group(2), 1.0)


def percent_or_fraction(text: str) -> float:
    """``40%`` or ``0.4`` -> 0.4."""
    if text.strip().endswith("%"):
        return quantity(text.strip()[:-1]) / 100
    return quantity(text)


def streams(text: str) -> int | str:
    return "auto" if text == "auto" else int(text)


@dataclass(frozen=True)
class Flag:
    """``--name`` sets the request field ``path`` (dotted); ``help`` gives unit and example."""

    name: str
    path: str
    help: str
    type: Callable[[str], Any] | None = None
    metavar: str | None = None
    store_true: bool = False
    choices: tuple[str, ...] | None = None
    value: Any = True
    """What a ``store_true`` flag puts in the body."""

    @property
    def dest(self) -> str:
        return self.name.removeprefix("--").replace("-", "_")


BUDGET = (
    Flag("--flops", "budget.flops", "training compute [FLOPs], e.g. 1e24", quantity, "C"),
    Flag("--gpu-hours", "budget.gpu_hours", "GPU time [GPU-hours], e.g. 737280", quantity, "H"),
    Flag("--gpu-count", "budget.gpu_count", "GPUs, with --hours, e.g. 1024", int, "N"),
    Flag("--hours", "budget.hours", "wall-clock time [h], with --gpu-count, e.g. 720", quantity),
    Flag(
        "--dollars", "budget.dollars", "money [$], e.g. 2M (needs --price-per-gpu-hour)", quantity
    ),
    Flag("--gpu", "budget.gpu", "device id or alias (see `planner hardware`), e.g. h100"),
    Flag("--mfu", "budget.mfu", "model FLOPs utilisation, e.g. 0.4 or 40%", percent_or_fraction),
    Flag(
        "--loss-tolerance",
        "budget.loss_tolerance",
        "relative loss within which a flat "
        "optimum stops spending, e.g. 0.001 (default); 0 spends everything",
        quantity,
    ),
    Flag("--price-per-gpu-hour", "budget.price_per_gpu_hour", "[$/GPU-hour], e.g. 2.5", quantity),
    Flag("--number-format", "budget.number_format", "format the MFU applies to (default bf16)"),
)
TARGET = (
    Flag(
        "--target-loss",
        "target.loss",
        "least budget reaching this loss [nats/token], e.g. 2.1",
        quantity,
    ),
    Flag(
        "--target-downstream-error",
        "target.downstream_error",
        "least budget reaching this downstream error (fraction), e.g. 0.45",
        quantity,
    ),
)
LAWS = (
    Flag(
        "--loss-law",
        "laws.loss",
        "loss law ID or ID@SET (default besiroglu2024), e.g. hoffmann2022@eq10",
    ),
    Flag(
        "--allocation-law",
        "laws.allocation",
        "published allocation N_opt(C) instead of a loss law, e.g. deepseek2024",
    ),
    Flag("--hyperparams-law", "laws.hyperparams", "LR/batch law, e.g. deepseek2024"),
    Flag("--vocabulary-law", "laws.vocabulary", "vocabulary law, e.g. tao2024@isoflop"),
)
CONSTRAINTS = (
    Flag("--max-params", "constraints.max_params", "parameter cap, e.g. 70B", quantity),
    Flag("--min-params", "constraints.min_params", "parameter floor, e.g. 1B", quantity),
    Flag("--max-tokens", "constraints.max_tokens", "training-token cap, e.g. 15T", quantity),
    Flag("--min-tokens", "constraints.min_tokens", "training-token floor, e.g. 1T", quantity),
    Flag("--max-tokens-per-param", "constraints.max_tokens_per_param", "e.g. 200", quantity),
    Flag("--min-tokens-per-param", "constraints.min_tokens_per_param", "e.g. 20", quantity),
    Flag(
        "--stay-in-fitted-range",
        "constraints.stay_in_fitted_range",
        "never extrapolate the laws (may make the request infeasible)",
        store_true=True,
    ),
)
SEVERITY = Flag(
    "--min-severity",
    "min_severity",
    "leave out warnings below this severity (default: print critical and warning ones, count "
    "the info notes)",
    choices=("info", "warning", "critical"),
)
DETAIL = Flag(
    "--detail",
    "detail",
    "what --json prints: full (default), a whole plan per row; or summary, the CSV's table as "
    "typed JSON (columns, rows); the CSV output is the same either way",
    choices=("full", "summary"),
)
ARCHITECTURE = (
    Flag("--context-length", "context_length", "training sequence length [tokens], e.g. 4096", int),
    Flag(
        "--vocab-size",
        "architecture.vocab_size",
        "fix the vocabulary, e.g. 128000 (default: the vocabulary law's choice)",
        int,
    ),
    Flag(
        "--gated-mlp",
        "architecture.gated_mlp",
        "SwiGLU-style MLP (d_ff = 8/3 d_model)",
        store_true=True,
    ),
    Flag(
        "--grouped-query",
        "architecture.grouped_query",
        "grouped-query attention (n_kv_heads = n_heads / 8)",
        store_true=True,
    ),
    Flag(
        "--tensor-parallel",
        "architecture.tensor_parallel",
        "heads, kv-heads and d_ff divisible by this many GPUs, e.g. 8 (default 1)",
        int,
    ),
    Flag(
        "--untied-embeddings",
        "architecture.tied_embeddings",
        "separate input and output embeddings",
        store_true=True,
        value=False,
    ),
)
DATA = (
    Flag(
        "--unique-tokens",
        "data.unique_tokens",
        "unique training tokens available; data is repeated as needed, e.g. 500B",
        quantity,
    ),
    Flag(
        "--source",
        "data.sources",
        "a data source NAME=UNIQUE_TOKENS[:QUALITY], repeatable, "
        "e.g. --source web=800B --source code=60B:1.5",
        metavar="NAME=TOKENS[:QUALITY]",
    ),
)
PRECISION = (
    Flag("--training-format", "precision.training", "training number format or 'auto', e.g. fp8"),
    Flag("--serving-format", "precision.serving", "serving weight format or 'auto', e.g. int4"),
    Flag(
        "--serving-memory",
        "precision.serving_memory_bytes",
        "serving weight-memory limit [bytes], e.g. 80G",
        quantity,
    ),
)
SERVING = (
    Flag("--serve-on", "inference.device", "serving device id or alias, e.g. h100"),
    Flag("--serve-devices", "inference.device_count", "devices per replica, e.g. 8", int),
    Flag("--serve-format", "inference.serving_format", "weight format served (default bf16)"),
    Flag("--serve-batch", "inference.batch_size", "sequences decoded together, e.g. 16", int),
    Flag("--prompt-tokens", "inference.prompt_tokens", "prompt length [tokens], e.g. 512", int),
    Flag(
        "--output-tokens", "inference.output_tokens", "generated tokens per request, e.g. 256", int
    ),
    Flag(
        "--max-decode-latency-ms",
        "inference.max_decode_latency_ms",
        "decode time per token at the longest context [ms], e.g. 4",
        quantity,
    ),
    Flag(
        "--max-ttft-ms",
        "inference.max_time_to_first_token_ms",
        "time to first token [ms], e.g. 200",
        quantity,
    ),
    Flag(
        "--max-memory-per-device",
        "inference.max_memory_bytes_per_device",
        "serving memory per device [bytes], e.g. 80G",
        quantity,
    ),
    Flag(
        "--min-tokens-per-second",
        "inference.min_tokens_per_second",
        "decode throughput per replica [tokens/s], e.g. 1000",
        quantity,
    ),
    Flag(
        "--parallel-streams",
        "inference.parallel_streams",
        "ParScale streams: 1, 2, 4, 8 or auto, e.g. auto",
        streams,
    ),
    Flag(
        "--lifetime-tokens",
        "inference.lifetime_tokens",
        "tokens served over the model's life, e.g. 2T",
        quantity,
    ),
)


PREDICT = (
    Flag("--params", "params", "parameters, e.g. 70B", quantity),
    Flag("--tokens", "tokens", "training tokens, e.g. 1.4T", quantity),
)
VOCABULARY = (
    Flag(
        "--params-non-vocabulary",
        "params_non_vocabulary",
        "N_nv: parameters but embeddings, e.g. 7B",
        quantity,
    ),
    Flag("--tokens", "tokens", "fixed training tokens, e.g. 1T", quantity),
    Flag("--flops", "flops", "or a FLOPs budget, e.g. 7.1e21", quantity),
    Flag("--d-model", "d_model", "model width (default: the authors' map)", int),
    Flag("--law", "law", "tao2024@parametric|isoflop|derivative"),
)
CONTINUAL = (
    Flag("--params", "params", "model parameters, e.g. 1.8B", quantity),
    Flag("--tokens", "tokens", "continual pre-training tokens, e.g. 10B", quantity),
    Flag("--domain-weight", "domain_weight", "weight of the domain loss, 0-1", float),
)
LOSS_CURVE = (
    Flag("--law", "law", "tissue2024 (fit) or luo2025@SET (pre-fitted)"),
    Flag(
        "--schedule",
        "predict.schedule.kind",
        "schedule to predict",
        choices=("constant", "cosine", "wsd"),
    ),
    Flag("--total-steps", "predict.schedule.total_steps", "updates of the schedule", int),
    Flag("--peak-lr", "predict.schedule.peak_lr", "peak learning rate, e.g. 3e-4", float),
    Flag("--warmup-steps", "predict.schedule.warmup_steps", "warm-up updates", int),
    Flag(
        "--final-lr-fraction",
        "predict.schedule.final_lr_fraction",
        "final LR / peak LR, e.g. 0.1",
        float,
    ),
    Flag(
        "--cooldown-fraction",
        "predict.schedule.cooldown_fraction",
        "wsd: share of steps decaying",
        float,
    ),
)
FIT = (
    Flag(
        "--form",
        "form",
        "chinchilla (default): E + A/N^alpha + B/D^beta; gadre2024: over-training form",
        choices=("chinchilla", "gadre2024"),
    ),
    Flag(
        "--params-definition",
        "params_definition",
        "what the params column counts (default n_params_total)",
        choices=("n_params_total", "n_params_non_embedding"),
    ),
    Flag("--loss-name", "loss_name", "what the loss is measured on, e.g. c4_en"),
    Flag(
        "--early-fraction",
        "early_fraction",
        "share of each run's tokens whose checkpoints are dropped, e.g. 0.1 (default)",
        float,
    ),
    Flag("--bootstrap", "bootstrap.samples", "resamples, e.g. 200 (default)", int, "N"),
    Flag("--seed", "bootstrap.seed", "bootstrap seed, e.g. 0 (default)", int),
)


def add_flags(
    group: argparse._ArgumentGroup | argparse.ArgumentParser, flags: Iterable[Flag]
) -> None:
    for flag in flags:
        text = flag.help.replace("%", "%%")  # argparse formats help with %
        if flag.store_true:
            group.add_argument(flag.name, action="store_true", help=text)
        elif flag.path == "data.sources":
            group.add_argument(flag.name, action="append", help=text, metavar=flag.metavar)
        else:
            group.add_argument(
                flag.name,
                type=flag.type or str,
                help=text,
                metavar=flag.metavar,
                choices=flag.choices,
            )


def _source(text: str) -> dict[str, Any]:
    name, sep, rest = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--source {text!r}: expected NAME=TOKENS[:QUALITY]")
    tokens, _, quality = rest.partition(":")
    source: dict[str, Any] = {"name": name, "unique_tokens": quantity(tokens)}
    if quality:
        source["quality"] = quantity(quality)
    return source


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = body
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def body_from(
    args: argparse.Namespace, flags: Iterable[Flag], base: dict[str, Any]
) -> dict[str, Any]:
    """``base`` (e.g. a ``--request`` file) with every flag the user gave set on top."""
    body = base
    for flag in flags:
        value = getattr(args, flag.dest, None)
        if value is None or value is False:
            continue
        if flag.store_true:
            value = flag.value
        elif flag.path == "data.sources":
            value = [_source(text) for text in value]
        _set(body, flag.path, value)
    return body


def typed(args: argparse.Namespace, flags: Iterable[Flag]) -> list[Flag]:
    """The flags the user gave on this command line."""
    return [f for f in flags if getattr(args, f.dest, None) not in (None, False)]


def flag_for_field(
    field: str | None, flags: Sequence[Flag], given: Sequence[Flag] = ()
) -> str | None:
    """The flag behind a request field the service named: ``budget.flops`` -> ``--flops``; a
    whole section (``budget``) -> the flags of it the user typed (or all of them)."""
    if not field:
        return None
    exact = [f for f in flags if f.path == field or field.startswith((f.path + ".", f.path + "["))]
    if exact:
        return next((f.name for f in exact if f in given), exact[0].name)
    under = [f for f in flags if f.path.startswith(field + ".")]
    mine = [f.name for f in under if f in given] or [f.name for f in under]
    return "/".join(mine) or None


def in_flag_words(text: str, flags: Sequence[Flag]) -> str:
    """``text`` with request field paths replaced by the flags that set them."""
    for flag in sorted(flags, key=lambda f: -len(f.path)):
        if "." in flag.path:
            text = re.sub(rf"(?<![\w.]){re.escape(flag.path)}(?![\w.])", flag.name, text)
    return text
