"""MassiveDS: accounting only; the record passes the paper's constants to its functions."""

from __future__ import annotations

import numpy as np
import pytest

from laws_catalog import CATALOG
from laws_catalog.inference import massiveds2024 as ds


def test_registered_as_accounting_without_a_law() -> None:
    law = CATALOG.get("inference", "massiveds2024")
    assert law.kind == "accounting"
    assert any("no law" in caveat for caveat in law.caveats)
    assert any("No scaling law is shipped" in note for note in law.notes)


def test_law_calls_take_the_constant_set() -> None:
    law = CATALOG.get("inference", "massiveds2024")
    values = law.constant_set().values
    assert law.call("retrieval_prompt_tokens") == pytest.approx(3 * values["tokens_per_chunk"])
    assert ds.retrieval_prompt_tokens(k_chunks=10, tokens_per_chunk=100) == 1000
    passages = law.call("datastore_passages", datastore_tokens=values["datastore_tokens"])
    assert law.call("flat_index_bytes", passages=passages) == pytest.approx(passages * 768 * 2)
    search = law.call("exact_search_flops_per_query", passages=passages)
    assert search == pytest.approx(2 * 768 * passages)
    assert ds.ivf_pq_bytes_per_vector() == 16


def test_training_time_compute_adds_the_datastore_build() -> None:
    total = ds.training_time_compute(1e9, 3e11, 177e6, 1e11)
    assert total == pytest.approx(6 * 1e9 * 3e11 + 2 * 177e6 * 1e11)


def test_subsample_probability_rises_with_ratio_and_is_one_for_the_full_store() -> None:
    law = CATALOG.get("inference", "massiveds2024")
    ratios = np.array([0.001, 0.005, 0.01, 0.05, 0.1, 1.0])
    probs = [law.call("subsample_retrieval_probability", subsample_ratio=float(p)) for p in ratios]
    assert np.all(np.diff(probs) >= 0)
    assert probs[-1] == 1.0
    assert (
        law.call("subsample_retrieval_probability", subsample_ratio=0.05) > 0.99999
    )  # Table 4: 1.000 for p >= 0.05
