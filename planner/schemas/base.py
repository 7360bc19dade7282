"""The two model bases every schema module shares, defined once."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictAnswer", "StrictRequest"]


class StrictRequest(BaseModel):
    """Request bodies: an unknown field is a 422 naming it; a parsed request is immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StrictAnswer(BaseModel):
    """Answers: no field beyond the schema, and a non-finite number is refused when the answer
    is built, never sent as null."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
