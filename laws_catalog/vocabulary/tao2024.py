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
used.

>>> from laws_catalog.vocabulary.tao2024 import optimal_vocab_size, compute_optimal_flops
>>> f"{compute_optimal_flops(7e9):.3g}"
'7.05e+21'
>>> [round(optimal_vocab_size(7e9, approach=a)) for a in ("isoflop", "derivative", "parametric")]
[62281, 67450, 59548]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from scipy.optimize import brentq

from .._registry import CATALOG
from .._types import ConstantSet, Interval
from ..references import TAO2024
from ._law import ExtraCheck, VocabularyAdvice, VocabularyLaw
from ._tao2024_constants import APPROACHES, SETS, TOKENIZATION, WIDTH_BEYOND, WIDTH_MAP
from ._tao2024_golden import GOLDEN

__all__ = [
    "APPROACHES",
    "LAW",
    "TOKENIZATION",
    "WIDTH_BEYOND",
    "WIDTH_MAP",
    "compute_optimal_flops",
    "compute_optimal_non_vocab_params",
    "flops_minimising_vocab_size",
    "optimal_vocab_params",
    "optimal_vocab_size",
    "optimal_vocab_size_for_tokens",
    "tokens_per_character",
    "training_flops",
    "width_for_non_vocab_params",
]


def _constants(approach: str) -> ConstantSet:
    try:
        return SETS[approach]
    except KeyError:
        raise ValueError(f"unknown approach {approach!r}; use one of {sorted(SETS)}") from None


def _kind(cset: ConstantSet) -> str:
    """The approach a constant set belongs to (``parametric_paper`` -> ``parametric``)."""
    return cset.name.split("_")[0]


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


def tokens_per_character(vocab_size: float) -> float:
    """f(V) [tokens/character] of a BPE vocabulary of ``vocab_size`` entries (SlimPajama fit).

    >>> round(tokens_per_character(32_000), 4)
    0.2524
    """
    _require_positive(vocab_size=vocab_size)
    v = TOKENIZATION.values
    log_v = math.log(min(vocab_size, v["vocab_cap"]))
    return v["a"] * log_v**2 + v["b"] * log_v + v["c"]


def width_for_non_vocab_params(n_params_non_vocab: float) -> int:
    """The width d_model the authors assume for a model of ``n_params_non_vocab`` parameters.

    >>> width_for_non_vocab_params(7e9)
    4096
    """
    _require_positive(n_params_non_vocab=n_params_non_vocab)
    return next((d for upper, d in WIDTH_MAP if n_params_non_vocab <= upper), WIDTH_BEYOND)


def compute_optimal_flops(n_params_non_vocab: float) -> float:
    """Approach-1 budget [FLOPs] for which ``n_params_non_vocab`` is compute-optimal."""
    _require_positive(n_params_non_vocab=n_params_non_vocab)
    v = SETS["isoflop"].values
    return float((n_params_non_vocab / math.exp(v["nnv_log_coef"])) ** (1.0 / v["nnv_exp"]))


def compute_optimal_non_vocab_params(flops: float) -> float:
    """Approach-1 N_nv_opt [parameters] of a budget ``flops`` [FLOPs]."""
    _require_positive(flops=flops)
    v = SETS["isoflop"].values
    return math.exp(v["nnv_log_coef"]) * float(flops ** v["nnv_exp"])


def training_flops(
    n_params_non_vocab: float, vocab_size: float, d_model: float, n_tokens: float
) -> float:
    """C = 6 (N_nv + V d) D [FLOPs]: the law's compute, vocabulary counted once."""
    return 6.0 * (n_params_non_vocab + vocab_size * d_model) * n_tokens


def _isoflop_vocab_params(flops: float, values: Mapping[str, float]) -> float:
    return math.exp(values["nv_log_coef"]) * float(flops ** values["nv_exp"])


def _derivative_vocab_params(n_nv: float, values: Mapping[str, float]) -> float:
    ratio = n_nv / values["anchor_non_vocab_params"]
    return values["anchor_vocab_params"] * float(ratio ** values["gamma"])


def _parametric_vocab_size(
    n_nv: float,
    d_model: float,
    values: Mapping[str, float],
    *,
    flops: float | None = None,
    n_tokens: float | None = None,
) -> float:
    """Root of dL_u/dV = 0 at a fixed budget (``flops``) or at fixed tokens (``n_tokens``).

    Solved as ln(data-term gain) = ln(vocabulary-term gain) in ln V, which is strictly
    increasing in ln V, so the root is unique.
    """
    n = n_nv / values["nnv_unit"]
    d = d_model / values["d_unit"]
    a2, beta = values["alpha2"], values["beta"]
    log_vocab_gain = math.log(a2 * values["A2"] * d)
    log_data_gain = math.log(beta * values["B"] * d)
    if flops is not None:
        f = flops / values["flops_unit"]
        # gain(V) = ln(data-term gain) with (beta - 1) ln(used), used = n + V d
        offset, used_slope = log_data_gain - beta * math.log(f / 6.0), beta - 1.0
    elif n_tokens is not None:
        u = n_tokens * values["nnv_unit"] / values["flops_unit"]  # tokens in fit units
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
    return math.exp(log_v) * values["vocab_unit"]


