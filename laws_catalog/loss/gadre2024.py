r"""Over-training law and loss-to-downstream-error law of Gadre et al. (2024).

Chinchilla form with tied exponents (alpha = beta = p), in the parametrisation of the
authors' code (scaling/laws.py ``powlaw_ours``), because Table 6 of the paper prints the
raw coefficients next to the wrong exponent (found by re-running the authors' fit):

.. math:: L(N, D) = E + a N^{-p} + b\,6^{-p/2} D^{-p}, \qquad
          \mathrm{Err}(L) = \epsilon - k\, e^{-\gamma L}

In the paper's (C, M) notation, with M = D/N and C = 6ND, this is Eq. 4 with
eta = p/2, a' = a 6^eta, b' = b.

>>> from laws_catalog.loss.gadre2024 import LAW
>>> round(LAW.loss(1.44e9, 640 * 1.44e9, "redpajama"), 3)
2.519
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, GoldenVector, Interval
from ..references import GADRE2024
from ._law import DownstreamErrorLaw, ParametricLossLaw
from ._posynomial import PosynomialLoss, PowerTerm

__all__ = ["LAW"]


def _form(values: Mapping[str, float]) -> PosynomialLoss:
    p = values["p"]
    return PosynomialLoss(
        offset=values["E"],
        terms=(
            PowerTerm(values["a"], -p, 0.0),
            PowerTerm(values["b"] * 6.0 ** (-p / 2.0), 0.0, -p),
        ),
    )


def _error(loss: float, values: Mapping[str, float]) -> float:
    return values["eps"] - values["k"] * math.exp(-values["gamma"] * loss)


def _loss_for_error(error: float, values: Mapping[str, float]) -> float:
    """Inverse of Eq. 5; requires eps - k < error < eps."""
    gap = values["eps"] - error
    if not 0 < gap < values["k"]:
        raise ValueError(
            f"downstream error must lie in ({values['eps'] - values['k']:.4f}, "
            f"{values['eps']:.4f}) for this constant set"
        )
    return -math.log(gap / values["k"]) / values["gamma"]


_LOSS_SOURCE = (
    "re-run of the authors' fit_ds on the Table 1 fitting set (C4-eval loss): authors' "
    "repository mlfoundations/scaling, scaling/shared.py and scaling/laws.py (powlaw_ours) @ "
    "a003c4913793ac2ae7ef87b28ecb562955d026d5"
)
_TASKS17 = "17-task average top-1 error (LLM-Foundry subset)"
_TASKS46 = "46-task average top-1 error (LLM-Foundry)"


def _set(
    name: str, train: str, loss: dict[str, float], err: dict[str, float], suite: str
) -> ConstantSet:
    return ConstantSet(
        name=name,
        values={**loss, **err},
        source=f"trained on {train}; loss constants: {_LOSS_SOURCE}; error-law constants: "
        f"re-run fit, {suite}",
        evidence=Evidence.VERIFIED,
        note="Re-run of the authors' code on their released data (the repository's exp_data).",
    )


_C4 = {"E": 1.5083, "p": 0.2425, "a": 113.69, "b": 189.52}
_RPJ = {"E": 1.8366, "p": 0.2729, "a": 166.21, "b": 366.69}
_RW = {"E": 1.7345, "p": 0.2544, "a": 125.10, "b": 246.21}

_SETS = (
    _set("c4", "C4", _C4, {"eps": 0.8497, "k": 2.0789, "gamma": 0.7561}, _TASKS17),
    _set("redpajama", "RedPajama", _RPJ, {"eps": 0.8570, "k": 2.2065, "gamma": 0.7146}, _TASKS17),
    _set("refinedweb", "RefinedWeb", _RW, {"eps": 0.8653, "k": 2.2148, "gamma": 0.7070}, _TASKS17),
    _set("c4_46tasks", "C4", _C4, {"eps": 0.7589, "k": 1.2885, "gamma": 0.9722}, _TASKS46),
    _set(
        "redpajama_46tasks",
        "RedPajama",
        _RPJ,
        {"eps": 0.7608, "k": 1.3229, "gamma": 0.8907},
        _TASKS46,
    ),
    _set(
        "refinedweb_46tasks",
        "RefinedWeb",
        _RW,
        {"eps": 0.7677, "k": 1.1281, "gamma": 0.8215},
        _TASKS46,
    ),
)

LAW = CATALOG.register(
    ParametricLossLaw(
        id="gadre2024",
        title="Over-training law L(N, D) (tied exponents) and loss-to-downstream-error law",
        reference=GADRE2024,
        equations=(
            "L(N, D) = E + a N^-p + b 6^(-p/2) D^-p  (code form of Eq. 4; Table 6 misprinted)",
            "Err(L) = eps - k exp(-gamma L)  (Eq. 5)",
            "M* = D/N at the compute optimum = (b' / a')^(1/(2 eta)), eta = p/2  (Eq. 10)",
        ),
        quantities={
            "N": "n_params_total",
            "D": "n_tokens",
            "M": "tokens_per_param",
            "C": "flops",
            "L": "loss_nats_per_token",
            "Err": "downstream_error",
        },
        params_quantity="n_params_total",
        evaluation="C4 validation loss (~174M tokens), GPT-NeoX-20B tokenizer; the constant set "
        "names the training set",
        validity={
            "n_params_total": Interval(
                lower=1.06e7,
                upper=6.89e9,
                source="testbed of 104 models (fit on 0.011B-0.411B, validated up to 6.9B)",
            ),
            "tokens_per_param": Interval(
                lower=5, upper=640, source="token multipliers M = 5..640 of the testbed"
            ),
        },
        constant_sets=_SETS,
        default_constant_set="c4",
        build=_form,
        downstream=DownstreamErrorLaw(
            suite="average top-1 error; the constant set says 17 or 46 tasks",
            equation="Err(L) = eps - k exp(-gamma L)",
            error=_error,
            loss_for_error=_loss_for_error,
        ),
        golden=(
            GoldenVector(
                check="loss",
                constant_set="redpajama",
                inputs={"n_params": 1.44e9, "tokens_per_param": 640},
                expected={"loss": 2.5198},
                rtol=4e-3,
                why_tolerance="our constants keep 4-5 significant figures of the re-run (which had "
                "full precision); +-0.01 allowed",
                source="re-run of fit_ds, authors' repository mlfoundations/scaling, "
                "scaling/shared.py @ a003c4913793ac2ae7ef87b28ecb562955d026d5; measured 2.5021 in "
                "exp_data/models/rpj-open_lm_1b-32.0.json (relative error 0.7%, as the paper "
                "reports)",
                evidence=Evidence.VERIFIED,
            ),
            GoldenVector(
                check="loss",
                constant_set="redpajama",
                inputs={"n_params": 6.889e9, "tokens_per_param": 20},
                expected={"loss": 2.4427, "downstream_error": 0.4719},
                rtol=4e-3,
                why_tolerance="4-5 significant figure constants; +-0.01 (loss) and +-0.005 "
                "(error) allowed",
                source="re-run of fit_ds, authors' repository mlfoundations/scaling, "
                "scaling/shared.py @ a003c4913793ac2ae7ef87b28ecb562955d026d5; measured run "
                "exp_data/models/rpj-open_lm_7b-1.0.json",
                evidence=Evidence.VERIFIED,
            ),
            GoldenVector(
                check="optimum",
                constant_set="c4",
                inputs={"flops": 1e21},
                expected={"tokens_per_param": 3.36},
                rtol=5e-3,
                why_tolerance="quoted to 3 significant figures",
                source="Gadre et al. 2024 Eq. 10 M* = (b/a)^(1/(2 eta)) with the code-form C4 "
                "constants (arithmetic); the paper's Table 6 prints 2.87 from the misprinted "
                "parametrisation",
                evidence=Evidence.DERIVED,
            ),
            GoldenVector(
                check="optimum",
                constant_set="redpajama",
                inputs={"flops": 1e21},
                expected={"tokens_per_param": 7.42},
                rtol=5e-3,
                why_tolerance="quoted to 3 significant figures",
                source="Gadre et al. 2024 Eq. 10 M* with the code-form RedPajama constants "
                "(arithmetic); Table 6 prints 4.30",
                evidence=Evidence.DERIVED,
            ),
            GoldenVector(
                check="optimum",
                constant_set="refinedweb",
                inputs={"flops": 1e21},
                expected={"tokens_per_param": 5.85},
                rtol=5e-3,
                why_tolerance="quoted to 3 significant figures",
                source="Gadre et al. 2024 Eq. 10 M* with the code-form RefinedWeb constants "
                "(arithmetic); Table 6 prints 3.79",
                evidence=Evidence.DERIVED,
            ),
        ),
        notes=(
            "Table 6 of the paper is inconsistent with the authors' code: read literally it "
            "predicts ~1.51 for every model. The code parametrisation is used here; the "
            "printed optimal multipliers M* (2.87 / 4.30 / 3.79) follow from the misprint, "
            "the corrected ones are 3.36 / 7.42 / 5.85.",
            "Whether the arXiv camera-ready fixed Table 6 is unknown.",
        ),
    )
)
