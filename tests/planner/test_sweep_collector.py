"""The batch path pauses the cyclic garbage collector while it holds its rows, and always
resumes it: after an answer, after an error, and only when the last of several batches ends."""

from __future__ import annotations

import gc
import threading

import pytest

from planner.deadline import DeadlineExceeded
from planner.planning.sweep import accounts
from planner.planning.sweep.batch import batch_records
from planner.planning.sweep.collector import collector_paused
from planner.planning.sweep.shapes import shapes_for_counts
from planner.schemas.requests import SweepRequest

_REQUEST = SweepRequest.model_validate({"budgets": [{"flops": 1e20}, {"flops": 1e22}]})


def test_the_collector_is_paused_during_the_batch_and_resumed_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    searched = shapes_for_counts

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return searched(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "shapes_for_counts", watched)
    assert gc.isenabled()
    records = batch_records(_REQUEST)
    assert records is not None
    assert all(r is not None for r in records)
    assert seen
    assert not any(seen)
    assert gc.isenabled()


def test_the_collector_resumes_when_the_batch_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def expired(*args: object, **kwargs: object) -> object:
        raise DeadlineExceeded("the sweep's shape and vocabulary questions")

    monkeypatch.setattr(accounts, "shapes_for_counts", expired)
    with pytest.raises(DeadlineExceeded):
        batch_records(_REQUEST)
    assert gc.isenabled()


def test_overlapping_batches_resume_the_collector_once_the_last_ends() -> None:
    first_in, release = threading.Event(), threading.Event()

    def hold() -> None:
        with collector_paused():
            first_in.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert first_in.wait(10)
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other batch still holds it
    release.set()
    holder.join(10)
    assert gc.isenabled()


def test_a_collector_switched_off_by_its_owner_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
