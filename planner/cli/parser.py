"""The ``planner`` command's arguments (standard library only, so ``--help`` is instant)."""

from __future__ import annotations

import argparse

from .exit_codes import EXIT_CODES_HELP
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
    add_flags,
    quantity,
)

__all__ = ["build_parser"]

DESCRIPTION = """\
What to train with a compute budget, from published scaling laws, traced to their papers.
Every question is answered locally (the same code as the service) or, with --remote URL, by a
running service. `planner plan --json` prints exactly the body POST /v1/plan returns."""

PLAN_EXAMPLES = """\
examples:
  planner plan --flops 1e24
  planner plan --gpu h100 --gpu-count 1024 --hours 720 --mfu 40% --max-params 70B
  planner plan --dollars 2M --gpu h100 --price-per-gpu-hour 2.5 --mfu 0.4
  planner plan --target-loss 2.1 --loss-law hoffmann2022@eq10
  planner plan --flops 1e24 --serve-on h100 --max-decode-latency-ms 4 --parallel-streams auto
  planner plan --flops 1e23 --source web=800B --source code=60B:1.5
  planner plan --request question.json --remote http://planner.internal:8000"""


def _common(parser: argparse.ArgumentParser, *, request: bool = True) -> None:
    group = parser.add_argument_group("where and how")
    group.add_argument(
        "--remote",
        metavar="URL",
        help="ask a running service instead of solving here, e.g. http://127.0.0.1:8000 "
        "(default: $PLANNER_REMOTE if set)",
    )
    group.add_argument(
        "--api-key", metavar="KEY", help="bearer key for --remote (default: $PLANNER_API_KEY)"
    )
    group.add_argument("--json", action="store_true", help="print the service's JSON body")
    if request:
        group.add_argument(
            "--request",
            metavar="FILE",
            help="a JSON request body, e.g. question.json ('-' reads standard input); flags given "
            "too override its fields",
        )


def _plan_flags(parser: argparse.ArgumentParser) -> None:
    add_flags(parser.add_argument_group("budget (exactly one amount)"), BUDGET)
    add_flags(parser.add_argument_group("target (instead of a budget amount)"), TARGET)
    laws = parser.add_argument_group("laws")
    add_flags(laws, LAWS)
    laws.add_argument(
        "--loss-law-file",
        metavar="FILE",
        help="a loss law fitted to your runs, e.g. law.json (written by planner fit --law-out)",
    )
    add_flags(parser.add_argument_group("limits"), CONSTRAINTS)
    add_flags(parser.add_argument_group("architecture"), ARCHITECTURE)
    parser.add_argument_group("intervals").add_argument(
        "--uncertainty",
        type=float,
        nargs="?",
        const=0.9,
        metavar="LEVEL",
        help="intervals from re-planning over the law's constant samples, e.g. 0.9 (default)",
    )
    add_flags(parser.add_argument_group("unique data"), DATA)
    add_flags(parser.add_argument_group("number formats"), PRECISION)
    add_flags(parser.add_argument_group("serving (the request's inference section)"), SERVING)


