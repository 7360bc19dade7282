"""The multi-source model: reductions to the single-source law and its invariances."""

from __future__ import annotations

import math

import numpy as np
import pytest

from laws_catalog import CATALOG
from laws_catalog.data import multisource as ms
from laws_catalog.data import repetition_constants
from laws_catalog.data.muennighoff2023 import LAW

C = repetition_constants(LAW)


def test_one_source_of_quality_one_is_the_repetition_law() -> None:
    tokens = np.geomspace(1e9, 1e13, 50)
    source = ms.DataSource("c4", unique_tokens=2e10)
    ours = np.asarray(ms.mixture_loss(3e9, [tokens], [source]))
    assert np.array_equal(ours, np.asarray(C.loss(3e9, tokens, 2e10)))


def test_splitting_a_source_at_equal_epochs_changes_nothing() -> None:
    """D' depends on U and D only through U and D/U, so it is homogeneous of degree one."""
    whole = ms.DataSource("web", unique_tokens=9e9)
    parts = [ms.DataSource("a", 2e9), ms.DataSource("b", 3e9), ms.DataSource("c", 4e9)]
    for epochs in (0.5, 1.0, 3.0, 40.0):
        one = ms.mixture_loss(1e9, [9e9 * epochs], [whole])
        three = ms.mixture_loss(1e9, [2e9 * epochs, 3e9 * epochs, 4e9 * epochs], parts)
        assert three == pytest.approx(one, rel=1e-14)


def test_quality_scales_effective_data_and_the_unique_pool() -> None:
    plain = ms.DataSource("x", 1e10)
    rich = ms.DataSource("x2", 1e10, quality=2.0)
    for tokens in (5e9, 1e10, 8e10):
        assert ms.source_effective_tokens(rich, tokens, C) == pytest.approx(
            2 * float(ms.source_effective_tokens(plain, tokens, C)), rel=1e-15
        )
    assert ms.unique_pool([plain, rich]) == 3e10


def test_slower_decay_keeps_repeated_tokens_worth_more() -> None:
    fast = ms.DataSource("fast", 1e10, repetition_decay=3.0)
    slow = ms.DataSource("slow", 1e10, repetition_decay=40.0)
    tokens = 1e11  # 10 epochs
    assert ms.source_effective_tokens(fast, tokens, C) < ms.source_effective_tokens(
        ms.DataSource("law", 1e10), tokens, C
    )
    assert ms.source_effective_tokens(slow, tokens, C) > ms.source_effective_tokens(
        ms.DataSource("law", 1e10), tokens, C
    )


def test_unused_source_contributes_nothing() -> None:
    a, b = ms.DataSource("a", 1e10), ms.DataSource("b", 5e9, quality=3.0)
    assert ms.mixture_effective_tokens([4e10, 0.0], [a, b], C) == pytest.approx(
        float(ms.source_effective_tokens(a, 4e10, C))
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "", "unique_tokens": 1e9}, "name"),
        ({"name": "x", "unique_tokens": 0.0}, "unique_tokens"),
        ({"name": "x", "unique_tokens": 1e9, "quality": 0.0}, "quality"),
        ({"name": "x", "unique_tokens": 1e9, "quality": math.inf}, "quality"),
        ({"name": "x", "unique_tokens": 1e9, "repetition_decay": -1.0}, "repetition_decay"),
    ],
)
def test_bad_sources_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ms.DataSource(**kwargs)  # type: ignore[arg-type]


def test_model_is_documented_but_not_a_catalogue_law() -> None:
    """A project model with no published constants: caveats travel with every answer."""
    assert "multisource" not in CATALOG.ids("data")
    assert ms.CAVEATS
    assert any("Goyal" in c for c in ms.CAVEATS)
    assert ms.__doc__ is not None
    assert "2404.07177" in ms.__doc__
