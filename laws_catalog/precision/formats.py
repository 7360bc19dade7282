"""Number formats a model can be trained or served in: layout, block scaling, bits in memory.

Each format records its element layout (sign + ``exponent_bits`` + ``mantissa_bits``), the block
scaling of microscaled formats (elements per scale and the scale's width), the bits one element
costs in memory including its share of the block scale (sources per format below), and the key
of the dense-peak row it runs at in :mod:`laws_catalog.hardware` (NVFP4 and MXFP4 both run at
the ``"fp4"`` rate).

Integer formats are described with ``exponent_bits = 0`` and ``mantissa_bits = bits - 1``: that is
how Sun et al. (2025) place INT8 on their exponent/mantissa axes (E0M7).

>>> f = number_format("nvfp4")
>>> (f.exponent_bits, f.mantissa_bits, f.block_size, f.bits_per_element, f.hardware_key)
(2, 1, 16, 4.5, 'fp4')
>>> round(number_format("mxfp4").weight_bytes(7e9) / 1e9, 4)
3.7188
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .._types import Evidence
from ..hardware import HARDWARE_FORMAT_KEYS

__all__ = [
    "FORMATS",
    "REFERENCE_BITS",
    "NumberFormat",
    "UnknownFormat",
    "number_format",
]

REFERENCE_BITS = 16
"""Formats at least this wide are the laws' unquantised baseline (their fits use BF16 runs)."""