def _sweep_range(parser: argparse.ArgumentParser, *, required: bool) -> None:
    group = parser.add_argument_group("budgets (log-spaced)")
    group.add_argument("--start", type=quantity, required=required, help="first budget, e.g. 1e20")
    group.add_argument("--stop", type=quantity, required=required, help="last budget, e.g. 1e24")
    group.add_argument("--num", type=int, default=9, help="number of budgets (default 9)")
    group.add_argument(
        "--quantity",
        choices=("flops", "gpu_hours", "dollars"),
        default="flops",
        help="what --start/--stop measure (default flops; others need --gpu and --mfu)",
    )


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="planner", description=DESCRIPTION, epilog=EXIT_CODES_HELP, formatter_class=formatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = sub.add_parser(
        "plan",
        help="what to train for a budget (or the least budget for a target loss)",
        description="What to train for a budget, or the least budget reaching a target.",
        epilog=PLAN_EXAMPLES,
        formatter_class=formatter,
    )
    _plan_flags(plan)
    shown = plan.add_argument_group("output")
    add_flags(shown, (SEVERITY,))
    shown.add_argument("-v", "--verbose", action="store_true", help="print every warning")
    _common(plan)

    predict = sub.add_parser("predict", help="loss of a given model size and token count")
    add_flags(predict, (*PREDICT, LAWS[0], SEVERITY))
    _common(predict)

    sweep = sub.add_parser(
        "sweep",
        help="plans for log-spaced budgets (CSV for spreadsheets)",
        epilog="example:\n  planner sweep --start 1e20 --stop 1e24 --num 9 --max-params 70B",
        formatter_class=formatter,
    )
    _sweep_range(sweep, required=False)
    add_flags(sweep.add_argument_group("hardware (prices GPU-hour and dollar budgets)"), BUDGET[5:])
    add_flags(sweep.add_argument_group("laws"), LAWS)
    add_flags(sweep.add_argument_group("limits"), CONSTRAINTS)
    add_flags(sweep, (SEVERITY, DETAIL))
    sweep.add_argument(
        "--uncertainty",
        type=float,
        nargs="?",
        const=0.9,
        metavar="LEVEL",
        help="intervals on every row: *_low and *_high columns, e.g. 0.9 (default)",
    )
    sweep.add_argument(
        "--progress",
        action="store_true",
        help="a progress bar on stderr; with --remote the sweep runs as a background job",
    )
    _common(sweep)

    vocab = sub.add_parser("vocabulary", help="best vocabulary size of a model (Tao et al.)")
    add_flags(vocab, VOCABULARY)
    _common(vocab)

    mixture = sub.add_parser("mixture", help="fit the data-mixing law to your runs; best mix")
    mixture.add_argument(
        "--runs",
        metavar="CSV",
        help="one run per row: columns mix.<domain> (shares summing to 1) and loss.<target>",
    )
    mixture.add_argument(
        "--target-weight", action="append", metavar="NAME=W", help="weight of a target's loss"
    )
    mixture.add_argument("--lower", action="append", metavar="NAME=SHARE", help="min share")
    mixture.add_argument("--upper", action="append", metavar="NAME=SHARE", help="max share")
    mixture.add_argument(
        "--stay-in-seen-region", action="store_true", help="only blends of the measured runs"
    )
    _common(mixture)

    cpt = sub.add_parser(
        "continual-pretraining", help="fit the D-CPT law; best domain ratio for (N, D)"
    )
    cpt.add_argument(
        "--runs",
        metavar="CSV",
        help="columns params,tokens,domain_ratio,domain_loss,general_loss",
    )
    add_flags(cpt, CONTINUAL)
    _common(cpt)

    curve = sub.add_parser(
        "loss-curve",
        help="fit the LR-annealing law to your curves; predict a schedule's loss curve",
        epilog='curves to fit come in a --request file ({"curves": [...]}, see the API docs)',
    )
    add_flags(curve, LOSS_CURVE)
    _common(curve)

    fit = sub.add_parser(
        "fit",
        help="fit a loss law to your own runs (CSV: params,tokens,loss[,run])",
        epilog="example:\n  planner fit runs.csv --loss-name c4_en --law-out law.json\n"
        "  planner plan --flops 1e22 --loss-law-file law.json --uncertainty",
        formatter_class=formatter,
    )
    fit.add_argument("runs", metavar="CSV", help="runs file, e.g. runs.csv ('-' reads stdin)")
    add_flags(fit, FIT)
    fit.add_argument(
        "--law-out", metavar="FILE", help="write the fitted law, e.g. law.json, for --loss-law-file"
    )
    _common(fit, request=False)

    plot = sub.add_parser(
        "plot",
        help="draw the plan on its law's frontier (or a sweep) as SVG or PNG",
        epilog="examples:\n  planner plot --flops 1e24 -o frontier.png\n"
        "  planner plot sweep --start 1e20 --stop 1e24 -o sweep.svg",
        formatter_class=formatter,
    )
    plot.add_argument(
        "what", nargs="?", choices=("frontier", "sweep"), default="frontier", help="which picture"
    )
    plot.add_argument("-o", "--output", required=True, metavar="FILE", help="e.g. frontier.png")
    plot.add_argument("--format", choices=("svg", "png"), help="default: from the file name")
    _sweep_range(plot, required=False)
    _plan_flags(plot)
    _common(plot)

    laws = sub.add_parser("laws", help="list the catalogue, or show one paper's laws")
    laws.add_argument("law_id", nargs="?", help="e.g. hoffmann2022")
    _common(laws, request=False)
    hardware = sub.add_parser("hardware", help="list accelerators, or show one")
    hardware.add_argument("device_id", nargs="?", help="e.g. h100")
    _common(hardware, request=False)
    glossary = sub.add_parser("glossary", help="quantity names, units and conventions")
    _common(glossary, request=False)

    job = sub.add_parser("job", help="status of a background job (with --remote); --wait for it")
    job.add_argument("job_id", help="the id POST /v1/jobs returned")
    job.add_argument("--wait", action="store_true", help="poll with a progress bar until it ends")
    _common(job, request=False)

    sub.add_parser("worker", help="run queued jobs from the shared Redis (planner worker --help)")

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    return parser
