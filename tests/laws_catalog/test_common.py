"""One battery run over every registered law: adding a law adds its checks."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from laws_catalog import (
    CATALOG,
    GLOSSARY,
    AnyLaw,
    Catalog,
    Evidence,
    GoldenVector,
)
from laws_catalog.loss import LossLaw, is_loss_law, posynomial

LAWS = CATALOG.all_laws()
VECTORS = [(law, vector) for law in LAWS for vector in law.golden]


def _id(law: AnyLaw) -> str:
    return law.key


@pytest.mark.parametrize("law", LAWS, ids=_id)
def test_reference_is_citable(law: AnyLaw) -> None:
    ref = law.reference
    assert ref.title
    assert ref.authors
    assert 1900 < ref.year < 2100
    assert ref.arxiv or ref.doi, "every law needs an arXiv id or DOI"


@pytest.mark.parametrize("law", LAWS, ids=_id)
def test_quantities_come_from_the_glossary(law: AnyLaw) -> None:
    for role, name in law.quantities.items():
        assert name in GLOSSARY, f"{law.key}: {role} -> unknown quantity {name}"
    for name in law.validity:
        assert name in GLOSSARY, f"{law.key}: validity on unknown quantity {name}"


@pytest.mark.parametrize("law", LAWS, ids=_id)
def test_fitted_ranges_are_stated_with_sources(law: AnyLaw) -> None:
    assert law.validity, f"{law.key} has no fitted range"
    for interval in law.validity.values():
        assert 0 < interval.lower <= interval.upper
        assert interval.source


@pytest.mark.parametrize("law", LAWS, ids=_id)
def test_constant_sets_are_traced(law: AnyLaw) -> None:
    if law.fit_only:
        assert not law.constant_sets
        assert all(v.evidence is Evidence.DERIVED for v in law.golden), "synthetic checks only"
        return
    assert law.constant_set().name == law.default_constant_set
    for cset in law.constant_sets:
        assert cset.source, f"{law.key}@{cset.name} has no source locator"
        assert isinstance(cset.evidence, Evidence)
        assert all(math.isfinite(v) for v in cset.values.values())
        if cset.evidence is Evidence.UNCERTAIN:
            assert cset.note, f"{law.key}@{cset.name} is uncertain and must say why"


@pytest.mark.parametrize("law", LAWS, ids=_id)
def test_default_constants_are_unrounded_where_available(law: AnyLaw) -> None:
    unrounded = [c for c in law.constant_sets if not c.rounded]
    if unrounded:
        assert not law.constant_set().rounded, f"{law.key} defaults to a rounded set"


@pytest.mark.parametrize("law", LAWS, ids=_id)
def test_every_law_has_golden_vectors_with_sources(law: AnyLaw) -> None:
    assert law.golden
    for vector in law.golden:
        assert vector.source
        assert vector.why_tolerance
        assert vector.expected


@pytest.mark.parametrize("law", LAWS, ids=_id)
def test_description_is_json(law: AnyLaw) -> None:
    described = json.loads(json.dumps(law.describe()))
    assert described["id"] == law.id
    assert described["reference"]["title"] == law.reference.title
    assert "build" not in described
    assert "allocate_fn" not in described


@pytest.mark.parametrize(
    ("law", "vector"), VECTORS, ids=[f"{law.key}-{i}" for i, (law, _) in enumerate(VECTORS)]
)
def test_golden_vector(law: AnyLaw, vector: GoldenVector) -> None:
    """Each vector's tolerance is justified in its ``why_tolerance`` (paper rounding)."""
    got = law.run_check(vector)
    for key, expected in vector.expected.items():
        assert got[key] == pytest.approx(expected, rel=vector.rtol), (
            f"{law.key} {vector.check} {key}: {got[key]} vs {expected} ({vector.source})"
        )


PARAMETRIC = [law for law in LAWS if is_loss_law(law)]


