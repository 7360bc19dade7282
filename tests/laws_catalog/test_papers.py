"""Law-specific checks against the papers beyond the golden vectors."""

from __future__ import annotations

import pytest

from laws_catalog import CATALOG
from laws_catalog.allocation import AllocationLaw, allocate
from laws_catalog.allocation.hoffmann2022 import LAW as APPROACH1
from laws_catalog.allocation.hoffmann2022 import TABLE3, refit_table3
from laws_catalog.loss import (
    downstream_error,
    gadre2024,
    is_loss_law,
    loss_for_downstream_error,
    posynomial,
)


def test_approach1_constants_refit_from_table3() -> None:
    """The catalogue's Approach 1 constants are the log-log fit through Table 3's nine rows."""
    coef, exponent = refit_table3()
    values = APPROACH1.constant_set().values
    assert coef == pytest.approx(values["N_coef"], rel=2e-3)  # printed to 4 figures
    assert exponent == pytest.approx(values["N_exp"], abs=5e-5)


@pytest.mark.parametrize(("n", "flops", "tokens"), TABLE3)
def test_table3_rows_follow_6nd_within_the_papers_own_rounding(
    n: float, flops: float, tokens: float
) -> None:
    """Table 3 tokens vs C/(6N): within 5%, the 67B row being the worst (4.5%)."""
    assert flops / (6 * n) == pytest.approx(tokens, rel=0.05)


def test_besiroglu_allocation_exponent_is_0513() -> None:
    """Besiroglu et al.: a = beta / (alpha + beta) = 0.513 from Table 1."""
    law = CATALOG.get("loss", "besiroglu2024")
    assert is_loss_law(law)
    values = law.constant_set("table1").values
    assert values["beta"] / (values["alpha"] + values["beta"]) == pytest.approx(0.513, abs=5e-4)


def test_hoffmann_tex_allocation_lies_outside_its_own_interval() -> None:
    """Hoffmann et al. 2022 Table 2 vs the unrounded Eq. 10: the TeX constants give a = 0.4565,
    outside (0.454, 0.455)."""
    law = CATALOG.get("loss", "hoffmann2022")
    values = law.constant_set("tex").values
    a = values["beta"] / (values["alpha"] + values["beta"])
    assert a == pytest.approx(0.4565, abs=1e-4)
    assert not 0.454 <= a <= 0.455


def test_muennighoff_tokens_per_param_is_1_over_g_squared() -> None:
    """Muennighoff et al. 2023 App. B: G = 0.225802, 1/G^2 = 19.613 with alpha = beta."""
    law = CATALOG.get("loss", "muennighoff2023")
    assert is_loss_law(law)
    posy = posynomial(law)
    n, d = posy.compute_optimal(1e20)
    g = n / (1e20 / 6) ** 0.5
    assert g == pytest.approx(0.225802, rel=1e-5)


def test_gadre_downstream_inverse_round_trips() -> None:
    law = gadre2024.LAW
    assert law.traits.downstream is not None
    for loss in (2.2, 2.8, 3.5):
        err = downstream_error(law, loss, "c4")
        assert err is not None
        assert loss_for_downstream_error(law, err, "c4") == pytest.approx(loss, rel=1e-12)
    with pytest.raises(ValueError, match="must lie in"):
        loss_for_downstream_error(law, 0.9, "c4")


def test_deepseek_allocation_keeps_both_published_laws() -> None:
    """Eq. 4's M_opt and D_opt as printed: M D = C times the coefficients' product 1.0001
    (the exponents 0.5243 + 0.4757 sum to exactly 1), not D re-derived as C / M."""
    law = CATALOG.get("allocation", "deepseek2024")
    assert isinstance(law, AllocationLaw)
    for flops in (1e17, 1e20, 1e24):
        alloc = allocate(law, flops)
        assert alloc.n_tokens == pytest.approx(5.8316 * flops**0.4757, rel=1e-12)
        product = alloc.extras["model_flops_per_token"] * alloc.n_tokens
        assert product == pytest.approx(flops * 0.1715 * 5.8316, rel=1e-12)
