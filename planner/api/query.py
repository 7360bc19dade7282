"""GET query parameters -> the same request models the JSON bodies use.

Spreadsheets (IMPORTDATA, Power Query) and chat bots can only issue plain GETs; these
dependencies let them ask the same questions, validated by the same models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from fastapi import Query
from pydantic import ValidationError

from ..errors import InvalidRequest
from ..schemas.requests import Budget, Constraints, LawChoice
from ..schemas.severity import Severity
from .errors import validation_body

MinSeverityQuery = Annotated[
    Severity, Query(description="leave out warnings less serious than this (info, warning)")
]

__all__ = ["ConstraintQuery", "HardwareQuery", "LawQuery", "MinSeverityQuery", "SweepRangeQuery"]


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class LawQuery:
    def __init__(
        self,
        loss: Annotated[str | None, Query(description="loss law ID or ID@SET")] = None,
        allocation: Annotated[str | None, Query(description="allocation law ID or ID@SET")] = None,
    ) -> None:
        self.values = _drop_none({"loss": loss, "allocation": allocation})

    def model(self) -> LawChoice:
        return LawChoice.model_validate(self.values)


class ConstraintQuery:
    def __init__(
        self,
        max_params: float | None = None,
        min_params: float | None = None,
        max_tokens: float | None = None,
        min_tokens: float | None = None,
        max_tokens_per_param: float | None = None,
        min_tokens_per_param: float | None = None,
        max_learning_rate: float | None = None,
        stay_in_fitted_range: bool = False,
    ) -> None:
        self.values = _drop_none(
            {
                "max_params": max_params,
                "min_params": min_params,
                "max_tokens": max_tokens,
                "min_tokens": min_tokens,
                "max_tokens_per_param": max_tokens_per_param,
                "min_tokens_per_param": min_tokens_per_param,
                "max_learning_rate": max_learning_rate,
                "stay_in_fitted_range": stay_in_fitted_range,
            }
        )

    def model(self) -> Constraints:
        return Constraints.model_validate(self.values)


class HardwareQuery:
    def __init__(
        self,
        gpu: str | None = None,
        mfu: float | None = None,
        price_per_gpu_hour: float | None = None,
        number_format: str | None = None,
    ) -> None:
        self.values = _drop_none(
            {
                "gpu": gpu,
                "mfu": mfu,
                "price_per_gpu_hour": price_per_gpu_hour,
                "number_format": number_format,
            }
        )


class SweepRangeQuery:
    def __init__(
        self,
        start: Annotated[float, Query(gt=0, description="first budget, in `quantity` units")],
        stop: Annotated[float, Query(gt=0, description="last budget, in `quantity` units")],
        num: Annotated[int, Query(ge=1, le=100_000, description="log-spaced points")] = 9,
        quantity: Literal["flops", "gpu_hours", "dollars"] = "flops",
    ) -> None:
        self.start, self.stop, self.num, self.quantity = start, stop, num, quantity

    def budgets(self, hardware: HardwareQuery) -> list[Budget]:
        if not (np.isfinite(self.start) and np.isfinite(self.stop)) or self.start > self.stop:
            raise InvalidRequest(
                "start must be finite and not above stop",
                field="start",
                allowed="0 < start <= stop",
            )
        for name, value in (("start", self.start), ("stop", self.stop)):
            try:
                Budget.model_validate({self.quantity: value, **hardware.values})
            except ValidationError as exc:
                first = exc.errors()[0]
                if tuple(first["loc"]) != (self.quantity,):
                    raise
                raise InvalidRequest(
                    f"{name}: {first['msg']} (a budget in {self.quantity})",
                    field=name,
                    allowed=validation_body([first]).get("allowed"),
                ) from None
        values = np.geomspace(self.start, self.stop, self.num)
        return [Budget.model_validate({self.quantity: float(v), **hardware.values}) for v in values]
