from __future__ import annotations

import pytest

from laws_catalog import (
    CATALOG,
    AllocationLaw,
    LossLaw,
    UnknownConstantSet,
    UnknownLaw,
    WrongFamily,
)
from laws_catalog._types import ConstantSet, Evidence, Interval, Reference


def test_resolve_default_and_named_set() -> None:
    assert CATALOG.resolve("loss", "hoffmann2022", LossLaw).constants.name == "tex"
    resolved = CATALOG.resolve("loss", "hoffmann2022@eq10", LossLaw)
    assert resolved.constants.name == "eq10"
    assert resolved.ref == "hoffmann2022@eq10"


def test_unknown_law_lists_the_family() -> None:
    with pytest.raises(UnknownLaw) as info:
        CATALOG.resolve("loss", "chinchilla", LossLaw)
    assert "besiroglu2024" in info.value.allowed


def test_law_in_another_family_says_where_it_is() -> None:
    with pytest.raises(WrongFamily, match="allocation"):
        CATALOG.resolve("loss", "deepseek2024", LossLaw)
    assert CATALOG.resolve("allocation", "deepseek2024", AllocationLaw)


def test_unknown_constant_set_lists_the_sets() -> None:
    with pytest.raises(UnknownConstantSet) as info:
        CATALOG.resolve("loss", "hoffmann2022@nope", LossLaw)
    assert "hoffmann2022@eq10" in info.value.allowed


def test_one_paper_several_families() -> None:
    families = {law.family for law in CATALOG.find("kaplan2020")}
    assert families == {"loss", "allocation", "hyperparams"}


def test_reference_needs_an_identifier() -> None:
    with pytest.raises(ValueError, match="arXiv id, DOI or URL"):
        Reference(authors="A", title="T", year=2020)


def test_empty_interval_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty interval"):
        Interval(lower=2, upper=1, source="x")


def test_constant_set_rejects_non_finite_values() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        ConstantSet(name="x", values={"a": float("nan")}, source="s", evidence=Evidence.DERIVED)