class UnknownFormat(LookupError):
    """No number format of that name; ``allowed`` lists the known names."""

    def __init__(self, message: str, *, allowed: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.allowed = allowed


class NumberFormat(BaseModel):
    """One element format, optionally block-scaled."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    kind: Literal["float", "int"]
    total_bits: int = Field(ge=1, le=64, description="element bits, sign included")
    exponent_bits: int = Field(ge=0, description="0 for integer formats")
    mantissa_bits: int = Field(ge=0, description="bits - 1 for integer formats")
    block_size: int | None = Field(
        default=None, ge=1, description="elements sharing one scale; None = per tensor/channel"
    )
    scale_bits: int = Field(default=0, ge=0, description="bits of one block scale")
    scale_format: str | None = None
    container_bits: int | None = Field(
        default=None, description="storage width when wider than the encoding (TF32 in FP32)"
    )
    hardware_key: str = Field(description="row of Device.dense_peak this format runs at")
    aliases: tuple[str, ...] = ()
    source: str
    evidence: Evidence
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> NumberFormat:
        if self.total_bits != self.exponent_bits + self.mantissa_bits + 1:
            raise ValueError(f"{self.name}: total_bits must be exponent + mantissa + sign")
        if self.kind == "int" and self.exponent_bits != 0:
            raise ValueError(f"{self.name}: integer formats have no exponent bits")
        if (self.block_size is None) != (self.scale_bits == 0):
            raise ValueError(f"{self.name}: block_size and scale_bits go together")
        if self.hardware_key not in HARDWARE_FORMAT_KEYS:
            raise ValueError(f"{self.name}: unknown hardware key {self.hardware_key!r}")
        return self

    @property
    def block_scaled(self) -> bool:
        """True for microscaled formats (a scale per small block: MX, NVFP4)."""
        return self.block_size is not None

    @property
    def is_reference(self) -> bool:
        """16-bit or wider: the unquantised baseline of every precision law here."""
        return self.total_bits >= REFERENCE_BITS

    @property
    def bits_per_element(self) -> float:
        """Memory per element [bits]: storage width plus the block scale's share."""
        storage = self.container_bits or self.total_bits
        if self.block_size is None:
            return float(storage)
        return storage + self.scale_bits / self.block_size

    @property
    def log2_block(self) -> float | None:
        """log2 of the block size, the information-loss factor of Sun et al.; None if unblocked."""
        return None if self.block_size is None else math.log2(self.block_size)

    def weight_bytes(self, n_params: float) -> float:
        """Bytes to hold ``n_params`` weights in this format (scales included, no padding)."""
        if not (n_params > 0 and math.isfinite(n_params)):
            raise ValueError(f"n_params must be positive and finite, got {n_params}")
        return n_params * self.bits_per_element / 8.0


_IEEE = "IEEE 754-2019 interchange formats"
_FP8 = (
    "Micikevicius et al. 2022, 'FP8 Formats for Deep Learning' (arXiv:2209.05433); "
    "OCP 8-bit Floating Point Specification (OFP8)"
)
_MX = (
    "OCP Microscaling Formats (MX) Specification v1.0: 32 elements share one E8M0 "
    "(power-of-two) scale"
)
_NVFP4 = (
    "NVIDIA Blackwell NVFP4: E2M1 elements, one UE4M3 scale per 16 elements plus one FP32 "
    "scale per tensor (secondary sources agree: Intel neural-compressor docs, Modular "
    "fp4_utils, cubecl presets, cuTile tutorial)"
)
_SECONDARY = Evidence.VERIFIED_SECONDARY

_FORMAT_LIST = (
    NumberFormat(
        name="fp32",
        title="FP32 (IEEE binary32)",
        kind="float",
        total_bits=32,
        exponent_bits=8,
        mantissa_bits=23,
        hardware_key="fp32",
        aliases=("float32",),
        source=_IEEE,
        evidence=Evidence.VERIFIED,
    ),
    NumberFormat(
        name="tf32",
        title="TF32 (NVIDIA TensorFloat-32)",
        kind="float",
        total_bits=19,
        exponent_bits=8,
        mantissa_bits=10,
        container_bits=32,
        hardware_key="tf32",
        aliases=("tensorfloat32",),
        source="NVIDIA A100 (Ampere) architecture whitepaper: FP32 range, FP16 precision",
        evidence=_SECONDARY,
        notes=("A tensor-core compute mode: tensors are stored as FP32 (32 bits).",),
    ),
    NumberFormat(
        name="bf16",
        title="BF16 (bfloat16)",
        kind="float",
        total_bits=16,
        exponent_bits=8,
        mantissa_bits=7,
        hardware_key="bf16",
        aliases=("bfloat16",),
        source="Google bfloat16 (E8M7); Sun et al. 2025 call the E8M7 layout BF16's",
        evidence=Evidence.VERIFIED,
    ),
    NumberFormat(
        name="fp16",
        title="FP16 (IEEE binary16)",
        kind="float",
        total_bits=16,
        exponent_bits=5,
        mantissa_bits=10,
        hardware_key="fp16",
        aliases=("float16", "half"),
        source=_IEEE,
        evidence=Evidence.VERIFIED,
    ),
    NumberFormat(
        name="fp8_e4m3",
        title="FP8 E4M3 (per-tensor scaled)",
        kind="float",
        total_bits=8,
        exponent_bits=4,
        mantissa_bits=3,
        hardware_key="fp8",
        aliases=("e4m3",),
        source=_FP8,
        evidence=Evidence.VERIFIED,
        notes=("Scaled per tensor in common recipes (Transformer Engine); no block scale.",),
    ),
    NumberFormat(
        name="fp8_e5m2",
        title="FP8 E5M2 (per-tensor scaled)",
        kind="float",
        total_bits=8,
        exponent_bits=5,
        mantissa_bits=2,
        hardware_key="fp8",
        aliases=("e5m2",),
        source=_FP8,
        evidence=Evidence.VERIFIED,
        notes=("Usually reserved for gradients; E4M3 for weights and activations.",),
    ),
    NumberFormat(
        name="mxfp8",
        title="MXFP8 (E4M3 elements, OCP MX)",
        kind="float",
        total_bits=8,
        exponent_bits=4,
        mantissa_bits=3,
        block_size=32,
        scale_bits=8,
        scale_format="E8M0",
        hardware_key="fp8",
        source=f"{_MX}; 8.25 bits/element also in NVIDIA TransformerEngine docs",
        evidence=_SECONDARY,
    ),
    NumberFormat(
        name="mxfp6_e3m2",
        title="MXFP6 E3M2 (OCP MX)",
        kind="float",
        total_bits=6,
        exponent_bits=3,
        mantissa_bits=2,
        block_size=32,
        scale_bits=8,
        scale_format="E8M0",
        hardware_key="fp6",
        source=_MX,
        evidence=_SECONDARY,
        notes=("FP6 exists as an MX element type; Blackwell's FP6 row runs it.",),
    ),
    NumberFormat(
        name="mxfp6_e2m3",
        title="MXFP6 E2M3 (OCP MX)",
        kind="float",
        total_bits=6,
        exponent_bits=2,
        mantissa_bits=3,
        block_size=32,
        scale_bits=8,
        scale_format="E8M0",
        hardware_key="fp6",
        source=_MX,
        evidence=_SECONDARY,
        notes=("FP6 exists as an MX element type; Blackwell's FP6 row runs it.",),
    ),
    NumberFormat(
        name="nvfp4",
        title="NVFP4 (E2M1, 16-element blocks)",
        kind="float",
        total_bits=4,
        exponent_bits=2,
        mantissa_bits=1,
        block_size=16,
        scale_bits=8,
        scale_format="UE4M3",
        hardware_key="fp4",
        source=_NVFP4,
        evidence=_SECONDARY,
        notes=("The per-tensor FP32 scale adds 32 bits per tensor (negligible, not counted).",),
    ),
    NumberFormat(
        name="mxfp4",
        title="MXFP4 (E2M1, OCP MX)",
        kind="float",
        total_bits=4,
        exponent_bits=2,
        mantissa_bits=1,
        block_size=32,
        scale_bits=8,
        scale_format="E8M0",
        hardware_key="fp4",
        source=f"{_MX}; 4.25 bits/element also in docs.rs float4 MXFP4Block and Modular",
        evidence=_SECONDARY,
    ),
    NumberFormat(
        name="int8",
        title="INT8 (per-channel or per-tensor scaled)",
        kind="int",
        total_bits=8,
        exponent_bits=0,
        mantissa_bits=7,
        hardware_key="int8",
        source="two's-complement integer; scale per tensor/channel not counted",
        evidence=Evidence.VERIFIED,
    ),
    NumberFormat(
        name="int4",
        title="INT4 (per-channel scaled)",
        kind="int",
        total_bits=4,
        exponent_bits=0,
        mantissa_bits=3,
        hardware_key="int4",
        source="two's-complement integer; scale per channel not counted",
        evidence=Evidence.VERIFIED,
        notes=("Usually weight-only (W4A16): compute runs at the 16-bit rate.",),
    ),
    NumberFormat(
        name="int4_b64",
        title="INT4 with a 16-bit absmax scale per 64 weights",
        kind="int",
        total_bits=4,
        exponent_bits=0,
        mantissa_bits=3,
        block_size=64,
        scale_bits=16,
        scale_format="FP16",
        hardware_key="int4",
        source="Dettmers & Zettlemoyer 2023 (arXiv:2212.09720): 16/64 = 0.25 extra bits/param",
        evidence=Evidence.VERIFIED,
        notes=("Weight-only serving format; the 4-bit choice their k-bit study favours.",),
    ),
)

FORMATS: dict[str, NumberFormat] = {f.name: f for f in _FORMAT_LIST}
_BY_NAME: dict[str, NumberFormat] = {name: f for f in _FORMAT_LIST for name in (f.name, *f.aliases)}


def number_format(name: str | NumberFormat) -> NumberFormat:
    """Look a format up by name or alias (case-insensitive); a format passes through."""
    if isinstance(name, NumberFormat):
        return name
    found = _BY_NAME.get(name.strip().lower())
    if found is None:
        raise UnknownFormat(f"unknown number format {name!r}", allowed=sorted(_BY_NAME))
    return found