@pytest.mark.parametrize("law", PARAMETRIC, ids=_id)
def test_loss_falls_with_params_and_tokens(law: LossLaw) -> None:
    """Property no table covers: more parameters or more tokens never raise the loss."""
    grid = np.geomspace(1e6, 1e14, 60)
    for cset in law.constant_set_names():
        posy = posynomial(law, cset)
        losses_n = posy(grid, 1e11)
        losses_d = posy(1e9, grid)
        assert np.all(np.diff(losses_n) < 0)
        assert np.all(np.diff(losses_d) < 0)
        assert np.all(losses_n > posy.offset)


@pytest.mark.parametrize("law", PARAMETRIC, ids=_id)
def test_closed_form_optimum_is_stationary(law: LossLaw) -> None:
    """Derived check of Eq. 4: along 6ND = C, the closed form beats its neighbours."""
    for cset in law.constant_set_names():
        posy = posynomial(law, cset)
        for flops in (1e19, 1e23, 1e27):
            k = law.traits.flops_per_param_token
            n, d = posy.compute_optimal(flops, k)
            assert k * n * d == pytest.approx(flops, rel=1e-12)
            here = posy(n, d)
            for factor in (0.999, 1.001):
                other = posy(n * factor, d / factor)
                assert other > here


def test_keys_are_unique_and_families_known() -> None:
    keys = [law.key for law in LAWS]
    assert len(keys) == len(set(keys))
    assert set(CATALOG.families()) <= {
        "loss",
        "allocation",
        "hyperparams",
        "vocabulary",
        "data",
        "precision",
        "inference",
        "loss_curve",
    }


def _catalog_of(laws: list[AnyLaw]) -> Catalog:
    catalog = Catalog()
    for law in laws:
        catalog.register(law)
    return catalog


def _with_one_constant_nudged(law: AnyLaw) -> AnyLaw:
    first, *rest = law.constant_sets
    name, value = next(iter(first.values.items()))
    nudged = first.model_copy(update={"values": {**first.values, name: value * 1.001 + 1e-3}})
    return law.model_copy(update={"constant_sets": (nudged, *rest)})


def test_catalog_version_changes_with_content() -> None:
    version = CATALOG.version
    assert len(version) == 12
    assert CATALOG.version == version  # stable
    assert _catalog_of(LAWS).version == version  # same content, same version
    for i, law in enumerate(LAWS):
        if law.constant_sets:
            nudged = [*LAWS[:i], _with_one_constant_nudged(law), *LAWS[i + 1 :]]
            assert _catalog_of(nudged).version != version, f"{law.key}: constant changed"
    fewer = _catalog_of(LAWS[1:])
    assert fewer.version != version  # a law removed
    fewer.register(LAWS[0])  # registering drops the remembered version
    assert fewer.version == version


_NOTE_CITATION = re.compile(r"laws-[a-z-]+\.md|research notes|\bin the notes\b|(?<!issue )#\d+\b")
_LOCATOR = re.compile(
    r"\b(Eqs?|Tables?|Fig|Figures?|Sec|Sections?|App|Appendix|pages?|abstract|README|notebook)\b"
    r"|\.(py|ipynb|md|json|yaml|csv)\b|kipp\.ly|hf\.space|arithmetic",
    re.IGNORECASE,
)
_DERIVED_PREFIXES = ("derived", "synthetic", "regression")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.mark.parametrize("law", LAWS, ids=_id)
def test_no_text_cites_notes_outside_the_repository(law: AnyLaw) -> None:
    """Every locator must be checkable by a reader of the package: the paper or the code."""
    cited = [s for s in _strings(law.model_dump()) if _NOTE_CITATION.search(s)]
    assert not cited, f"{law.key} cites notes that are not part of the repository: {cited}"


@pytest.mark.parametrize(("law", "vector"), VECTORS, ids=lambda x: getattr(x, "key", None))
def test_golden_source_names_a_locator(law: AnyLaw, vector: GoldenVector) -> None:
    """A printed number names its table/figure/equation/section/file; a derived one says so."""
    source = vector.source
    assert _LOCATOR.search(source) or source.startswith(_DERIVED_PREFIXES), (
        f"{law.key}: golden vector source names no table, figure, equation, section, page, "
        f"appendix or file: {source!r}"
    )
