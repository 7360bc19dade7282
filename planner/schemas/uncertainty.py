"""Uncertainty on a plan: what to ask for, and the intervals that come back."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_UNCERTAINTY_SAMPLES", "UncertaintyOut", "UncertaintyRequest"]

MAX_UNCERTAINTY_SAMPLES = 1000


class UncertaintyRequest(BaseModel):
    """``"uncertainty": {"level": 0.9, "samples": 200}``; ``true`` means these defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Annotated[float, Field(ge=0.5, le=0.99)] = Field(
        default=0.9, description="coverage of the central intervals"
    )
    samples: Annotated[int, Field(ge=10, le=MAX_UNCERTAINTY_SAMPLES)] = Field(
        default=200,
        description=f"constant samples to re-plan over (10 to {MAX_UNCERTAINTY_SAMPLES}; "
        "plans that need a solver per sample use at most 200)",
    )


class UncertaintyOut(BaseModel):
    """Central intervals of plan numbers over samples of the loss law's constants."""

    model_config = ConfigDict(extra="forbid")

    level: float
    method: Literal["closed_form_vectorised", "re_solved", "none"] = Field(
        description="closed_form_vectorised: the two-variable optimum of each sample in one "
        "array pass (no limit binds); re_solved: the full plan per sample; none: no samples"
    )
    samples: int = Field(description="constant samples the intervals are made of")
    source: str | None = Field(description="where the constant samples come from")
    intervals: dict[str, tuple[float, float]] = Field(
        description="[low, high] per plan field (params, tokens, loss, learning_rate, ...)"
    )
    notes: list[str] = Field(default_factory=list)
