"""The served model: device, formats and efficiency of the request, and the model's shape as a
function of the loss law's N.

Two shape maps feed the roofline model (:mod:`laws_catalog.inference.roofline`):

* the *smooth* rule, used to turn serving limits into ``N <= N_max``: width and depth follow
  the shape rule's aspect ratio continuously (d_model/n_layer = r(N), per-layer weights
  ``c d_model^2``), so KV-cache bytes and attention FLOPs grow monotonically with N and a
  tighter limit can never allow a larger model;
* the *fixed-dims* map, used to check and report the plan's concrete shape: layers, heads and
  head size of the chosen shape, with the parameter count varied (affine in N).

Both count the served weights the same way: non-embedding parameters, the vocabulary
(``V d``, twice when untied) and, for P > 1 streams, ParScale's prefix K/V and aggregator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from laws_catalog import ResolvedLaw
from laws_catalog.architecture import D_HEAD_SWITCH, target_aspect_ratio
from laws_catalog.hardware import Device, UnknownDevice, device
from laws_catalog.inference import Accelerators, Efficiency, ServedModel, ServingPrecision
from laws_catalog.inference import parscale2025 as parscale
from laws_catalog.inference._law import InferenceLaw
from laws_catalog.precision import decisions
from laws_catalog.precision.formats import NumberFormat, UnknownFormat, number_format

from ...errors import InvalidRequest
from ...schemas.inference import InferenceSpec
from ...schemas.requests import Architecture, PlanRequest
from ..laws.selection import resolve_one_of

__all__ = ["ServedModelMap", "ServingSetup", "ShapeDims", "serving_setup"]

_KV_FRACTION_GQA = 1.0 / 8.0
_SMALLEST_NON_EMBEDDING = 1e5


@dataclass(frozen=True, slots=True)
class ServingSetup:
    """Everything about serving that does not depend on the model's size."""

    spec: InferenceSpec
    device: Device | None
    accelerators: Accelerators | None
    serving_format: NumberFormat
    compute_format: str | None
    kv_format: NumberFormat
    precision: ServingPrecision
    efficiency: Efficiency
    efficiency_source: str
    cost_law: ResolvedLaw[InferenceLaw]
    prompt_tokens: int
    """Prompt length the limits use: the request's plus any retrieved chunks."""

    @property
    def context_tokens(self) -> int:
        """Longest context a decode step reads: prompt plus all output tokens."""
        return self.prompt_tokens + self.spec.output_tokens


def _format(name: str, field: str) -> NumberFormat:
    try:
        return number_format(name)
    except UnknownFormat as exc:
        raise InvalidRequest(f"{field}: {exc.message}", field=field, allowed=exc.allowed) from None


def _serving_format(request: PlanRequest, spec: InferenceSpec) -> NumberFormat:
    if spec.serving_format is not None:
        return _format(spec.serving_format, "inference.serving_format")
    serving = request.precision.serving if request.precision is not None else None
    if serving == "auto" and spec.limit_fields:
        raise InvalidRequest(
            "inference.serving_format: the serving limits need a fixed format; with "
            "precision.serving 'auto' give inference.serving_format",
            field="inference.serving_format",
        )
    if serving is not None and serving != "auto":
        return _format(serving, "precision.serving")
    return _format("bf16", "inference.serving_format")


def _compute_format(dev: Device, fmt: NumberFormat) -> str:
    """Matmuls run in the weight format when the device runs it natively at <= 16 bits
    (FP8, INT8 W8A8), otherwise in BF16 (weight-only quantisation dequantises)."""
    if fmt.total_bits <= 16 and decisions.supports(dev, fmt):
        return fmt.hardware_key
    if "bf16" in dev.dense_peak:
        return "bf16"
    return next(iter(dev.dense_peak))


def _efficiency(
    request: PlanRequest, spec: InferenceSpec
) -> tuple[Efficiency, str, ResolvedLaw[InferenceLaw]]:
    law = resolve_one_of(
        "inference", request.laws.serving_cost, InferenceLaw, "laws.serving_cost", ("roofline",)
    )
    values = law.constants.values
    given = spec.efficiency
    chosen = {
        name: getattr(given, name) if getattr(given, name) is not None else values[name]
        for name in ("mfu_prefill", "mfu_decode", "mbu")
    }
    overridden = [name for name in chosen if getattr(given, name) is not None]
    source = law.ref + (f" (request overrides {', '.join(overridden)})" if overridden else "")
    return Efficiency(**chosen), source, law


