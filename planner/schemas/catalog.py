"""Answers about the catalogue itself (``GET /v1/laws``, ``GET /v1/laws/{id}``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["LawEntries", "LawList", "LawSummary"]


class LawSummary(BaseModel):
    id: str
    family: str
    kind: str
    title: str
    reference: str
    arxiv: str | None
    constant_sets: list[str]
    default_constant_set: str | None
    fit_only: bool
    evidence: str | None
    fitted_range: dict[str, tuple[float, float]]


class LawList(BaseModel):
    catalog_version: str
    laws: list[LawSummary]


class LawEntries(BaseModel):
    id: str
    catalog_version: str
    entries: list[dict[str, Any]]
