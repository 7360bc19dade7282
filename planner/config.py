"""Settings from the environment (prefix ``PLANNER_``), read once per process."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from laws_catalog.hardware import Device, load_devices

__all__ = ["Settings", "configured_devices", "get_settings"]


class Settings(BaseSettings):
    """Service configuration. Every field can be set as ``PLANNER_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="PLANNER_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("PLANNER_REDIS_URL", "REDIS_URL"),
        description="redis://host:port/db. Unset: an in-process cache serves instead.",
    )
    cache_ttl_seconds: int = Field(default=86_400, ge=0, description="0 disables caching")
    memory_cache_entries: int = Field(default=4096, ge=0)
    redis_timeout_seconds: float = Field(
        default=0.05, gt=0, le=5, description="connect/read/write timeout per Redis call"
    )
    redis_retry_after_seconds: float = Field(
        default=5.0,
        ge=0,
        description="after a Redis connection failure (or 3 timeouts in a row), skip Redis for "
        "this long",
    )
    solver_threads: int = Field(
        default=4,
        ge=1,
        le=64,
        description="threads that run the optimiser (each compiles its "
        "own problems: cvxpy is not thread-safe)",
    )
    devices_file: str | None = Field(
        default=None,
        description="JSON file of extra or overriding accelerators (see GET /v1/hardware)",
    )
    max_sweep_points: int = Field(default=1000, ge=1, le=100_000)
    request_deadline_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="a computation still running after this long stops and is answered 503 "
        "DeadlineExceeded (queue wait included)",
    )
    max_queued_requests: int = Field(
        default=32,
        ge=0,
        le=100_000,
        description="computations that may wait for a solver thread; beyond them a request is "
        "refused at once with 503 and Retry-After (cached answers are still served)",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        le=1_073_741_824,
        description="largest request body accepted; larger ones get 413 before parsing",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


def configured_devices(settings: Settings) -> dict[str, Device]:
    """The devices file named by the settings (empty when none); raises on a bad file."""
    if settings.devices_file is None:
        return {}
    return load_devices(settings.devices_file)