def serving_setup(
    request: PlanRequest, extra_devices: Mapping[str, Device], retrieved_tokens: float = 0.0
) -> ServingSetup:
    spec = request.inference
    assert spec is not None
    fmt = _serving_format(request, spec)
    kv = _format(spec.kv_cache_format, "inference.kv_cache_format")
    dev = None
    hw = None
    compute = None
    if spec.device is not None:
        try:
            dev = device(spec.device, extra_devices)
        except UnknownDevice as exc:
            raise InvalidRequest(
                f"inference.device: {exc.message}", field="inference.device", allowed=exc.allowed
            ) from None
        compute = _compute_format(dev, fmt)
        hw = Accelerators(
            peak_flops=dev.peak_flops(compute),
            memory_bandwidth=dev.memory_bandwidth.value,
            memory_bytes=dev.memory_bytes.value,
            count=spec.device_count,
        )
    eff, source, law = _efficiency(request, spec)
    precision = ServingPrecision(
        bytes_per_weight=fmt.bits_per_element / 8.0, bytes_per_kv=kv.bits_per_element / 8.0
    )
    return ServingSetup(
        spec=spec,
        device=dev,
        accelerators=hw,
        serving_format=fmt,
        compute_format=compute,
        kv_format=kv,
        precision=precision,
        efficiency=eff,
        efficiency_source=source,
        cost_law=law,
        prompt_tokens=spec.prompt_tokens + round(retrieved_tokens),
    )


@dataclass(frozen=True, slots=True)
class ShapeDims:
    """The dimensions of a concrete shape, held fixed while the parameter count varies."""

    n_layer: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    d_head: int


@dataclass(frozen=True, slots=True)
class ServedModelMap:
    """Loss-law N -> the served :class:`ServedModel` (smooth rule, or fixed dims)."""

    params_quantity: str
    architecture: Architecture
    vocab_size: int
    streams: int = 1
    dims: ShapeDims | None = None
    origin: float | None = None
    """For fixed dims: the law N whose concrete shape they are (they describe it only nearby)."""

    @property
    def _copies(self) -> int:
        return 1 if self.architecture.tied_embeddings else 2

    def _smooth_width_depth(self, n_non_embedding: float) -> tuple[float, float]:
        ratio = target_aspect_ratio(n_non_embedding)
        kv_fraction = _KV_FRACTION_GQA if self.architecture.grouped_query else 1.0
        per_layer = 10.0 + 2.0 * kv_fraction  # q, o, k, v and an 8 d^2 MLP (4x or gated 8/3)
        n_layer = (n_non_embedding / (per_layer * ratio**2)) ** (1.0 / 3.0)
        return ratio * n_layer, n_layer

    def _non_embedding(self, n_law: float) -> tuple[float, float, float]:
        """(non-embedding N, d_model, n_layer) for the law's N."""
        if self.dims is not None:
            d, layers = float(self.dims.d_model), float(self.dims.n_layer)
            if self.params_quantity != "n_params_total":
                return n_law, d, layers
            return max(n_law - self._copies * self.vocab_size * d, 0.0), d, layers
        n_nv = n_law
        d, layers = self._smooth_width_depth(max(n_nv, _SMALLEST_NON_EMBEDDING))
        if self.params_quantity == "n_params_total":
            for _ in range(30):  # d grows like N^(1/3): a contraction, settles fast
                n_nv = max(n_law - self._copies * self.vocab_size * d, _SMALLEST_NON_EMBEDDING)
                new_d, layers = self._smooth_width_depth(n_nv)
                if abs(new_d - d) <= 1e-12 * d:
                    break
                d = new_d
        return n_nv, d, layers

    def shape(self, n_law: float) -> ServedModel:
        n_nv, d, layers = self._non_embedding(n_law)
        embedding = self._copies * self.vocab_size * d
        if self.dims is not None:
            dims = self.dims
            backbone = ServedModel(
                params=n_nv + embedding,
                n_layer=dims.n_layer,
                n_kv_heads=dims.n_kv_heads,
                d_head=dims.d_head,
                d_model=dims.d_model,
                n_heads=dims.n_heads,
                vocab_size=self.vocab_size,
                stream_shared_params=embedding,
            )
        else:
            d_head = 128.0 if n_nv >= D_HEAD_SWITCH else 64.0
            kv_fraction = _KV_FRACTION_GQA if self.architecture.grouped_query else 1.0
            backbone = ServedModel(
                params=n_nv + embedding,
                n_layer=max(layers, 1.0),
                n_kv_heads=max(d * kv_fraction / d_head, 1.0),
                d_head=d_head,
                d_model=d,
                vocab_size=self.vocab_size,
                stream_shared_params=embedding,
            )
        return parscale.serving_shape(backbone, self.streams)
