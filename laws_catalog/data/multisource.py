r"""Several data sources under one repetition law: quality-weighted effective data.

A documented *project model* built on ``data/muennighoff2023``; it is not a published law
with fitted constants, so it is deliberately not registered in the catalogue (a catalogue
entry promises a paper, fitted ranges and golden vectors from a source). Answers that use it
must show :data:`CAVEATS`.

Model
-----
Source ``i`` has ``U_i`` unique tokens, a quality weight ``q_i`` (what one fresh token of it
is worth in tokens of the law's own data, C4: ``q = 1``) and is trained on ``D_i`` tokens,
i.e. ``D_i / U_i`` epochs. Each source's repetitions are discounted by the repetition law on
its own, then the sources add up, weighted by quality::

    D'_i     = U_Di + U_Di R_i* (1 - exp(-R_Di / R_i*)),  U_Di = min(U_i, D_i),
               R_Di = D_i/U_Di - 1,  R_i* = R_D* of the law unless the source overrides it
    D'_total = sum_i q_i D'_i
    U_pool   = sum_i q_i U_i          (the unique data that excess parameters are measured on)
    L        = E + A / N'(U_pool, N)^alpha + B / D'_total^beta

With one source of quality 1 this is exactly the repetition law; splitting a source into
parts trained for the same number of epochs changes nothing (``D'`` is homogeneous in
``(U, D)``).

References and spirit
---------------------
* Muennighoff et al. 2023 (arXiv 2305.16264): the per-source ``D'`` and ``N'``.
* Goyal et al. 2024 (arXiv 2404.07177): a pool's utility decays with each repetition (a
  half-life in epochs) and pools of different quality are combined; their code's
  "effective data" variant sums decayed, utility-weighted samples, which is the sum above
  with Muennighoff's decay in place of their CLIP-fitted half-lives.

Limits (also in :data:`CAVEATS`)
--------------------------------
* ``q_i`` and any per-source decay are the user's judgement; nothing here was fitted on
  multi-source runs. Sources are treated as additive and independent: no transfer or
  interference between domains (Ye et al. 2024 find mixtures are not additive; use
  ``data/ye2024`` fitted on your own runs for that).
* Loss is the law's C4 loss: "quality" means usefulness for that loss, not for a target task.
* Goyal et al.'s law is for CLIP (samples seen, zero-shot error); its per-pool half-lives are
  not published, so none are used here.
* Mixing scarce data into plenty of generic data may tolerate more repetition than one source
  alone (arXiv 2605.12715 reports 15-20 repeats); this model is then conservative.

>>> from laws_catalog.data.muennighoff2023 import LAW, loss as law_loss
>>> web = DataSource("web", unique_tokens=20e9)
>>> halves = [DataSource("a", unique_tokens=10e9), DataSource("b", unique_tokens=10e9)]
>>> one = mixture_loss(2e9, [80e9], [web])
>>> two = mixture_loss(2e9, [40e9, 40e9], halves)
>>> single = float(law_loss(2e9, 80e9, 20e9, **LAW.constants()))
>>> round(abs(one - two), 12), round(one, 6) == round(single, 6)
(0.0, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._law import RepetitionLaw, repetition_constants
from ._repetition import FloatOrArray, RepetitionConstants, as_float_or_array, repeated_value
from .muennighoff2023 import LAW as REPETITION_LAW

__all__ = [
    "CAVEATS",
    "DataSource",
    "mixture_effective_tokens",
    "mixture_loss",
    "source_effective_tokens",
    "unique_pool",
]

CAVEATS: tuple[str, ...] = (
    "Multi-source model (project model, not a published law): effective data is the "
    "quality-weighted sum of each source's repetition-discounted tokens (Muennighoff et al. "
    "2023 decay per source, in the spirit of Goyal et al. 2024); nothing was fitted on "
    "multi-source runs.",
    "Quality weights (and any per-source repetition decay) are user judgements: a weight of 2 "
    "means one fresh token of that source is assumed worth two tokens of the law's C4 data.",
    "Sources are assumed additive and independent: transfer or interference between domains "
    "is ignored (real mixtures are not additive, Ye et al. 2024).",
)


@dataclass(frozen=True, slots=True)
class DataSource:
    """One data source.

    ``unique_tokens`` [tokens] may be ``inf``; ``quality`` [C4-token equivalents per fresh
    token] must be positive; ``repetition_decay`` overrides the law's ``R_D*`` [repetitions].
    """

    name: str
    unique_tokens: float
    quality: float = 1.0
    repetition_decay: float | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a data source needs a name")
        if not self.unique_tokens > 0:
            raise ValueError(f"source {self.name!r}: unique_tokens must be > 0")
        if not (self.quality > 0 and math.isfinite(self.quality)):
            raise ValueError(f"source {self.name!r}: quality must be a positive number")
        decay = self.repetition_decay
        if decay is not None and not (decay > 0 and math.isfinite(decay)):
            raise ValueError(f"source {self.name!r}: repetition_decay must be positive, finite")

    def decay(self, constants: RepetitionConstants) -> float:
        """``R*`` [repetitions] used for this source."""
        return constants.rd_star if self.repetition_decay is None else self.repetition_decay


def source_effective_tokens(
    source: DataSource, tokens: FloatOrArray, constants: RepetitionConstants
) -> FloatOrArray:
    """``q_i D'_i`` [C4-token equivalents] of ``tokens`` drawn from ``source``."""
    d = np.asarray(tokens, dtype=np.float64)
    unique_d = np.minimum(source.unique_tokens, d)
    repeats = np.maximum(np.divide(d, unique_d, where=unique_d > 0, out=np.ones_like(d)) - 1, 0)
    value = np.asarray(repeated_value(unique_d, repeats, source.decay(constants)))
    return as_float_or_array(source.quality * value)


def mixture_effective_tokens(
    tokens: Sequence[FloatOrArray], sources: Sequence[DataSource], constants: RepetitionConstants
) -> FloatOrArray:
    """``D'_total`` [C4-token equivalents]: sum over sources of ``q_i D'_i``."""
    if len(tokens) != len(sources):
        raise ValueError("one token count per source is needed")
    total: FloatOrArray = 0.0
    for source, d in zip(sources, tokens, strict=True):
        total = total + np.asarray(source_effective_tokens(source, d, constants))
    return as_float_or_array(total)


def unique_pool(sources: Sequence[DataSource]) -> float:
    """``sum_i q_i U_i`` [C4-token equivalents], the data excess parameters are judged by."""
    return float(sum(s.quality * s.unique_tokens for s in sources))


def mixture_loss(
    params: FloatOrArray,
    tokens: Sequence[FloatOrArray],
    sources: Sequence[DataSource],
    *,
    law: RepetitionLaw = REPETITION_LAW,
    constant_set: str | None = None,
) -> FloatOrArray:
    """Loss [nats/token, the law's C4 loss] of ``params`` trained on ``tokens[i]`` of each
    source."""
    constants = repetition_constants(law, constant_set)
    n_eff = constants.effective_params(unique_pool(sources), params)
    d_eff = mixture_effective_tokens(tokens, sources, constants)
    return constants.loss_from_effective(n_eff, d_eff)
