"""Properties of the roofline serving model and its inverses (what no published table covers)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from laws_catalog import CATALOG
from laws_catalog.inference import (
    Accelerators,
    Efficiency,
    ServedModel,
    ServingPrecision,
    limits,
    roofline,
)
from laws_catalog.inference.limits import NoFeasibleModel

H100 = Accelerators.from_table("h100", "bf16")
BF16 = ServingPrecision(bytes_per_weight=2, bytes_per_kv=2)
LLAMA_8B = ServedModel(
    params=8.03e9, n_layer=32, n_kv_heads=8, d_head=128, d_model=4096, n_heads=32
)


def aspect_ratio_rule(n_params: float) -> ServedModel:
    """A test shape rule: 12 L d^2 = N with d = 128 L, GQA 8:1, d_head 128."""
    n_layer = (n_params / (12 * 128**2)) ** (1 / 3)
    d_model = 128 * n_layer
    heads = d_model / 128
    return ServedModel(
        params=n_params,
        n_layer=max(1, round(n_layer)),
        n_kv_heads=max(1, round(heads / 8)),
        d_head=128,
        d_model=max(1, round(d_model)),
    )


def smooth_rule(n_params: float) -> ServedModel:
    """Like aspect_ratio_rule but with a KV footprint growing smoothly (n_layer ~ N^(1/3))."""
    n_layer = max(1, math.ceil((n_params / 1e8) ** (1 / 3)))
    return ServedModel(params=n_params, n_layer=n_layer, n_kv_heads=8, d_head=128, d_model=4096)


def test_inference_records_are_registered() -> None:
    ids = CATALOG.ids("inference")
    assert {"roofline", "parscale2025", "massiveds2024", "sardana2024"} <= set(ids)
    assert CATALOG.get("inference", "roofline").kind == "cost_model"


def test_kv_cache_bytes_per_token_formula() -> None:
    assert roofline.kv_cache_bytes_per_token(32, 8, 128, 2) == 131_072  # Llama-3-8B, notes 3.2
    assert roofline.kv_cache_bytes_per_token(36, 2, 96, 2) == 27_648  # ParScale h1536 stream


def test_decode_latency_grows_with_params_and_context() -> None:
    params = np.geomspace(1e8, 1e12, 25)
    times = [
        roofline.decode_step(LLAMA_8B.with_params(n), BF16, H100, 8, 2048).seconds for n in params
    ]
    assert np.all(np.diff(times) > 0)
    contexts = np.geomspace(1, 1e6, 25)
    for batch in (1, 64, 1024):
        by_context = [
            roofline.decode_step(LLAMA_8B, BF16, H100, batch, c).seconds for c in contexts
        ]
        assert np.all(np.diff(by_context) > 0)


def test_memory_grows_with_batch_and_context() -> None:
    base = roofline.serving_memory(LLAMA_8B, BF16, batch=1, context_tokens=1024).total
    assert roofline.serving_memory(LLAMA_8B, BF16, 2, 1024).total > base
    assert roofline.serving_memory(LLAMA_8B, BF16, 1, 2048).total > base
    per_token = roofline.kv_cache_bytes_per_token(32, 8, 128, 2)
    grown = roofline.serving_memory(LLAMA_8B, BF16, 4, 1000).kv_cache
    assert grown == pytest.approx(4 * 1000 * per_token, rel=1e-12)


def test_decode_turns_compute_bound_past_the_ridge_batch() -> None:
    eff = roofline.efficiency()
    ridge = roofline.compute_bound_batch(BF16, H100, eff)
    small = roofline.decode_step(LLAMA_8B, BF16, H100, int(ridge / 4), 1, eff)
    large = roofline.decode_step(LLAMA_8B, BF16, H100, int(ridge * 4), 1, eff)
    assert small.bound == "memory"
    assert large.bound == "compute"


def test_throughput_rises_with_batch_while_memory_bound() -> None:
    rates = [roofline.decode_throughput(LLAMA_8B, BF16, H100, b, 512) for b in (1, 2, 4, 8, 16)]
    assert np.all(np.diff(rates) > 0)


def test_efficiency_defaults_are_the_catalogue_constants() -> None:
    law = CATALOG.get("inference", "roofline")
    default = roofline.efficiency()
    assert default.mbu == law.constant_set().values["mbu"]
    ideal = roofline.decode_step(LLAMA_8B, BF16, H100, 1, 1, roofline.efficiency("ideal"))
    assert roofline.decode_step(LLAMA_8B, BF16, H100, 1, 1).seconds > ideal.seconds
    with pytest.raises(ValueError, match="mbu"):
        Efficiency(mfu_prefill=0.5, mfu_decode=0.5, mbu=1.5)


def test_time_to_first_token_is_the_prefill() -> None:
    ttft = roofline.time_to_first_token(LLAMA_8B, BF16, H100, prompt_tokens=2048)
    cost = roofline.request(LLAMA_8B, BF16, H100, 2048, 100)
    assert cost.time_to_first_token == ttft
    assert cost.decode_seconds_per_token == pytest.approx(
        np.mean(
            [roofline.decode_step(LLAMA_8B, BF16, H100, 1, 2048 + j).seconds for j in range(1, 101)]
        ),
        rel=1e-12,
    )


@pytest.mark.parametrize(("batch", "context"), [(1, 4096), (32, 4096), (512, 256)])
def test_latency_inverse_is_exact_for_a_fixed_shape(batch: int, context: int) -> None:
    limit = 0.02
    n_max = limits.max_params_for_decode_latency(limit, LLAMA_8B, BF16, H100, batch, context)
    at_bound = roofline.decode_step(LLAMA_8B.with_params(n_max), BF16, H100, batch, context)
    assert at_bound.seconds == pytest.approx(limit, rel=1e-9)
    over = roofline.decode_step(LLAMA_8B.with_params(n_max * 1.001), BF16, H100, batch, context)
    assert over.seconds > limit
    if batch == 512:
        assert at_bound.bound == "compute"


def test_latency_inverse_rejects_an_impossible_limit() -> None:
    with pytest.raises(NoFeasibleModel):  # 128 x 4096 tokens of KV alone take > 20 ms to read
        limits.max_params_for_decode_latency(0.02, LLAMA_8B, BF16, H100, 128, 4096)


@pytest.mark.parametrize("shape", [LLAMA_8B, smooth_rule], ids=["template", "rule"])
def test_tighter_latency_never_allows_a_larger_model(shape: object) -> None:
    assert isinstance(shape, ServedModel) or callable(shape)
    bounds = [
        limits.max_params_for_decode_latency(t, shape, BF16, H100, 16, 8192)  # type: ignore[arg-type]
        for t in np.geomspace(0.012, 0.5, 20)
    ]
    assert np.all(np.diff(bounds) > 0)


def test_rule_inverse_matches_brute_force() -> None:
    limit = 0.03
    n_max = limits.max_params_for_decode_latency(limit, smooth_rule, BF16, H100, 4, 8192)
    grid = np.geomspace(1e8, 1e12, 4001)
    feasible = [
        n
        for n in grid
        if roofline.decode_step(smooth_rule(n), BF16, H100, 4, 8192).seconds <= limit
    ]
    assert max(feasible) <= n_max < max(feasible) * grid[1] / grid[0] * (1 + 1e-9)


def test_memory_inverse_and_infeasibility() -> None:
    budget = 80e9
    n_max = limits.max_params_for_memory(budget, LLAMA_8B, BF16, batch=16, context_tokens=8192)
    total = roofline.serving_memory(LLAMA_8B.with_params(n_max), BF16, 16, 8192).total
    assert total == pytest.approx(budget, rel=1e-12)
    assert limits.max_params_for_memory(budget, LLAMA_8B, BF16, 8, 8192) > n_max
    with pytest.raises(NoFeasibleModel):  # 1024 x 64k tokens of KV cache exceed 80 GB alone
        limits.max_params_for_memory(budget, LLAMA_8B, BF16, 1024, 65536)
    fp8 = ServingPrecision(bytes_per_weight=1, bytes_per_kv=1)
    assert limits.max_params_for_memory(budget, LLAMA_8B, fp8, 16, 8192) > 2 * n_max


def test_ttft_inverse_and_more_devices_allow_more_params() -> None:
    one = limits.max_params_for_time_to_first_token(0.2, LLAMA_8B, BF16, H100, 4096)
    eight = Accelerators.from_table("h100", "bf16", count=8)
    assert limits.max_params_for_time_to_first_token(0.2, LLAMA_8B, BF16, eight, 4096) > one
    ttft = roofline.time_to_first_token(LLAMA_8B.with_params(one), BF16, H100, 4096)
    assert ttft == pytest.approx(0.2, rel=1e-9)


def test_rule_shapes_scale_kv_with_size() -> None:
    small, large = aspect_ratio_rule(1e9), aspect_ratio_rule(1e11)
    assert large.n_layer > small.n_layer
    assert large.n_kv_heads > small.n_kv_heads
    bound = limits.max_params_for_memory(141e9, aspect_ratio_rule, BF16, 32, 32768)
    fixed = limits.max_params_for_memory(141e9, LLAMA_8B, BF16, 32, 32768)
    assert bound > 1e9
    assert bound != fixed


def test_multi_device_communication_is_modelled_only_when_given() -> None:
    plain = Accelerators.from_table("a100", "bf16", count=4)
    linked = Accelerators.from_table(
        "a100", "bf16", count=4, interconnect_bandwidth=300e9, message_latency=8e-6
    )
    assert roofline.decode_step(LLAMA_8B, BF16, plain, 1, 128).comm_seconds == 0
    assert roofline.decode_step(LLAMA_8B, BF16, linked, 1, 128).comm_seconds > 0


def test_estimate_bundles_the_pieces_consistently() -> None:
    est = roofline.estimate(LLAMA_8B, BF16, H100, prompt_tokens=1000, output_tokens=200, batch=4)
    cost = roofline.request(LLAMA_8B, BF16, H100, 1000, 200, 4)
    assert est.time_to_first_token == cost.time_to_first_token
    assert est.decode_throughput == pytest.approx(4 / cost.decode_seconds_per_token)
    assert est.worst_decode_seconds >= est.decode_seconds_per_token
    assert est.fits is True
    assert est.memory.total == roofline.serving_memory(LLAMA_8B, BF16, 4, 1200, 1000).total
    huge = roofline.estimate(LLAMA_8B.with_params(70e9), BF16, H100, 1000, 200)
    assert huge.fits is False
    with pytest.raises(ValueError, match="batch"):
        roofline.decode_step(LLAMA_8B, BF16, H100, 0, 100)
