"""The planner-facing API: training formats per device, penalties, serving memory and loss."""

from __future__ import annotations

import pytest

from laws_catalog.hardware import Device, device, parse_device
from laws_catalog.precision import (
    best_serving_format,
    number_format,
    serving_estimate,
    supports,
    training_formats,
    training_penalty,
)
from laws_catalog.precision.kumar2024 import LAW as KUMAR
from laws_catalog.precision.ouyang2024 import LAW as OUYANG
from laws_catalog.precision.sun2025 import CHANNELWISE_LOG2_BLOCK
from laws_catalog.precision.sun2025 import LAW as SUN


def _names(name: str, include_integer: bool = False) -> set[str]:
    return {row.format.name for row in training_formats(name, include_integer=include_integer)}


def _names_extra(name: str, extra: dict[str, Device]) -> set[str]:
    return {row.format.name for row in training_formats(name, extra=extra)}


def test_blackwell_trains_in_fp4_and_microscaled_formats_at_their_dense_peaks() -> None:
    rows = {row.format.name: row for row in training_formats("b200")}
    assert rows["nvfp4"].flops == 9000e12
    assert rows["mxfp4"].flops == 9000e12
    assert rows["mxfp8"].flops == rows["fp8_e4m3"].flops == 4500e12
    assert rows["bf16"].flops == 2250e12
    assert rows["nvfp4"].peak.printed_sparse == 18000e12  # dense is half the printed figure
    assert next(iter(rows)) in {"nvfp4", "mxfp4"}  # fastest first


def test_hopper_has_fp8_but_no_fp4_or_microscaling() -> None:
    names = _names("h100")
    assert {"fp8_e4m3", "fp8_e5m2", "bf16", "fp16", "tf32", "fp32"} == names
    h100 = device("h100")
    assert supports(h100, "fp8_e4m3")
    assert not supports(h100, "mxfp8")  # FP8 row present, but no MX block scaling
    assert not supports(h100, "nvfp4")


def test_other_devices() -> None:
    assert "fp8_e4m3" not in _names("a100")  # Ampere has no FP8
    assert {"fp8_e4m3", "bf16"} <= _names("mi300x")
    assert not {"mxfp8", "nvfp4"} & _names("mi300x")
    v5p = {row.format.name: row.flops for row in training_formats("tpu_v5p")}
    assert v5p["fp8_e4m3"] == v5p["bf16"] == 459e12  # FP8 saves memory, not time, on v5p


def test_integer_formats_only_on_request() -> None:
    assert "int8" not in _names("a100")
    with_ints = _names("a100", include_integer=True)
    assert {"int8", "int4"} <= with_ints
    assert "int4_b64" not in with_ints  # a weight-only software format, not a tensor-core one


def test_user_devices_are_used_by_training_formats() -> None:
    user = parse_device(
        {
            "id": "my_gpu",
            "dense_peak": {"bf16": 1e15, "fp8": 2e15, "fp4": 4e15},
            "memory_bytes": 96e9,
            "memory_bandwidth": 4e12,
            "block_scaled_formats": ["mxfp4"],
        }
    )
    names = _names_extra("my_gpu", {"my_gpu": user})
    assert {"mxfp4", "fp8_e4m3", "bf16"} <= names
    assert "nvfp4" not in names  # not declared by the user


def test_sun_penalty_for_a_block_scaled_format() -> None:
    est = training_penalty("nvfp4", 1e9, 1e12)
    assert est.value == pytest.approx(
        SUN.call(
            "penalty", n_params=1e9, n_tokens=1e12, exponent_bits=2, mantissa_bits=1, log2_block=4.0
        ),
        rel=1e-12,
    )
    assert est.value == pytest.approx(0.0661, rel=1e-3)  # Sun et al. 2025 Eq. 1
    assert est.law == "precision/sun2025"
    assert est.inputs["block_size"] == 16
    assert any("P2, P4" in caveat for caveat in est.caveats)  # the caveat in every answer
    assert any("UE4M3" in w for w in est.warnings)
    assert any("block_size = 16" in w for w in est.warnings)  # below the fitted 32


def test_sun_penalty_of_unblocked_fp8_uses_channelwise_scaling() -> None:
    est = training_penalty("fp8_e4m3", 1e9, 1e11)
    expected = SUN.call(
        "penalty",
        n_params=1e9,
        n_tokens=1e11,
        exponent_bits=4,
        mantissa_bits=3,
        log2_block=CHANNELWISE_LOG2_BLOCK,
    )
    assert est.value == pytest.approx(expected, rel=1e-12)
    assert any("channel-wise" in w for w in est.warnings)
    forced = training_penalty("fp8_e4m3", 1e9, 1e11, log2_block=7.0)
    assert forced.value == pytest.approx(0.00044, rel=0.02)  # Sun et al. 2025 Eq. 1, B = 128


