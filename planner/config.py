"""Settings from the environment (prefix ``PLANNER_``), read once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
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
    memory_cache_entries: int = Field(
        default=4096, ge=0, description="most answers the in-process cache holds"
    )
    memory_cache_bytes: int = Field(
        default=256 * 2**20,
        ge=0,
        description="most bytes the in-process cache holds (LRU eviction); an answer larger "
        "than a quarter of this is not cached in process",
    )
    redis_password: SecretStr | None = Field(
        default=None, description="Redis AUTH password (requirepass), if not in the URL"
    )
    redis_timeout_seconds: float = Field(
        default=0.1,
        gt=0,
        le=5,
        description="shortest per-call Redis deadline; the deadline adapts to 10x the recent "
        "median latency, up to redis_timeout_max_seconds",
    )
    redis_timeout_max_seconds: float = Field(
        default=0.5, gt=0, le=10, description="longest per-call Redis deadline"
    )
    redis_retry_after_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="while the Redis circuit is open (after a connection failure or 3 "
        "unexplained timeouts in a row), probe Redis with one PING this often; the first "
        "answer closes it",
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
    max_sweep_points: int = Field(default=10_000, ge=1, le=100_000)
    public_url: str | None = Field(
        default=None,
        description="base URL users reach the service at (links in chat replies); unset: the "
        "URL of the incoming request",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        description="Slack app signing secret; set it to enable POST /v1/slack/command (absent "
        "otherwise)",
    )
    slack_reply_seconds: float = Field(
        default=2.5,
        ge=0,
        le=2.9,
        description="answer a slash command inline if the plan is ready this fast, else "
        "acknowledge and post the plan to Slack's response_url (Slack waits 3 s)",
    )
    slack_response_url_prefixes: tuple[str, ...] = Field(
        default=("https://hooks.slack.com/",),
        description="the only URLs a delayed Slack answer may be posted to",
    )
    job_executor: Literal["auto", "queue", "in-process"] = Field(
        default="auto",
        description="where POST /v1/jobs runs work: 'queue' = the Redis queue that `planner "
        "worker` processes consume; 'in-process' = a thread of the API; 'auto' = queue when "
        "redis_url is set",
    )
    job_result_ttl_seconds: int = Field(
        default=86_400, ge=1, description="a finished or failed job's result is kept this long"
    )
    job_timeout_seconds: int = Field(
        default=3600, ge=1, description="a queued job running longer is stopped and failed"
    )
    job_max_sweep_points: int = Field(default=100_000, ge=1, le=1_000_000)
    job_threads: int = Field(default=1, ge=1, le=64, description="in-process job threads")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="level of the service's own log lines"
    )
    log_format: Literal["json", "keyvalue"] = Field(
        default="keyvalue", description="one JSON object or key=value pairs per log line"
    )
    access_log: bool = Field(
        default=True, description="one structured log line per request (route, status, latency)"
    )
    api_keys: SecretStr | None = Field(
        default=None,
        description="comma-separated API keys; when set (or api_keys_file), every route but "
        "public_paths needs 'Authorization: Bearer <key>'",
    )
    api_keys_file: str | None = Field(
        default=None, description="file of API keys, one per line ('#' comments allowed)"
    )
    public_paths: str = Field(
        default="/healthz,/readyz,/metrics,/,/static/*,/docs,/openapi.json",
        description="comma-separated paths that need no API key and are not rate limited (a "
        "trailing /* covers a prefix): health, metrics, and the page and docs themselves (their "
        "questions to the API still need a key)",
    )
    rate_limit_per_minute: int = Field(
        default=0,
        ge=0,
        description="sustained requests per minute per API key (per client IP without keys); "
        "0 turns rate limiting off",
    )
    rate_limit_burst: int | None = Field(
        default=None,
        ge=1,
        description="requests a client may send at once before the per-minute pace applies "
        "(default: rate_limit_per_minute)",
    )
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
    max_job_body_bytes: int = Field(
        default=16_777_216,
        ge=1024,
        le=1_073_741_824,
        description="largest POST /v1/jobs body (a job may carry a sweep of up to "
        "job_max_sweep_points budgets)",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


def configured_devices(settings: Settings) -> dict[str, Device]:
    """The devices file named by the settings (empty when none); raises on a bad file."""
    if settings.devices_file is None:
        return {}
    return load_devices(settings.devices_file)
