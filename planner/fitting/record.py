"""A fitted law as the same record a catalogue law is, so every route uses it unchanged."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from laws_catalog import ConstantSet, Evidence, GoldenVector, Interval, Reference, ResolvedLaw
from laws_catalog._types import ParameterUncertainty
from laws_catalog.loss import LossLaw, LossTraits, gadre2024, hoffmann2022
from laws_catalog.references import GADRE2024, HOFFMANN2022

from ..schemas.fitted_law import FittedLaw
from .forms import FORMS

__all__ = ["FITTED_SET", "fitted_law_record"]

FITTED_SET = "fitted_to_request"
_FORM_REFERENCE = {"chinchilla": HOFFMANN2022, "gadre2024": GADRE2024}
_FORM_FUNCTIONS: dict[str, dict[str, Callable[..., Any]]] = {
    "chinchilla": {"posynomial": hoffmann2022.posynomial, "loss": hoffmann2022.loss},
    "gadre2024": {"posynomial": gadre2024.posynomial, "loss": gadre2024.loss},
}


def _source(spec: FittedLaw) -> str:
    return (
        f"fitted to the requester's {spec.runs} runs ({spec.points} points, sha256 "
        f"{spec.runs_sha256}) by POST /v1/fit: {spec.method or 'method not stated'}"
    )


def _reference(spec: FittedLaw) -> Reference:
    """Cites the form's paper; the title names the runs (count and hash) the constants came from."""
    form = _FORM_REFERENCE[spec.form]
    return Reference(
        authors=f"fitted to the requester's runs (form: {form.authors})",
        title=f"{spec.form} form of '{form.title}' fitted to {spec.runs} runs "
        f"({spec.points} points, sha256 {spec.runs_sha256})",
        year=form.year,
        arxiv=form.arxiv,
        url=form.url,
    )


def _uncertainty(spec: FittedLaw) -> dict[str, ParameterUncertainty]:
    if spec.bootstrap is None or spec.sample_count() < 2:
        return {}
    return {
        name: ParameterUncertainty(
            standard_error=float(np.std(values, ddof=1)),
            interval=(float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))),
            interval_kind=f"95% bootstrap percentile interval, {len(values)} resamples of the runs",
        )
        for name, values in spec.bootstrap.items()
    }


_BUILT: OrderedDict[str, ResolvedLaw[LossLaw]] = OrderedDict()
_KEEP = 64


def fitted_law_record(spec: FittedLaw) -> ResolvedLaw[LossLaw]:
    """The catalogue record of a fitted law (the last few built are kept)."""
    key = spec.model_dump_json()
    found = _BUILT.get(key)
    if found is None:
        found = _build(spec)
        _BUILT[key] = found
        while len(_BUILT) > _KEEP:
            _BUILT.popitem(last=False)
    return found


def _build(spec: FittedLaw) -> ResolvedLaw[LossLaw]:
    form = FORMS[spec.form]
    low, high = spec.fitted_range.params
    where = f"range of the {spec.runs} fitted runs"
    quantity = spec.params_definition
    constants = ConstantSet(
        name=FITTED_SET,
        values=dict(spec.constants),
        source=_source(spec),
        evidence=Evidence.FITTED_HERE,
        uncertainty=_uncertainty(spec),
    )
    posy = form.posynomial(spec.constants)
    anchor = posy(high, spec.fitted_range.tokens[1])
    law = LossLaw(
        id=spec.law_id,
        family="loss",
        kind="parametric",
        title=f"{spec.form} loss law fitted to the requester's {spec.runs} runs",
        reference=_reference(spec),
        equations=(form.equation,),
        quantities={
            "N": quantity,
            "D": "n_tokens",
            "C": "flops",
            "L": "loss_nats_per_token",
        },
        traits=LossTraits(
            params_quantity=quantity,
            flops_per_param_token=spec.flops_per_param_token,
            evaluation=f"{spec.loss_name or 'the loss the runs report'} (the requester's runs)",
        ),
        validity={
            quantity: Interval(lower=low, upper=high, source=where),
            "n_tokens": Interval(
                lower=spec.fitted_range.tokens[0], upper=spec.fitted_range.tokens[1], source=where
            ),
            "tokens_per_param": Interval(
                lower=spec.fitted_range.tokens_per_param[0],
                upper=spec.fitted_range.tokens_per_param[1],
                source=where,
            ),
            "flops": Interval(
                lower=spec.fitted_range.flops[0], upper=spec.fitted_range.flops[1], source=where
            ),
        },
        constant_sets=(constants,),
        default_constant_set=FITTED_SET,
        functions=_FORM_FUNCTIONS[spec.form],
        golden=(
            GoldenVector(
                check="loss",
                constant_set=FITTED_SET,
                inputs={"n_params": high, "n_tokens": spec.fitted_range.tokens[1]},
                expected={"loss": float(anchor)},
                rtol=1e-9,
                why_tolerance="the law evaluated at the corner of its own fitted range when it "
                "was built (guards the record against a changed form)",
                source=_source(spec),
                evidence=Evidence.FITTED_HERE,
            ),
        ),
        notes=(f"Reference is the functional form's paper; the constants are {_source(spec)}.",),
        caveats=tuple(spec.caveats),
    )
    return ResolvedLaw(law=law, constants=constants)