def test_16_bit_formats_are_the_baseline() -> None:
    for law in ("sun2025", "kumar2024"):
        for name in ("bf16", "fp16", "fp32"):
            est = training_penalty(name, 1e9, 1e12, law=law)
            assert est.value == 0.0
            assert est.caveats  # still carries the law's caveats


def test_kumar_penalty_by_bit_width() -> None:
    est = training_penalty("fp8_e4m3", 1e8, 1e10, law="kumar2024")
    assert est.value == pytest.approx(
        KUMAR.call("training_penalty", n_params=1e8, bits_w=8.0, bits_a=8.0, bits_kv=8.0), rel=1e-12
    )
    assert any("float" in w for w in est.warnings)
    assert est.inputs["training_bits"] == 8


@pytest.mark.parametrize("law", ["sun2025", "kumar2024"])
def test_training_penalty_falls_as_bits_rise(law: str) -> None:
    order = ["nvfp4", "mxfp6_e3m2", "mxfp8", "bf16"]
    values = [training_penalty(name, 1e9, 1e12, law=law).value for name in order]
    assert values == sorted(values, reverse=True)
    assert values[0] > values[1] > values[2] > values[3] == 0.0


def test_penalty_rejects_unknown_laws_and_bad_sizes() -> None:
    with pytest.raises(ValueError, match="allowed"):
        training_penalty("bf16", 1e9, 1e12, law="ouyang2024")
    with pytest.raises(ValueError, match="positive"):
        training_penalty("bf16", -1.0, 1e12)


def test_serving_estimate_memory_and_loss() -> None:
    est = serving_estimate("nvfp4", 7e9, 2e12, n_params_stored=7.5e9, base_loss=2.0)
    assert est.weight_bytes == pytest.approx(7.5e9 * 4.5 / 8)
    assert est.bits_per_param == 4.5
    increase = OUYANG.call("degradation", n_params=7e9, n_tokens=2e12, bits=4)
    assert est.loss_increase.value == pytest.approx(increase, rel=1e-12)
    assert est.loss == pytest.approx(2.0 + increase)
    assert est.law_loss == pytest.approx(
        OUYANG.call("loss_16bit", n_params=7e9, n_tokens=2e12) + increase
    )
    assert any("block scales" in w for w in est.loss_increase.warnings)


def test_serving_in_16_bit_costs_no_loss() -> None:
    est = serving_estimate("bf16", 7e9, 2e12)
    assert est.loss_increase.value == 0.0
    assert est.weight_bytes == 14e9
    assert est.loss is None


@pytest.mark.parametrize("law", ["ouyang2024", "kumar2024"])
def test_ptq_penalty_grows_as_bits_fall(law: str) -> None:
    order = ["int4", "mxfp6_e2m3", "int8", "bf16"]
    values = [serving_estimate(name, 7e9, 2e12, law=law).loss_increase.value for name in order]
    assert values[0] > values[1] > values[2] > values[3] == 0.0


def test_eight_bit_ptq_is_flagged_as_outside_ouyangs_fit() -> None:
    est = serving_estimate("int8", 7e9, 2e12)
    assert any("post_training_bits = 8 is above" in w for w in est.loss_increase.warnings)


def test_best_serving_format_takes_the_widest_that_fits() -> None:
    n = 7e9
    best = best_serving_format(20e9, n, 2e12).best
    assert best is not None
    assert best.format.name == "bf16"
    choice = best_serving_format(10e9, n, 2e12)
    assert choice.best is not None
    assert choice.best.format.total_bits == 8
    assert choice.best.weight_bytes <= 10e9
    assert all(e.weight_bytes > 10e9 for e in choice.too_large)
    assert {e.format.name for e in choice.too_large} >= {"bf16", "fp16", "fp32"}
    assert choice.feasible[0].loss_increase.value == choice.best.loss_increase.value


def test_loss_tolerance_trades_a_little_loss_for_memory() -> None:
    strict = best_serving_format(20e9, 7e9, 2e12)
    loose = best_serving_format(20e9, 7e9, 2e12, loss_tolerance=0.05)
    assert loose.best is not None
    assert strict.best is not None
    assert loose.best.weight_bytes < strict.best.weight_bytes
    assert loose.best.loss_increase.value <= 0.05


def test_nothing_fits() -> None:
    choice = best_serving_format(1e9, 7e9, 2e12)
    assert choice.best is None
    assert not choice.feasible
    assert len(choice.too_large) > 0


def test_candidates_can_be_restricted_to_a_device() -> None:
    native = [row.format for row in training_formats("h100")]
    choice = best_serving_format(10e9, 7e9, 2e12, candidates=native)
    assert choice.best is not None
    assert choice.best.format.name in {"fp8_e4m3", "fp8_e5m2"}
    assert number_format(choice.best.format.name).hardware_key == "fp8"
