"""Loss (and downstream error) of a given model size and token count."""

from __future__ import annotations

from laws_catalog import CATALOG, ResolvedLaw
from laws_catalog.loss import LossLaw, downstream_error, posynomial
from laws_catalog.loss import loss as law_loss

from ...schemas.requests import PredictRequest
from ...schemas.responses import AnswerWarning, LawUse, PredictedStreams, PredictResponse
from ..checks.answer_checks import checked_prediction
from ..laws.provenance import law_use, units_for
from ..laws.selection import select_laws
from ..laws.validity import range_warnings
from ..plan.variants import effective_params_loss
from ..serving.streams import multiplier, stream_caveat, stream_law

__all__ = ["predict"]


def _with_streams(
    request: PredictRequest, loss: ResolvedLaw[LossLaw], single_stream: float
) -> tuple[float, PredictedStreams, LawUse, list[AnswerWarning]]:
    """The loss law at N (1 + k ln P), and the ParScale law's own value at (N, P)."""
    streams = request.parallel_streams
    assert streams is not None
    law = stream_law(request.laws)
    m = multiplier(law, streams)
    posy = effective_params_loss(posynomial(loss.law, loss.constants.name), m)
    # the law's posynomial form equals its loss; only the parameter term is rescaled
    value = (
        single_stream
        + float(posy(request.params, request.tokens))
        - float(posynomial(loss.law, loss.constants.name)(request.params, request.tokens))
    )
    out = PredictedStreams(
        streams=streams,
        law=law.ref,
        multiplier=m,
        effective_params=request.params * m,
        loss_without_streams=single_stream,
        parscale_loss=law.law.call(
            "loss", law.constants.name, n_params=request.params, streams=streams
        ),
    )
    use = law_use(
        law,
        role="parallel_streams",
        produces=["loss", "parallel_streams"],
        method="the loss law's parameter term at N (1 + k ln P); the ParScale law itself "
        "at its own 42B-token fit for comparison",
    )
    point = {
        "n_params_non_embedding": request.params,
        "parallel_streams": float(streams),
        "n_tokens": request.tokens,
    }
    warnings = [stream_caveat(law, streams, m), *range_warnings(law.law, point)]
    return value, out, use, warnings


def predict(request: PredictRequest) -> PredictResponse:
    loss = select_laws(request.laws).loss
    law, cset = loss.law, loss.constants.name
    value = law_loss(law, request.params, request.tokens, cset)
    streams = request.parallel_streams or 1
    flops = law.traits.flops_per_param_token * request.params * request.tokens * streams
    provenance = [
        law_use(loss, role="loss", produces=["loss"], method=f"{loss.ref} evaluated at (N, D)")
    ]
    warnings: list[AnswerWarning] = []
    stream_out = None
    if request.parallel_streams is not None:
        value, stream_out, use, warnings = _with_streams(request, loss, value)
        provenance.append(use)
    downstream = downstream_error(law, value, cset)
    if downstream is not None and law.traits.downstream is not None:
        provenance.append(
            law_use(
                loss,
                role="downstream_error",
                produces=["downstream_error"],
                method="downstream-error law evaluated at the predicted loss",
                equations=[law.traits.downstream.equation],
            )
        )
    point = {
        law.traits.params_quantity: request.params,
        "n_tokens": request.tokens,
        "tokens_per_param": request.tokens / request.params,
        "flops": flops,
    }
    response = PredictResponse(
        loss=value,
        downstream_error=downstream,
        params=request.params,
        params_definition=law.traits.params_quantity,
        tokens=request.tokens,
        tokens_per_param=request.tokens / request.params,
        flops=flops,
        parallel_streams=stream_out,
        units=units_for(law, law.traits.params_quantity, law.traits.flops_per_param_token),
        provenance=provenance,
        warnings=range_warnings(law, point) + warnings,
        catalog_version=CATALOG.version,
    )
    return checked_prediction(response, request)
