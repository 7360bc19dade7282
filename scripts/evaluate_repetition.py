"""Score the data-constrained law against Muennighoff et al.'s measured runs.

Usage: ``.venv/bin/python scripts/evaluate_repetition.py [path/to/datablations_runs.csv]``
(default: ``muennighoff2023/`` in ``$PLANNER_SHARED_DATA``, else in the nearest ``shared/data``
of a directory above the repository).
Compares ``data/muennighoff2023`` with plain single-epoch Chinchilla on the same constants
(repetition ignored), overall and by epoch bucket, after dropping diverged runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from laws_catalog.data.measured import (
    DIVERGED_LOSS,
    compare_with_single_epoch,
    drop_diverged,
    find_shared_data,
    read_runs,
)

_RELATIVE = Path("muennighoff2023") / "datablations_runs.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=None)
    parser.add_argument("--constant-set", default=None, help="repetition law constant set")
    args = parser.parse_args(argv)
    path = args.csv or find_shared_data(Path(__file__).parent, _RELATIVE)
    if path is None:
        print(f"{_RELATIVE} not found: pass its path or set PLANNER_SHARED_DATA", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    kept, dropped = drop_diverged(read_runs(path))
    print(f"{path}: {len(kept) + len(dropped)} runs, {len(dropped)} dropped as diverged")
    print(f"  (loss >= {DIVERGED_LOSS:.2f} nats or not finite: ", end="")
    print(", ".join(f"{r.name} {r.loss:.2f}" for r in dropped) + ")")
    columns = ("mean |rel err|", "RMSE [nats]", "mean rel bias", "R^2")
    print()
    print(f"{'runs':<15}{'n':>5}" + "".join(f"{c:>20}" for c in columns))
    print(f"{'':<20}" + f"{'law':>10}{'plain':>10}" * len(columns))
    for row in compare_with_single_epoch(kept, constant_set=args.constant_set):
        a, b = row.law, row.single_epoch
        print(
            f"{row.label:<15}{a.n:>5}"
            f"{a.mean_abs_rel_error:>10.2%}{b.mean_abs_rel_error:>10.2%}"
            f"{a.rmse:>10.4f}{b.rmse:>10.4f}"
            f"{a.mean_rel_bias:>+10.2%}{b.mean_rel_bias:>+10.2%}"
            f"{a.r2:>10.3f}{b.r2:>10.3f}"
        )
    print("\nlaw = data/muennighoff2023 (R_D*, R_N* decay); plain = same constants, D' = D, N' = N")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
