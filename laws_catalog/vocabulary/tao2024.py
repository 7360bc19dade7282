r"""Tao et al. (2024): the compute-optimal vocabulary size, by three approaches.

Counting (the authors' code, used by every function here):

* ``N_nv``: non-vocabulary parameters, everything except the input embedding *and* the output
  head (the repository derives it as N_total - 2 V d of untied LLaMA-style models).
* ``N_v = V d``: one vocabulary matrix, counted once whether or not the embeddings are tied;
  the output head's matrix multiply carries the FLOPs, the input lookup costs none.
* Data in characters H; tokens D = H f(V), with f(V) tokens per character.
* Training compute C = 6 (N_nv + V d) D = 6 (N_nv + V d) H f(V) [FLOPs].

Approaches (constant sets): ``isoflop`` (Approach 1, N_v = k C^e from IsoFLOP frontiers),
``derivative`` (Approach 2, N_v of a 33M anchor scaled as N_nv^gamma, compute-optimal data
assumed) and ``parametric`` (Approach 3, the default: the root of dL_u/dV = 0 of a fitted loss
L_u(N_nv, N_v, D); the only one that follows the data when a model is under- or over-trained).
The ``*_paper`` sets hold the paper's rounded constants. Predictions depend on the width d
(V = N_v / d); without one, the repository's width map :func:`width_for_non_vocab_params` is
used. Every approach shares the tokenizer fit f(V) and the Approach-1 budget of a model
(the law's auxiliary constants).

>>> from laws_catalog.vocabulary import advise
>>> from laws_catalog.vocabulary.tao2024 import LAW
>>> f"{LAW.call('compute_optimal_flops', 'isoflop', n_params_non_vocabulary=7e9):.3g}"
'7.05e+21'
>>> [round(advise(LAW, 7e9, constant_set=a).vocab_size) for a in APPROACHES]
[62281, 67450, 59548]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from scipy.optimize import brentq

from .._registry import CATALOG
from .._types import Interval
from ..law import golden_vectors
from ..references import TAO2024
from ._law import VocabularyAdvice, VocabularyLaw, VocabularyTraits
from ._tao2024_constants import (
    APPROACHES,
    DEFAULT_BUDGET,
    SETS,
    TOKENIZATION,
    WIDTH_BEYOND,
    WIDTH_MAP,
)

__all__ = [
    "APPROACHES",
    "LAW",
    "WIDTH_BEYOND",
    "WIDTH_MAP",
    "compute_optimal_allocation",
    "compute_optimal_flops",
    "compute_optimal_non_vocab_params",
    "derivative_vocab_params",
    "flops_minimising_vocab_size",
    "isoflop_vocab_params",
    "optimum_at_budget",
    "optimum_for_tokens",
    "parametric_vocab_size",
    "tokens_per_character",
    "training_flops",
    "width_for_non_vocab_params",
]


def _approach(constants: Mapping[str, float]) -> str:
    """The approach a constant set belongs to, told by the constants it holds."""
    if "nv_log_coef" in constants:
        return "isoflop"
    if "gamma" in constants:
        return "derivative"
    if "A2" in constants:
        return "parametric"
    raise ValueError(f"no approach of tao2024 takes the constants {sorted(constants)}")


def _require_positive(**values: float | None) -> None:
    for name, value in values.items():
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")


def _increasing_root(fn: Callable[[float], float], lo: float, hi: float, what: str) -> float:
    """Root of an increasing function on [lo, hi]; a clear error if it is not bracketed."""
    f_lo, f_hi = fn(lo), fn(hi)
    if not (f_lo < 0 < f_hi):
        raise ValueError(f"no {what} in the searched range (signs {f_lo:.3g}, {f_hi:.3g})")
    root: Any = brentq(fn, lo, hi, xtol=1e-13, rtol=1e-14, maxiter=500)
    return float(root)


def _newton_root(
    fn: Callable[[float], tuple[float, float]], lo: float, hi: float, what: str, start: float
) -> float:
    """Root of an increasing function (value, derivative) on [lo, hi] by bracketed Newton.

    The Approach-3 balance is smooth and strictly increasing in ln V, so Newton converges
    quadratically; a step leaving the bracket is replaced by bisection. Converged to ~1 ulp
    of ln V (brentq at its tightest tolerance needs ~3x the evaluations in scipy's wrapper).
    """
    f_lo, f_hi = fn(lo)[0], fn(hi)[0]
    if not (f_lo < 0 < f_hi):
        raise ValueError(f"no {what} in the searched range (signs {f_lo:.3g}, {f_hi:.3g})")
    x = start if lo < start < hi else 0.5 * (lo + hi)
    for _ in range(200):
        value, slope = fn(x)
        if value == 0.0:
            return x
        if value < 0:
            lo = x
        else:
            hi = x
        step = value / slope if slope > 0 else math.inf
        nxt = x - step
        if not lo < nxt < hi:
            nxt = 0.5 * (lo + hi)
        if abs(nxt - x) <= 4e-16 * max(1.0, abs(x)) or hi - lo <= 4e-16 * max(1.0, abs(x)):
            return nxt
        x = nxt
    return x


def tokens_per_character(
    vocab_size: float, *, a: float, b: float, c: float, vocab_cap: float
) -> float:
    """f(V) = a ln^2 V + b ln V + c [tokens/character] of a BPE vocabulary of ``vocab_size``
    entries, V capped at ``vocab_cap`` (Tao et al. 2024, SlimPajama fit of utils.py).

    >>> round(LAW.call("tokens_per_character", vocab_size=32_000), 4)
    0.2524
    """
    _require_positive(vocab_size=vocab_size)
    log_v = math.log(min(vocab_size, vocab_cap))
    return a * log_v**2 + b * log_v + c


def width_for_non_vocab_params(n_params_non_vocabulary: float) -> int:
    """The width d_model the authors assume for a model of ``n_params_non_vocabulary``
    parameters (their repository's table, utils.py Nnv_to_d).

    >>> width_for_non_vocab_params(7e9)
    4096
    """
    _require_positive(n_params_non_vocab=n_params_non_vocabulary)
    return next((d for upper, d in WIDTH_MAP if n_params_non_vocabulary <= upper), WIDTH_BEYOND)


def compute_optimal_flops(
    n_params_non_vocabulary: float, *, nnv_log_coef: float, nnv_exp: float
) -> float:
    """Approach 1 inverted: the budget C [FLOPs] of which N_nv = exp(nnv_log_coef) C^nnv_exp
    is the compute-optimal model (Tao et al. 2024)."""
    _require_positive(n_params_non_vocab=n_params_non_vocabulary)
    return float((n_params_non_vocabulary / math.exp(nnv_log_coef)) ** (1.0 / nnv_exp))


def compute_optimal_non_vocab_params(flops: float, *, nnv_log_coef: float, nnv_exp: float) -> float:
    """Approach 1: N_nv_opt = exp(nnv_log_coef) C^nnv_exp [parameters] at C = ``flops``."""
    _require_positive(flops=flops)
    return math.exp(nnv_log_coef) * float(flops**nnv_exp)


def training_flops(
    n_params_non_vocab: float, vocab_size: float, d_model: float, n_tokens: float
) -> float:
    """C = 6 (N_nv + V d) D [FLOPs]: the law's compute, vocabulary counted once."""
    return 6.0 * (n_params_non_vocab + vocab_size * d_model) * n_tokens


def isoflop_vocab_params(flops: float, *, nv_log_coef: float, nv_exp: float) -> float:
    """Approach 1: N_v = exp(nv_log_coef) C^nv_exp [parameters] at C = ``flops`` [FLOPs]."""
    return math.exp(nv_log_coef) * float(flops**nv_exp)


def derivative_vocab_params(
    n_params_non_vocabulary: float,
    *,
    anchor_vocab_params: float,
    anchor_non_vocab_params: float,
    gamma: float,
) -> float:
    """Approach 2: N_v = anchor_vocab_params (N_nv / anchor_non_vocab_params)^gamma
    [parameters]."""
    ratio = n_params_non_vocabulary / anchor_non_vocab_params
    return anchor_vocab_params * float(ratio**gamma)


def parametric_vocab_size(
    n_params_non_vocabulary: float,
    d_model: float,
    flops: float | None = None,
    n_tokens: float | None = None,
    *,
    A2: float,
    B: float,
    alpha2: float,
    beta: float,
    nnv_unit: float,
    d_unit: float,
    flops_unit: float,
    vocab_unit: float,
) -> float:
    """Approach 3: the V [entries] solving dL_u/dV = 0 at a fixed budget (``flops``) or at
    fixed tokens (``n_tokens``), L_u the fitted unigram-normalised loss.

    Solved as ln(data-term gain) = ln(vocabulary-term gain) in ln V, which is strictly
    increasing in ln V, so the root is unique.
    """
    return _parametric_root(
        n_params_non_vocabulary,
        d_model,
        flops,
        n_tokens,
        A2,
        B,
        alpha2,
        beta,
        nnv_unit,
        d_unit,
        flops_unit,
        vocab_unit,
    )


def _parametric_root(
    n_nv: float,
    d_model: float,
    flops: float | None,
    n_tokens: float | None,
    A2: float,
    B: float,
    a2: float,
    beta: float,
    nnv_unit: float,
    d_unit: float,
    flops_unit: float,
    vocab_unit: float,
) -> float:
    n = n_nv / nnv_unit
    d = d_model / d_unit
    log_vocab_gain = math.log(a2 * A2 * d)
    log_data_gain = math.log(beta * B * d)
    if flops is not None:
        f = flops / flops_unit
        # gain(V) = ln(data-term gain) with (beta - 1) ln(used), used = n + V d
        offset, used_slope = log_data_gain - beta * math.log(f / 6.0), beta - 1.0
    elif n_tokens is not None:
        u = n_tokens * nnv_unit / flops_unit  # tokens in fit units
        offset, used_slope = log_data_gain - beta * math.log(u), -1.0
    else:
        raise ValueError("give flops or n_tokens")
    offset -= log_vocab_gain - (a2 + 1.0) * math.log(d)

    def balance(log_v: float) -> tuple[float, float]:
        """ln(data gain) - ln(vocabulary gain) and its derivative in ln V."""
        vocab_width = math.exp(log_v) * d
        used = n + vocab_width
        value = offset + used_slope * math.log(used) + (a2 + 1.0) * log_v
        return value, used_slope * vocab_width / used + (a2 + 1.0)

    # start where the vocabulary is a negligible part of the parameters (used = n)
    start = -(offset + used_slope * math.log(n)) / (a2 + 1.0)
    log_v = _newton_root(balance, math.log(1e-6), math.log(1e7), "Approach-3 optimum", start)
    return math.exp(log_v) * vocab_unit


def _vocab_params_at_budget(
    n_nv: float, flops: float, d_model: float, constants: Mapping[str, float]
) -> tuple[float, str, tuple[str, ...]]:
    kind = _approach(constants)
    if kind == "isoflop":
        n_opt = compute_optimal_non_vocab_params(
            flops,
            nnv_log_coef=constants["budget_nnv_log_coef"],
            nnv_exp=constants["budget_nnv_exp"],
        )
        return (
            isoflop_vocab_params(
                flops, nv_log_coef=constants["nv_log_coef"], nv_exp=constants["nv_exp"]
            ),
            "Approach 1: N_v = exp(nv_log_coef) C^nv_exp",
            (
                f"Approach 1 reads only the budget and assumes a compute-optimal model for it "
                f"(N_nv_opt = {n_opt:.3g}; the given N_nv enters through d only)",
            ),
        )
    if kind == "derivative":
        return (
            _derivative(n_nv, constants),
            "Approach 2: N_v = anchor (N_nv / 33M)^gamma",
            ("Approach 2 assumes compute-optimal data; the budget does not change N_v",),
        )
    vocab = _parametric(n_nv, d_model, constants, flops=flops)
    return vocab * d_model, "Approach 3: dL_u/dV = 0 at the fixed budget", ()


def _derivative(n_nv: float, constants: Mapping[str, float]) -> float:
    return derivative_vocab_params(
        n_nv,
        anchor_vocab_params=constants["anchor_vocab_params"],
        anchor_non_vocab_params=constants["anchor_non_vocab_params"],
        gamma=constants["gamma"],
    )


def _parametric(
    n_nv: float,
    d_model: float,
    constants: Mapping[str, float],
    *,
    flops: float | None = None,
    n_tokens: float | None = None,
) -> float:
    c = constants
    return _parametric_root(
        n_nv,
        d_model,
        flops,
        n_tokens,
        c["A2"],
        c["B"],
        c["alpha2"],
        c["beta"],
        c["nnv_unit"],
        c["d_unit"],
        c["flops_unit"],
        c["vocab_unit"],
    )


def _vocab_params_for_tokens(
    n_nv: float, n_tokens: float, d_model: float, constants: Mapping[str, float]
) -> tuple[float, str, tuple[str, ...]]:
    kind = _approach(constants)
    if kind == "isoflop":
        nv_log_coef, nv_exp = constants["nv_log_coef"], constants["nv_exp"]

        def gap(log_nv: float) -> float:
            budget = training_flops(n_nv, math.exp(log_nv), 1.0, n_tokens)
            return log_nv - nv_log_coef - nv_exp * math.log(budget)

        log_nv = _increasing_root(gap, 0.0, math.log(1e18), "Approach-1 fixed point")
        return (
            math.exp(log_nv),
            "Approach 1 at the budget the tokens cost: N_v = k (6 (N_nv + N_v) D)^e",
            ("Approach 1 assumes a compute-optimal model for that budget",),
        )
    if kind == "derivative":
        return (
            _derivative(n_nv, constants),
            "Approach 2: N_v = anchor (N_nv / 33M)^gamma",
            ("Approach 2 assumes compute-optimal data; the token count does not change N_v",),
        )
    vocab = _parametric(n_nv, d_model, constants, n_tokens=n_tokens)
    return (
        vocab * d_model,
        "Approach 3: dL_u/dV = 0 on the IsoFLOP line through (N_nv, V, D), i.e. at the budget "
        "C = 6 (N_nv + V d) D the tokens cost",
        (),
    )


def _advice(
    n_nv: float,
    vocab_params: float,
    d_model: float,
    flops: float,
    n_tokens: float,
    constants: Mapping[str, float],
    method: str,
    notes: tuple[str, ...],
) -> VocabularyAdvice:
    vocab = vocab_params / d_model
    f = tokens_per_character(
        vocab,
        a=constants["a"],
        b=constants["b"],
        c=constants["c"],
        vocab_cap=constants["vocab_cap"],
    )
    return VocabularyAdvice(
        vocab_size=vocab,
        vocab_params=vocab_params,
        d_model=d_model,
        n_params_non_vocab=n_nv,
        flops=flops,
        n_tokens=n_tokens,
        n_characters=n_tokens / f,
        approach=_approach(constants),
        method=method,
        notes=notes,
    )


def _width(n_nv: float, d_model: float | None) -> tuple[float, tuple[str, ...]]:
    if d_model is not None:
        return d_model, ()
    d = float(width_for_non_vocab_params(n_nv))
    return d, (f"d_model = {d:g} from the authors' width map (V = N_v / d depends on it)",)


def optimum_at_budget(
    n_params_non_vocabulary: float,
    flops: float | None = None,
    d_model: float | None = None,
    **constants: float,
) -> VocabularyAdvice:
    """The compute-optimal vocabulary [entries] of a model of N_nv non-vocabulary parameters
    at ``flops`` [FLOPs] (Tao et al. 2024, the approach of the constant set given).

    ``flops`` defaults to the Approach-1 compute-optimal budget of the model (auxiliary
    constants ``budget_*``), ``d_model`` to the width map.
    """
    n_nv = n_params_non_vocabulary
    _require_positive(n_params_non_vocab=n_nv, flops=flops, d_model=d_model)
    d, notes = _width(n_nv, d_model)
    if flops is None:
        flops = compute_optimal_flops(
            n_nv,
            nnv_log_coef=constants["budget_nnv_log_coef"],
            nnv_exp=constants["budget_nnv_exp"],
        )
        notes += (f"budget defaults to the Approach-1 compute-optimal C = {flops:.4g} FLOPs",)
    vocab_params, method, more = _vocab_params_at_budget(n_nv, flops, d, constants)
    n_tokens = flops / (6.0 * (n_nv + vocab_params))
    return _advice(n_nv, vocab_params, d, flops, n_tokens, constants, method, notes + more)


def optimum_for_tokens(
    n_params_non_vocabulary: float,
    n_tokens: float,
    d_model: float | None = None,
    **constants: float,
) -> VocabularyAdvice:
    """The best vocabulary [entries] of a fixed model trained on ``n_tokens`` [tokens].

    Approach 3: the root of dL_u/dV = 0 with the data term at D = ``n_tokens``, i.e. the V
    whose compute-optimal answer at the budget C = 6 (N_nv + V d) D is V itself (at a fixed
    token count alone the fitted loss falls with V without bound; the vocabulary is paid for in
    compute). Approach 1: the same self-consistent budget, N_v = k (6 (N_nv + N_v) D)^e.
    Approach 2 cannot see the data and returns its compute-optimal answer.
    """
    n_nv = n_params_non_vocabulary
    _require_positive(n_params_non_vocab=n_nv, n_tokens=n_tokens, d_model=d_model)
    d, notes = _width(n_nv, d_model)
    vocab_params, method, more = _vocab_params_for_tokens(n_nv, n_tokens, d, constants)
    flops = 6.0 * (n_nv + vocab_params) * n_tokens
    return _advice(n_nv, vocab_params, d, flops, n_tokens, constants, method, notes + more)


def flops_minimising_vocab_size(
    n_params_non_vocabulary: float,
    d_model: float | None = None,
    *,
    a: float,
    b: float,
    c: float,
    vocab_cap: float,
) -> float:
    """Approach 2's first step: the V [entries] minimising C = 6 (N_nv + V d) H f(V) at fixed H.

    The root of d f(V) + (N_nv + d V) f'(V) = 0 below the cap of f; if the FLOPs still fall at
    the cap (very large N_nv), the cap is returned.
    """
    n_nv = n_params_non_vocabulary
    _require_positive(n_params_non_vocab=n_nv, d_model=d_model)
    d, _ = _width(n_nv, d_model)

    def slope(log_v: float) -> float:
        vocab = math.exp(log_v)
        f_slope = (2.0 * a * log_v + b) / vocab
        f = tokens_per_character(vocab, a=a, b=b, c=c, vocab_cap=vocab_cap)
        return d * f + (n_nv + d * vocab) * f_slope

    if slope(math.log(vocab_cap)) <= 0:
        return vocab_cap
    return math.exp(_increasing_root(slope, math.log(2.0), math.log(vocab_cap), "FLOPs minimum"))


def compute_optimal_allocation(flops: float, **constants: float) -> dict[str, float]:
    """Approach 1 at ``flops`` [FLOPs]: the compute-optimal N_nv and N_v [parameters] and the
    vocabulary [entries] at the width map's d (a check of the isoflop sets)."""
    n_nv = compute_optimal_non_vocab_params(
        flops, nnv_log_coef=constants["nnv_log_coef"], nnv_exp=constants["nnv_exp"]
    )
    advice = optimum_at_budget(n_nv, flops, None, **constants)
    return {
        "n_params_non_vocabulary": n_nv,
        "n_params_vocabulary": advice.vocab_params,
        "vocab_size": advice.vocab_size,
    }


LAW = CATALOG.register(
    VocabularyLaw(
        id="tao2024",
        family="vocabulary",
        kind="vocab_size",
        title="Compute-optimal vocabulary size (Approaches 1-3 of Tao et al.)",
        reference=TAO2024,
        equations=(
            "Approach 1: N_nv = exp(nnv_log_coef) C^nnv_exp, N_v = exp(nv_log_coef) C^nv_exp",
            "Approach 2: N_v = anchor_vocab_params (N_nv / anchor_non_vocab_params)^gamma",
            "Approach 3: L_u = -E + A1/N_nv^alpha1 + A2/(V d)^alpha2 + B/D^beta (normalised "
            "units); V_opt solves dL_u/dV = 0 with D = C / (6 (N_nv + V d))",
            "N_v = V d;  D = H f(V);  f(V) = a ln^2 V + b ln V + c (V capped at 200,000)",
            "C = 6 (N_nv + V d) D",
        ),
        quantities={
            "N_nv": "n_params_non_vocabulary",
            "N_v": "n_params_vocabulary",
            "V": "vocab_size",
            "d": "d_model",
            "D": "n_tokens",
            "H": "n_characters",
            "C": "flops",
        },
        traits=VocabularyTraits(
            counting="N_nv excludes both the input embedding and the output head (the repository "
            "computes N_total - 2 V d of untied models); N_v = V d is counted once, tied or not, "
            "because the output head carries the FLOPs and the input lookup costs none. Training "
            "compute C = 6 (N_nv + V d) D = 6 (N_nv + V d) H f(V) (utils.py func_flops). A plan "
            "counted in total parameters maps as N_nv = N_total - 2 V d (untied) or N_total - V d "
            "(tied); its FLOPs should then be 6 (N_nv + V d) D to count the vocabulary as the law "
            "does.",
            approaches=tuple(SETS),
            width_map=WIDTH_MAP,
            width_beyond=WIDTH_BEYOND,
        ),
        auxiliary_constants=(TOKENIZATION, DEFAULT_BUDGET),
        validity={
            "n_params_non_vocabulary": Interval(
                lower=33_222_784,
                upper=1_129_891_136,
                source="exp_data.csv: the 6 model sizes of the 1,200 fitting runs",
            ),
            "vocab_size": Interval(
                lower=4096, upper=96_256, source="exp_data.csv: the 10 vocabulary sizes"
            ),
            "flops": Interval(
                lower=2.18e17,
                upper=4.3633e20,
                source="Approach 3 fits the runs from 2.18e17 FLOPs (approach3_isoloss.py) to the "
                "largest in exp_data.csv, 4.36e20; Approach 1's frontier starts at 1.27e16",
            ),
        },
        constant_sets=tuple(SETS.values()),
        default_constant_set="parametric",
        functions={
            "optimum_at_budget": optimum_at_budget,
            "optimum_for_tokens": optimum_for_tokens,
            "tokens_per_character": tokens_per_character,
            "width_for_non_vocab_params": width_for_non_vocab_params,
            "compute_optimal_flops": compute_optimal_flops,
            "compute_optimal_non_vocab_params": compute_optimal_non_vocab_params,
            "compute_optimal_allocation": compute_optimal_allocation,
            "isoflop_vocab_params": isoflop_vocab_params,
            "derivative_vocab_params": derivative_vocab_params,
            "parametric_vocab_size": parametric_vocab_size,
            "flops_minimising_vocab_size": flops_minimising_vocab_size,
        },
        golden=golden_vectors(__file__, "tao2024"),
        notes=(
            "Approach 3 is the default: it is the only approach whose answer moves with the "
            "data (more FLOPs at fixed N_nv give a larger vocabulary).",
            "Fitting data: LLaMA-style models trained on SlimPajama with BPE vocabularies of "
            "4K-96K, AdamW, LR 4e-4 to 4e-5, 512 x 2048-token batches; the loss is the "
            "unigram-normalised L_u, comparable across tokenizers.",
            "The repository prints integer-truncated V; answers here are unrounded (round to a "
            "multiple of 64 or 128 for the hardware).",
        ),
        caveats=(
            "Fitted on N_nv of 33M-1.13B; the paper's 7B-70B predictions (Table 1) are "
            "extrapolations the authors have not validated by training (sail-sg/"
            "scaling-with-vocab issue #2: no 7B-scale runs, for budget reasons), and 3B is "
            "already outside the fitted range.",
            "The vocabulary depends on the width d (V = N_v / d); without a width the authors' "
            "width map is used.",
            "Counting differs from the loss laws: N_nv excludes input and output embeddings, "
            "N_v = V d is counted once and C = 6 (N_nv + V d) D.",
        ),
    )
)
