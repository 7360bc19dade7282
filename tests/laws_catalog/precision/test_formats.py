"""Number formats: layouts, bits in memory, hardware rows."""

from __future__ import annotations

import pytest

from laws_catalog.hardware import HARDWARE_FORMAT_KEYS
from laws_catalog.precision import FloatLayout
from laws_catalog.precision.formats import FORMATS, NumberFormat, UnknownFormat, number_format
from laws_catalog.precision.sun2025 import LAW as SUN

# OCP MX v1.0 and NVIDIA NVFP4: bits per element including the block scale's share
BITS_PER_ELEMENT = {
    "nvfp4": 4.5,  # 4 + 8/16
    "mxfp4": 4.25,  # 4 + 8/32
    "mxfp8": 8.25,  # 8 + 8/32
    "mxfp6_e2m3": 6.25,
    "int4_b64": 4.25,  # Dettmers: 16-bit absmax per 64 -> 0.25 extra bits (vector 19)
    "fp8_e4m3": 8.0,
    "bf16": 16.0,
    "tf32": 32.0,  # stored in FP32 containers
    "fp32": 32.0,
}


@pytest.mark.parametrize(("name", "bits"), sorted(BITS_PER_ELEMENT.items()))
def test_bits_per_element(name: str, bits: float) -> None:
    assert number_format(name).bits_per_element == bits


def test_dettmers_block_overhead_is_a_quarter_bit() -> None:
    """Dettmers & Zettlemoyer: a 16-bit scale per 64 weights costs 0.25 bit per parameter."""
    f = number_format("int4_b64")
    assert f.bits_per_element - f.total_bits == 0.25


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_layouts_are_consistent(name: str) -> None:
    f = FORMATS[name]
    assert f.total_bits == f.exponent_bits + f.mantissa_bits + 1
    assert f.hardware_key in HARDWARE_FORMAT_KEYS
    assert f.source
    assert (f.block_size is None) == (f.scale_bits == 0)


def test_hardware_rows_of_block_scaled_formats() -> None:
    assert number_format("nvfp4").hardware_key == "fp4"
    assert number_format("mxfp4").hardware_key == "fp4"
    assert number_format("mxfp8").hardware_key == "fp8"
    assert number_format("mxfp6_e3m2").hardware_key == "fp6"


@pytest.mark.parametrize(("name", "bits"), [("fp8_e4m3", 8), ("nvfp4", 4), ("mxfp4", 4)])
def test_hardware_fp8_and_fp4_layouts_are_suns_optimal_ones(name: str, bits: int) -> None:
    """Sun et al. Fig. 5: the best FP8 split is E4M3 and the best FP4 split E2M1 - the
    layouts vendors chose for FP8 E4M3, NVFP4 and MXFP4."""
    f = number_format(name)
    assert SUN.call("best_layout", total_bits=bits) == FloatLayout(f.exponent_bits, f.mantissa_bits)


def test_weight_bytes() -> None:
    assert number_format("bf16").weight_bytes(7e9) == 14e9
    assert number_format("nvfp4").weight_bytes(8e9) == pytest.approx(4.5e9)
    with pytest.raises(ValueError, match="positive"):
        number_format("bf16").weight_bytes(0)


def test_lookup_by_alias_and_unknown_names() -> None:
    assert number_format("BFloat16").name == "bf16"
    assert number_format(" e4m3 ").name == "fp8_e4m3"
    f = number_format("int8")
    assert number_format(f) is f
    with pytest.raises(UnknownFormat) as info:
        number_format("fp5")
    assert "nvfp4" in info.value.allowed


def test_invalid_layouts_are_rejected() -> None:
    base = number_format("fp8_e4m3").model_dump()
    with pytest.raises(ValueError, match="exponent \\+ mantissa"):
        NumberFormat.model_validate(base | {"mantissa_bits": 4})
    with pytest.raises(ValueError, match="go together"):
        NumberFormat.model_validate(base | {"block_size": 32})
    with pytest.raises(ValueError, match="hardware key"):
        NumberFormat.model_validate(base | {"hardware_key": "fp5"})
