"""Loss (and downstream error) of a given model size and token count."""

from __future__ import annotations

from laws_catalog import CATALOG, ParametricLossLaw, ResolvedLaw

from ..schemas.requests import PredictRequest
from ..schemas.responses import LawUse, PredictedStreams, PredictResponse, Warning
from .answer_checks import checked_prediction
from .law_selection import select_laws
from .provenance import law_use, units_for
from .streams import multiplier, stream_caveat, stream_law
from .validity import range_warnings
from .variants import effective_params_loss

__all__ = ["predict"]


def _with_streams(
    request: PredictRequest, loss: ResolvedLaw[ParametricLossLaw], single_stream: float
) -> tuple[float, PredictedStreams, LawUse, list[Warning]]:
    """The loss law at N (1 + k ln P), and the ParScale law's own value at (N, P)."""
    streams = request.parallel_streams
    assert streams is not None
    law = stream_law(request.laws)
    m = multiplier(law, streams)
    posy = effective_params_loss(loss.law.posynomial(loss.constants.name), m)
    # the law's posynomial form equals its loss; only the parameter term is rescaled
    value = (
        single_stream
        + float(posy(request.params, request.tokens))
        - float(loss.law.posynomial(loss.constants.name)(request.params, request.tokens))
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
    value = law.loss(request.params, request.tokens, cset)
    streams = request.parallel_streams or 1
    flops = law.flops_per_param_token * request.params * request.tokens * streams
    provenance = [
        law_use(loss, role="loss", produces=["loss"], method=f"{loss.ref} evaluated at (N, D)")
    ]
    warnings: list[Warning] = []
    stream_out = None
    if request.parallel_streams is not None:
        value, stream_out, use, warnings = _with_streams(request, loss, value)
        provenance.append(use)
    downstream = law.downstream_error(value, cset)
    if downstream is not None and law.downstream is not None:
        provenance.append(
            law_use(
                loss,
                role="downstream_error",
                produces=["downstream_error"],
                method="downstream-error law evaluated at the predicted loss",
                equations=[law.downstream.equation],
            )
        )
    point = {
        law.params_quantity: request.params,
        "n_tokens": request.tokens,
        "tokens_per_param": request.tokens / request.params,
        "flops": flops,
    }
    response = PredictResponse(
        loss=value,
        downstream_error=downstream,
        params=request.params,
        params_definition=law.params_quantity,
        tokens=request.tokens,
        tokens_per_param=request.tokens / request.params,
        flops=flops,
        parallel_streams=stream_out,
        units=units_for(law, law.params_quantity, law.flops_per_param_token),
        provenance=provenance,
        warnings=range_warnings(law, point) + warnings,
        catalog_version=CATALOG.version,
    )
    return checked_prediction(response, request)
