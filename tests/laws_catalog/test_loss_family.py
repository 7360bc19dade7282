"""The loss family's functions the planner calls, and the user-fitted law's record."""

from __future__ import annotations

import pytest

from laws_catalog import CATALOG
from laws_catalog.allocation import hoffmann2022 as allocation_hoffmann2022
from laws_catalog.data import muennighoff2023 as repetition
from laws_catalog.loss import (
    LossLaw,
    besiroglu2024,
    downstream_error,
    gadre2024,
    hoffmann2022,
    is_loss_law,
    loss,
    posynomial,
)
from planner.fitting.record import FITTED_SET, fitted_law_record
from planner.schemas.fitted_law import FittedLaw, FittedRange


def test_posynomial_is_built_once_per_law_and_constant_set() -> None:
    law = hoffmann2022.LAW
    assert posynomial(law) is posynomial(law, "tex")
    assert posynomial(law, "eq10") is posynomial(law, "eq10")
    assert posynomial(law, "eq10") != posynomial(law, "tex")


def test_family_functions_agree_with_the_law_functions() -> None:
    law = besiroglu2024.LAW
    for cset in law.constant_set_names():
        direct = law.call("loss", cset, n_params=7e10, n_tokens=1.4e12)
        assert loss(law, 7e10, 1.4e12, cset) == direct


def test_downstream_error_only_where_the_law_has_one() -> None:
    assert downstream_error(besiroglu2024.LAW, 2.5) is None
    err = downstream_error(gadre2024.LAW, 2.5, "c4")
    assert err == gadre2024.downstream_error(2.5, eps=0.8497, k=2.0789, gamma=0.7561)


def test_only_loss_laws_are_loss_laws() -> None:
    assert is_loss_law(hoffmann2022.LAW)
    assert not is_loss_law(allocation_hoffmann2022.LAW)
    assert not is_loss_law(repetition.LAW)
    assert {law.id for law in CATALOG.all_laws() if is_loss_law(law)} == set(CATALOG.ids("loss"))


@pytest.mark.parametrize(
    ("form", "constants"),
    [
        ("chinchilla", {"E": 1.8, "A": 480.0, "B": 2000.0, "alpha": 0.35, "beta": 0.36}),
        ("gadre2024", {"E": 1.5, "a": 113.0, "b": 190.0, "p": 0.24}),
    ],
)
def test_a_fitted_law_is_the_same_record_as_a_catalogue_law(
    form: str, constants: dict[str, float]
) -> None:
    spec = FittedLaw.model_validate(
        {
            "form": form,
            "constants": constants,
            "fitted_range": FittedRange(
                params=(1e8, 1e9), tokens=(1e9, 2e10), tokens_per_param=(10, 40), flops=(1e18, 1e20)
            ),
            "runs": 12,
            "points": 12,
            "runs_sha256": "0" * 64,
        }
    )
    resolved = fitted_law_record(spec)
    law = resolved.law
    assert isinstance(law, LossLaw)
    assert resolved.constants.name == FITTED_SET
    (vector,) = law.golden
    assert law.run_check(vector)["loss"] == pytest.approx(vector.expected["loss"], rel=1e-12)
    catalogue = gadre2024 if form == "gadre2024" else hoffmann2022
    assert loss(law, 3e8, 6e9) == catalogue.loss(3e8, 6e9, **constants)
    assert law.describe()["params_quantity"] == "n_params_total"