def _vocab_params_at_budget(
    n_nv: float, flops: float, d_model: float, cset: ConstantSet
) -> tuple[float, str, tuple[str, ...]]:
    kind, values = _kind(cset), cset.values
    if kind == "isoflop":
        n_opt = compute_optimal_non_vocab_params(flops)
        return (
            _isoflop_vocab_params(flops, values),
            "Approach 1: N_v = exp(nv_log_coef) C^nv_exp",
            (
                f"Approach 1 reads only the budget and assumes a compute-optimal model for it "
                f"(N_nv_opt = {n_opt:.3g}; the given N_nv enters through d only)",
            ),
        )
    if kind == "derivative":
        return (
            _derivative_vocab_params(n_nv, values),
            "Approach 2: N_v = anchor (N_nv / 33M)^gamma",
            ("Approach 2 assumes compute-optimal data; the budget does not change N_v",),
        )
    vocab = _parametric_vocab_size(n_nv, d_model, values, flops=flops)
    return vocab * d_model, "Approach 3: dL_u/dV = 0 at the fixed budget", ()


def _vocab_params_for_tokens(
    n_nv: float, n_tokens: float, d_model: float, cset: ConstantSet
) -> tuple[float, str, tuple[str, ...]]:
    kind, values = _kind(cset), cset.values
    if kind == "isoflop":

        def gap(log_nv: float) -> float:
            budget = training_flops(n_nv, math.exp(log_nv), 1.0, n_tokens)
            return log_nv - values["nv_log_coef"] - values["nv_exp"] * math.log(budget)

        log_nv = _increasing_root(gap, 0.0, math.log(1e18), "Approach-1 fixed point")
        return (
            math.exp(log_nv),
            "Approach 1 at the budget the tokens cost: N_v = k (6 (N_nv + N_v) D)^e",
            ("Approach 1 assumes a compute-optimal model for that budget",),
        )
    if kind == "derivative":
        return (
            _derivative_vocab_params(n_nv, values),
            "Approach 2: N_v = anchor (N_nv / 33M)^gamma",
            ("Approach 2 assumes compute-optimal data; the token count does not change N_v",),
        )
    vocab = _parametric_vocab_size(n_nv, d_model, values, n_tokens=n_tokens)
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
    cset: ConstantSet,
    method: str,
    notes: tuple[str, ...],
) -> VocabularyAdvice:
    vocab = vocab_params / d_model
    return VocabularyAdvice(
        vocab_size=vocab,
        vocab_params=vocab_params,
        d_model=d_model,
        n_params_non_vocab=n_nv,
        flops=flops,
        n_tokens=n_tokens,
        n_characters=n_tokens / tokens_per_character(vocab),
        approach=cset.name,
        method=method,
        notes=notes,
    )


def _width(n_nv: float, d_model: float | None) -> tuple[float, tuple[str, ...]]:
    if d_model is not None:
        return d_model, ()
    d = float(width_for_non_vocab_params(n_nv))
    return d, (f"d_model = {d:g} from the authors' width map (V = N_v / d depends on it)",)


def _advise(
    n_nv: float, flops: float | None, d_model: float | None, cset: ConstantSet
) -> VocabularyAdvice:
    _require_positive(n_params_non_vocab=n_nv, flops=flops, d_model=d_model)
    d, notes = _width(n_nv, d_model)
    if flops is None:
        flops = compute_optimal_flops(n_nv)
        notes += (f"budget defaults to the Approach-1 compute-optimal C = {flops:.4g} FLOPs",)
    vocab_params, method, more = _vocab_params_at_budget(n_nv, flops, d, cset)
    n_tokens = flops / (6.0 * (n_nv + vocab_params))
    return _advice(n_nv, vocab_params, d, flops, n_tokens, cset, method, notes + more)


def _advise_for_tokens(
    n_nv: float, n_tokens: float, d_model: float | None, cset: ConstantSet
) -> VocabularyAdvice:
    _require_positive(n_params_non_vocab=n_nv, n_tokens=n_tokens, d_model=d_model)
    d, notes = _width(n_nv, d_model)
    vocab_params, method, more = _vocab_params_for_tokens(n_nv, n_tokens, d, cset)
    flops = 6.0 * (n_nv + vocab_params) * n_tokens
    return _advice(n_nv, vocab_params, d, flops, n_tokens, cset, method, notes + more)


