"""Hyperparameter laws beyond the common battery: the shared API and each law's properties."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from laws_catalog import CATALOG, GLOSSARY, ConstantSet, Evidence, GoldenVector, Interval
from laws_catalog.hyperparams import (
    Estimate,
    HyperparamLaw,
    HyperparamTraits,
    MissingInput,
    TrainingPoint,
    TrainingPoints,
    advise,
    advise_many,
    deepseek2024,
    kaplan2020,
    minicpm2024,
    missing_inputs,
    steplaw2025,
)
from laws_catalog.references import KAPLAN2020

HYPERPARAM_LAWS = [law for law in CATALOG.all_laws() if isinstance(law, HyperparamLaw)]

FULL_POINT = TrainingPoint(
    n_params_non_embedding=5e8,
    n_params_total=6e8,
    n_tokens=2e10,
    flops=6e19,
    loss=3.2,
    model_flops_per_token=3.4e9,
    context_length=2048,
)


def _point(**changes: object) -> TrainingPoint:
    return replace(FULL_POINT, **changes)  # type: ignore[arg-type]


def test_the_four_laws_are_registered_under_family_hyperparams() -> None:
    assert CATALOG.ids("hyperparams") == [
        "deepseek2024",
        "kaplan2020",
        "minicpm2024",
        "steplaw2025",
    ]
    # one paper, one id, several families: the registry key is family/id
    assert {law.family for law in CATALOG.find("kaplan2020")} >= {"loss", "hyperparams"}
    assert CATALOG.get("hyperparams", "kaplan2020").reference is KAPLAN2020
    resolved = CATALOG.resolve("hyperparams", "kaplan2020@eq5_3", HyperparamLaw)
    assert resolved.constants.values["B_star"] == 2e8


@pytest.mark.parametrize("law", HYPERPARAM_LAWS, ids=lambda law: law.key)
def test_every_law_answers_with_its_schedule_and_declared_outputs(law: HyperparamLaw) -> None:
    advice = advise(law, FULL_POINT)
    assert advice.schedule == law.traits.schedule
    assert len(law.traits.schedule) > 40, "the schedule must say optimizer, warm-up and decay"
    for output in ("peak_learning_rate", "batch_size_tokens", "critical_batch_size_tokens"):
        value = getattr(advice, output)
        if output in law.traits.provides:
            assert value is not None
            assert value > 0
            assert math.isfinite(value)
        else:
            assert value is None


@pytest.mark.parametrize("law", HYPERPARAM_LAWS, ids=lambda law: law.key)
def test_fitted_ranges_are_checkable_from_the_inputs_used(law: HyperparamLaw) -> None:
    """Every validity quantity appears in ``inputs_used``, so the planner can warn on it."""
    advice = advise(law, FULL_POINT)
    assert set(law.validity) <= set(advice.inputs_used)
    assert set(advice.inputs_used) <= set(GLOSSARY)


@pytest.mark.parametrize("law", HYPERPARAM_LAWS, ids=lambda law: law.key)
def test_requirements_name_training_point_fields(law: HyperparamLaw) -> None:
    fields = set(TrainingPoint.__dataclass_fields__)
    for needs in law.traits.requires.values():
        assert set(needs) <= fields


def test_training_point_rejects_bad_numbers() -> None:
    with pytest.raises(ValueError, match="n_tokens"):
        _point(n_tokens=-1.0)
    with pytest.raises(ValueError, match="loss"):
        _point(loss=float("nan"))
    with pytest.raises(ValueError, match="context_length"):
        _point(context_length=2048.0)
    assert set(FULL_POINT.quantities()) <= set(GLOSSARY)
    assert _point(loss=None).quantities().get("loss_nats_per_token") is None


def test_batch_in_sequences_divides_by_the_context_length() -> None:
    advice = advise(steplaw2025.LAW, FULL_POINT)
    assert advice.batch_size_tokens is not None
    assert advice.batch_size_sequences(4096) == pytest.approx(advice.batch_size_tokens / 4096)
    assert advice.critical_batch_size_sequences(4096) is None


def test_a_law_cannot_return_an_output_it_does_not_declare() -> None:
    rogue = HyperparamLaw(
        id="rogue",
        family="hyperparams",
        kind="hyperparameters",
        title="test law",
        reference=KAPLAN2020,
        equations=("B = 1",),
        quantities={"B": "batch_size_tokens"},
        traits=HyperparamTraits(requires={"batch_size_tokens": ("n_tokens",)}, schedule="none"),
        validity={"n_tokens": Interval(lower=1, upper=2, source="test")},
        constant_sets=(ConstantSet(name="x", values={}, source="t", evidence=Evidence.DERIVED),),
        default_constant_set="x",
        functions={
            "estimate": lambda n_tokens: Estimate(batch_size_tokens=1.0, peak_learning_rate=1.0)
        },
        golden=(
            GoldenVector(
                check="estimate",
                inputs={},
                expected={"x": 1.0},
                rtol=1,
                why_tolerance="t",
                source="t",
                evidence=Evidence.DERIVED,
            ),
        ),
    )
    with pytest.raises(RuntimeError, match="does not declare"):
        advise(rogue, FULL_POINT)


# --- Step Law -----------------------------------------------------------------------------

N_GRID = np.geomspace(1e8, 1e11, 13)
D_GRID = np.geomspace(1e9, 1e13, 13)


@pytest.mark.parametrize("cset", ["bootstrap_mean", "paper"])
def test_steplaw_lr_falls_with_n_and_rises_with_d(cset: str) -> None:
    law = steplaw2025.LAW
    lr_n = [advise(law, _point(n_params_non_embedding=n), cset).peak_learning_rate for n in N_GRID]
    lr_d = [advise(law, _point(n_tokens=d), cset).peak_learning_rate for d in D_GRID]
    assert np.all(np.diff(np.array(lr_n, dtype=float)) < 0)
    assert np.all(np.diff(np.array(lr_d, dtype=float)) > 0)


@pytest.mark.parametrize("cset", ["bootstrap_mean", "paper"])
def test_steplaw_batch_grows_with_d_and_ignores_n(cset: str) -> None:
    law = steplaw2025.LAW
    batch_d = [advise(law, _point(n_tokens=d), cset).batch_size_tokens for d in D_GRID]
    assert np.all(np.diff(np.array(batch_d, dtype=float)) > 0)
    batch_n = {
        advise(law, _point(n_params_non_embedding=n), cset).batch_size_tokens for n in N_GRID
    }
    assert len(batch_n) == 1


def test_steplaw_printed_constants_are_the_rounded_bootstrap_means() -> None:
    """Over the released grid the printed law is 1.6-1.8 % below in LR and equal in batch."""
    law = steplaw2025.LAW
    for n in np.geomspace(2.147e8, 1.074e9, 4):
        for d in np.geomspace(4e9, 1e11, 4):
            point = _point(n_params_non_embedding=float(n), n_tokens=float(d))
            mean, paper = advise(law, point), advise(law, point, "paper")
            assert paper.peak_learning_rate == pytest.approx(mean.peak_learning_rate, rel=0.02)
            assert paper.batch_size_tokens == pytest.approx(mean.batch_size_tokens, rel=5e-4)


def test_steplaw_states_the_moe_and_schedule_caveats() -> None:
    text = " ".join(steplaw2025.LAW.caveats)
    assert "Mixture-of-experts" in text
    assert "active" in text
    assert "1e-5" in steplaw2025.LAW.traits.schedule


# --- DeepSeek -----------------------------------------------------------------------------


def test_deepseek_needs_the_model_shape() -> None:
    with pytest.raises(MissingInput, match="model_flops_per_token"):
        advise(deepseek2024.LAW, _point(model_flops_per_token=None))
    assert missing_inputs(deepseek2024.LAW, _point(model_flops_per_token=None)) == {
        "peak_learning_rate": ("model_flops_per_token",),
        "batch_size_tokens": ("model_flops_per_token",),
    }


def test_deepseek_lr_falls_and_batch_grows_with_compute() -> None:
    law = deepseek2024.LAW
    lrs, batches = [], []
    for tokens in np.geomspace(1e8, 1e14, 25):
        advice = advise(law, _point(n_tokens=float(tokens)))
        lrs.append(advice.peak_learning_rate)
        batches.append(advice.batch_size_tokens)
    assert np.all(np.diff(np.array(lrs, dtype=float)) < 0)
    assert np.all(np.diff(np.array(batches, dtype=float)) > 0)


def test_deepseek_uses_c_equal_m_times_d_not_the_plans_budget() -> None:
    law = deepseek2024.LAW
    advice = advise(law, FULL_POINT)
    c = FULL_POINT.model_flops_per_token * FULL_POINT.n_tokens  # type: ignore[operator]
    assert advice.inputs_used["flops"] == c
    other_budget = advise(law, _point(flops=1e30))
    assert other_budget.peak_learning_rate == advice.peak_learning_rate
    assert advice.peak_learning_rate == pytest.approx(0.3118 * c**-0.125, rel=1e-12)


def test_deepseek_model_scale_of_the_67b_shape() -> None:
    """Research notes D2: M = 4.973e11 FLOPs/token, C = 9.95e23 at 2T tokens."""
    m = deepseek2024.model_flops_per_token(n_layer=95, d_model=8192, context_length=4096)
    assert m == pytest.approx(4.973e11, rel=1e-3)
    assert m * 2e12 == pytest.approx(9.95e23, rel=1e-3)


# --- Kaplan -------------------------------------------------------------------------------


def test_kaplan_critical_batch_doubles_per_13_percent_loss_drop() -> None:
    """Figure 10 caption: B_crit roughly doubles for every 13 % decrease in loss."""
    law = kaplan2020.LAW
    for loss in (3.0, 4.0, 6.0):
        here = advise(law, _point(loss=loss)).critical_batch_size_tokens
        lower = advise(law, _point(loss=0.87 * loss)).critical_batch_size_tokens
        assert here is not None
        assert lower is not None
        assert 1.9 < lower / here < 2.0


def test_kaplan_trains_at_the_critical_batch_and_sets_differ_by_b_star() -> None:
    law = kaplan2020.LAW
    table5, eq53 = advise(law, FULL_POINT), advise(law, FULL_POINT, "eq5_3")
    assert table5.batch_size_tokens == table5.critical_batch_size_tokens
    assert table5.critical_batch_size_tokens is not None
    assert eq53.critical_batch_size_tokens is not None
    ratio = table5.critical_batch_size_tokens / eq53.critical_batch_size_tokens
    assert ratio == pytest.approx(2.1 / 2.0, rel=1e-12)


def test_kaplan_without_a_loss_still_gives_the_learning_rate() -> None:
    advice = advise(kaplan2020.LAW, _point(loss=None))
    assert advice.peak_learning_rate == pytest.approx(0.003239 - 0.0001395 * math.log(5e8))
    assert advice.critical_batch_size_tokens is None
    assert advice.batch_size_tokens is None
    assert any("needs loss" in note for note in advice.notes)


def test_kaplan_lr_is_withheld_where_the_rule_turns_negative() -> None:
    zero = math.exp(0.003239 / 0.0001395)
    assert zero == pytest.approx(1.21e10, rel=0.01)
    below = advise(kaplan2020.LAW, _point(n_params_non_embedding=0.99 * zero))
    above = advise(kaplan2020.LAW, _point(n_params_non_embedding=1.01 * zero))
    assert below.peak_learning_rate is not None
    assert below.peak_learning_rate > 0
    assert above.peak_learning_rate is None
    assert any("breaks down" in note for note in above.notes)
    lrs = [kaplan2020.LAW.call("peak_learning_rate", n_params_non_embedding=n) for n in N_GRID[:8]]
    assert np.all(np.diff(np.array(lrs, dtype=float)) < 0)


@pytest.mark.parametrize("law", [kaplan2020.LAW, minicpm2024.LAW], ids=lambda law: law.key)
def test_loss_reading_laws_say_which_loss_they_read(law: HyperparamLaw) -> None:
    assert law.traits.loss_evaluation
    assert any("other units" in caveat for caveat in law.caveats)
    assert any("other units" in note for note in advise(law, FULL_POINT).notes)


# --- MiniCPM ------------------------------------------------------------------------------


def test_minicpm_needs_a_loss_and_its_batch_falls_with_the_loss() -> None:
    with pytest.raises(MissingInput, match="loss"):
        advise(minicpm2024.LAW, _point(loss=None))
    batches = [advise(minicpm2024.LAW, _point(loss=loss)).batch_size_tokens for loss in (2, 3, 4)]
    assert np.all(np.diff(np.array(batches, dtype=float)) < 0)


def test_minicpm_unit_is_flagged_uncertain() -> None:
    cset = minicpm2024.LAW.constant_set()
    assert cset.evidence is Evidence.UNCERTAIN
    assert "unit" in cset.note


@pytest.mark.parametrize("law", HYPERPARAM_LAWS, ids=lambda law: law.key)
def test_many_points_at_once_equal_one_point_at_a_time(law: HyperparamLaw) -> None:
    """``advise_many`` (vectorised where the law's arithmetic allows) is ``advise`` per point."""
    n = np.geomspace(2e8, 2e10, 7)
    points = TrainingPoints(
        n_params_non_embedding=n,
        n_params_total=1.1 * n,
        n_tokens=20 * n,
        flops=120 * n**2,
        loss=np.linspace(3.4, 2.2, 7),
        model_flops_per_token=7 * n,
        context_length=2048,
    )
    many = advise_many(law, points)
    for i in range(len(points)):
        one = advise(law, points.at(i))
        for output, values in many.items():
            expected = getattr(one, output)
            if values is None:
                assert expected is None
            elif expected is None:  # e.g. Kaplan's LR above 1.2e10 parameters
                assert math.isnan(values[i])
            else:
                assert values[i] == pytest.approx(expected, rel=1e-14)
