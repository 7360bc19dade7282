"""Property-based tests of the whole OpenAPI document (schemathesis, issue 12).

Every operation gets schema-derived requests (valid and invalid ones) from a fixed seed; each
answer must not be a server error, must match the documented schema of its status code, and
that status code must be documented. The operations that fit laws to the request's runs cost
seconds per example, so they get fewer examples; together they cover every operation.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from planner.api.app import create_app
from planner.config import Settings

FITTING = r"^/v1/(continual-pretraining|mixture|loss-curve)$"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

log = logging.getLogger(__name__)
CALLS: Counter[str] = Counter()
"""Examples sent per operation (logged at the end of the module)."""

# a deadline longer than any example takes: a 503 here would count as a server error
app = create_app(Settings(redis_url=None, request_deadline_seconds=120))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Iterator[None]:
    yield
    log.info(
        "schemathesis: %d operations, %d examples, per operation %s",
        len(CALLS),
        sum(CALLS.values()),
        dict(CALLS),
    )


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,  # a fixed seed: the same examples on every run
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@pytest.mark.slow
@schema.exclude(path_regex=FITTING).parametrize()
@_settings(30)
def test_every_operation_keeps_its_contract(case: schemathesis.Case) -> None:
    CALLS[case.operation.label] += 1
    case.call_and_validate(checks=CHECKS)


@pytest.mark.slow
@schema.include(path_regex=FITTING).parametrize()
@_settings(6)
def test_fitting_operations_keep_their_contract(case: schemathesis.Case) -> None:
    CALLS[case.operation.label] += 1
    # a fit of a generated run table can take seconds; the client waits as long as the app's
    # own deadline above (this test checks contracts, not speed: the schemathesis default read
    # timeout of 10 s failed it on a busy host)
    case.call_and_validate(checks=CHECKS, timeout=120)