def optimal_vocab_params(
    n_params_non_vocab: float,
    flops: float | None = None,
    approach: str = "parametric",
    d_model: float | None = None,
) -> float:
    """Compute-optimal N_v = V d [parameters] of a model at ``flops`` [FLOPs].

    ``flops`` defaults to the Approach-1 compute-optimal budget of the model; ``d_model`` (used
    by Approach 3) to the width map.
    """
    return _advise(n_params_non_vocab, flops, d_model, _constants(approach)).vocab_params


def optimal_vocab_size(
    n_params_non_vocab: float,
    flops: float | None = None,
    d_model: float | None = None,
    approach: str = "parametric",
) -> float:
    """Compute-optimal vocabulary size V [entries, unrounded] at ``flops`` [FLOPs]."""
    return _advise(n_params_non_vocab, flops, d_model, _constants(approach)).vocab_size


def optimal_vocab_size_for_tokens(
    n_params_non_vocab: float,
    n_tokens: float,
    d_model: float | None = None,
    approach: str = "parametric",
) -> float:
    """Best vocabulary size V [entries] of a fixed model trained on ``n_tokens`` [tokens].

    Approach 3: the root of dL_u/dV = 0 with the data term at D = ``n_tokens``, i.e. the V
    whose compute-optimal answer at the budget C = 6 (N_nv + V d) D is V itself (at a fixed
    token count alone the fitted loss falls with V without bound; the vocabulary is paid for in
    compute). Approach 1: the same self-consistent budget, N_v = k (6 (N_nv + N_v) D)^e.
    Approach 2 cannot see the data and returns its compute-optimal answer.
    """
    cset = _constants(approach)
    return _advise_for_tokens(n_params_non_vocab, n_tokens, d_model, cset).vocab_size


def flops_minimising_vocab_size(n_params_non_vocab: float, d_model: float | None = None) -> float:
    """Approach 2's first step: the V [entries] minimising C = 6 (N_nv + V d) H f(V) at fixed H.

    The root of d f(V) + (N_nv + d V) f'(V) = 0 below the 200,000 cap of f; if the FLOPs still
    fall at the cap (very large N_nv), the cap is returned.
    """
    _require_positive(n_params_non_vocab=n_params_non_vocab, d_model=d_model)
    d, _ = _width(n_params_non_vocab, d_model)
    v = TOKENIZATION.values
    cap = v["vocab_cap"]

    def slope(log_v: float) -> float:
        vocab = math.exp(log_v)
        f_slope = (2.0 * v["a"] * log_v + v["b"]) / vocab
        return d * tokens_per_character(vocab) + (n_params_non_vocab + d * vocab) * f_slope

    if slope(math.log(cap)) <= 0:
        return cap
    return math.exp(_increasing_root(slope, math.log(2.0), math.log(cap), "FLOPs minimum"))


def _check_tokens_per_character(inputs: Mapping[str, float], cset: ConstantSet) -> dict[str, float]:
    return {"tokens_per_character": tokens_per_character(inputs["vocab_size"])}


def _check_width(inputs: Mapping[str, float], cset: ConstantSet) -> dict[str, float]:
    return {"d_model": float(width_for_non_vocab_params(inputs["n_params_non_vocabulary"]))}


def _check_flops_minimum(inputs: Mapping[str, float], cset: ConstantSet) -> dict[str, float]:
    return {"vocab_size": flops_minimising_vocab_size(inputs["n_params_non_vocabulary"])}


def _check_allocation(inputs: Mapping[str, float], cset: ConstantSet) -> dict[str, float]:
    flops = inputs["flops"]
    n_nv = compute_optimal_non_vocab_params(flops)
    advice = _advise(n_nv, flops, None, cset)
    return {
        "n_params_non_vocabulary": n_nv,
        "n_params_vocabulary": advice.vocab_params,
        "vocab_size": advice.vocab_size,
    }


_CHECKS: dict[str, ExtraCheck] = {
    "tokens_per_character": _check_tokens_per_character,
    "width": _check_width,
    "flops_minimising_vocab": _check_flops_minimum,
    "compute_optimal_allocation": _check_allocation,
}


LAW = CATALOG.register(
    VocabularyLaw(
        id="tao2024",
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
        counting="N_nv excludes both the input embedding and the output head (the repository "
        "computes N_total - 2 V d of untied models); N_v = V d is counted once, tied or not, "
        "because the output head carries the FLOPs and the input lookup costs none. Training "
        "compute C = 6 (N_nv + V d) D = 6 (N_nv + V d) H f(V) (utils.py func_flops). A plan "
        "counted in total parameters maps as N_nv = N_total - 2 V d (untied) or N_total - V d "
        "(tied); its FLOPs should then be 6 (N_nv + V d) D to count the vocabulary as the law "
        "does.",
        auxiliary_constants=(TOKENIZATION,),
        width_map=WIDTH_MAP,
        width_beyond=WIDTH_BEYOND,
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
        advise_fn=_advise,
        advise_for_tokens_fn=_advise_for_tokens,
        extra_checks=_CHECKS,
        golden=GOLDEN,
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
