"""Synthetic ladders of runs from known constants, with multiplicative log-normal noise."""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.schemas.fit import FitRequest

__all__ = ["TRUTH", "ladder", "request"]

# a Chinchilla-like law (between Hoffmann et al.'s and Besiroglu et al.'s constants)
TRUTH = {"E": 1.8, "A": 400.0, "B": 1500.0, "alpha": 0.33, "beta": 0.35}
SIZES = (5e7, 1e8, 2e8, 4e8, 8e8)
MULTIPLES = (5, 10, 20, 40, 80)


def ladder(
    seed: int,
    *,
    sizes: tuple[float, ...] = SIZES,
    multiples: tuple[float, ...] = MULTIPLES,
    noise: float = 0.005,
    truth: dict[str, float] = TRUTH,
) -> list[dict[str, Any]]:
    """One final point per (size, multiple), loss * exp(N(0, noise))."""
    rng = np.random.default_rng(seed)
    runs = []
    for n in sizes:
        for m in multiples:
            d = n * m
            clean = (
                truth["E"] + truth["A"] * n ** -truth["alpha"] + truth["B"] * d ** -truth["beta"]
            )
            runs.append(
                {"params": n, "tokens": d, "loss": float(clean * np.exp(rng.normal(0, noise)))}
            )
    return runs


def request(runs: list[dict[str, Any]], samples: int = 0, **extra: Any) -> FitRequest:
    return FitRequest.model_validate({"runs": runs, "bootstrap": {"samples": samples}, **extra})
