"""Hyperparameter laws: peak learning rate and batch size (in tokens) of a planned run.

Importing this package registers every module's law. Call any of them the same way:

>>> from laws_catalog import CATALOG
>>> from laws_catalog.hyperparams import HyperparamLaw, TrainingPoint, advise
>>> point = TrainingPoint(n_params_non_embedding=1e9, n_params_total=1.1e9, n_tokens=1e11,
...                       flops=6e20, loss=2.9, model_flops_per_token=7.3e9,
...                       context_length=2048)
>>> law = CATALOG.resolve("hyperparams", "steplaw2025", HyperparamLaw).law
>>> round(advise(law, point).batch_size_sequences(point.context_length))
541
"""

from . import (
    deepseek2024,
    kaplan2020,
    minicpm2024,
    steplaw2025,
)
from ._law import (
    Estimate,
    HyperparamAdvice,
    HyperparamLaw,
    HyperparamOutput,
    HyperparamTraits,
    MissingInput,
    PointInput,
    TrainingPoint,
    TrainingPoints,
    advise,
    advise_many,
    estimate_at,
    missing_inputs,
)

__all__ = [
    "Estimate",
    "HyperparamAdvice",
    "HyperparamLaw",
    "HyperparamOutput",
    "HyperparamTraits",
    "MissingInput",
    "PointInput",
    "TrainingPoint",
    "TrainingPoints",
    "advise",
    "advise_many",
    "deepseek2024",
    "kaplan2020",
    "minicpm2024",
    "estimate_at",
    "missing_inputs",
    "steplaw2025",
]
