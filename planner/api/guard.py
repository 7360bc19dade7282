"""Who may ask, how often: the API-key and rate-limit middleware, added only when configured
(both are off by default, as for ``make serve``; ``deploy/`` turns them on)."""

from __future__ import annotations

from fastapi import FastAPI

from ..config import Settings
from .auth import ApiKeyMiddleware, configured_key_digests, public_paths
from .rate_limit import RateLimitMiddleware

__all__ = ["add_guards"]


def add_guards(app: FastAPI, settings: Settings) -> None:
    """Rate limit inside the key check: a request with a bad key costs no rate budget, and a
    valid key's budget is counted per key rather than per address."""
    public = public_paths(settings)
    if settings.rate_limit_per_minute > 0:
        burst = settings.rate_limit_burst or settings.rate_limit_per_minute
        app.add_middleware(
            RateLimitMiddleware,
            per_minute=settings.rate_limit_per_minute,
            burst=burst,
            public=public,
        )
    digests = configured_key_digests(settings)
    if digests:
        # a Slack command proves who sent it by its signature (it cannot carry a bearer key)
        signed = {"/v1/slack/command"} if settings.slack_signing_secret is not None else set()
        app.add_middleware(ApiKeyMiddleware, digests=digests, public=public | signed)
