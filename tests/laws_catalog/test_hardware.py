"""The hardware table: dense figures, every one with a source."""

from __future__ import annotations

import pytest

from laws_catalog.hardware import DEVICES, UnknownDevice, UnsupportedFormat, device


@pytest.mark.parametrize("device_id", sorted(DEVICES))
def test_every_figure_has_a_source(device_id: str) -> None:
    dev = DEVICES[device_id]
    figures = [*dev.dense_peak.values(), dev.memory_bytes, dev.memory_bandwidth]
    for figure in figures:
        assert figure.source
        assert figure.value > 0


# vendor datasheets (see each device's sources): dense BF16 TFLOP/s, HBM GB, bandwidth TB/s
TABLE = {
    "a100": (312, 80, 2.039),
    "h100": (989.5, 80, 3.35),
    "h200": (989.5, 141, 4.8),
    "b200": (2250, 180, 7.7),
    "mi300x": (1307.4, 192, 5.3),
    "tpu_v5p": (459, 95, 2.765),
}


@pytest.mark.parametrize(("name", "expected"), sorted(TABLE.items()))
def test_dense_bf16_memory_and_bandwidth(name: str, expected: tuple[float, float, float]) -> None:
    dev = device(name)
    tflops, gb, tb_s = expected
    assert dev.peak_flops("bf16") == pytest.approx(tflops * 1e12, rel=1e-9)
    assert dev.memory_bytes.value == pytest.approx(gb * 1e9, rel=1e-9)
    assert dev.memory_bandwidth.value == pytest.approx(tb_s * 1e12, rel=1e-9)


def test_dense_figures_are_half_the_sparse_ones() -> None:
    """NVIDIA prints 1,979 TFLOP/s BF16 for H100 SXM *with sparsity*; dense is half."""
    assert device("h100").peak_flops("bf16") == pytest.approx(1979e12 / 2, rel=1e-3)


def test_unknown_device_and_format() -> None:
    with pytest.raises(UnknownDevice) as info:
        device("h800")
    assert "h100" in info.value.allowed
    with pytest.raises(UnsupportedFormat):
        device("a100").peak_flops("fp8")


def test_an_unsupported_format_is_not_an_unknown_device() -> None:
    """Both are lookups that failed, but a caller must be able to tell which field was wrong."""
    assert not issubclass(UnsupportedFormat, UnknownDevice)
    with pytest.raises(UnsupportedFormat) as raised:
        device("h100").peak_flops("int4_b64")
    assert raised.value.allowed
