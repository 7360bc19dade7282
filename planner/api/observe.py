"""Per-request observation as one pure ASGI middleware (cheap on the cached fast path):

* a request id: a sane incoming ``X-Request-ID`` is kept, otherwise one is made; it is echoed
  in the response and attached to every log line written while the request is served;
* one structured access log line: method, path, route template, status, latency, cache
  result (``hit``/``miss`` from the ``X-Cache`` header, ``bypass`` for routes without a cache);
* the Prometheus request metrics of :mod:`planner.api.metrics`.
"""

from __future__ import annotations

import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..access_log import write_access_line
from ..request_context import request_id
from .metrics import CACHE_HITS, CACHE_MISSES, REQUEST_SECONDS, SOLVE_SECONDS

__all__ = ["ObserveMiddleware"]

_SANE_ID = re.compile(rb"[A-Za-z0-9._:/+=@-]{1,128}")
UNMATCHED = "unmatched"
"""Route label of requests no route matched (keeps the label set bounded)."""


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("ascii") if _SANE_ID.fullmatch(value) else None
    return None


def route_template(scope: Scope) -> str:
    """``/v1/laws/{law_id}``: the matched route's own path under the prefix it was mounted at
    (the route object knows only its path inside its router)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not path:
        return UNMATCHED
    parts = scope["path"].split("/")
    return "/".join(parts[: len(parts) - path.count("/")]) + str(path)


def _solve_seconds(value: bytes) -> float | None:
    """``solve;dur=12.34`` (milliseconds) -> seconds."""
    for part in value.split(b","):
        name, _, params = part.strip().partition(b";")
        if name == b"solve" and params.startswith(b"dur="):
            try:
                return float(params[4:]) / 1e3
            except ValueError:
                return None
    return None


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, *, log_requests: bool = True) -> None:
        self.app = app
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = _incoming_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        rid_header = (b"x-request-id", rid.encode("ascii"))
        status = 500
        cache = "bypass"
        solve: float | None = None

        async def send_observed(message: Message) -> None:
            nonlocal status, cache, solve
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                for name, value in headers:
                    if name == b"x-cache":
                        cache = value.decode("latin-1")
                    elif name == b"server-timing":
                        solve = _solve_seconds(value)
                headers.append(rid_header)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(elapsed)
            if cache == "hit":
                CACHE_HITS.labels(route).inc()
            elif cache == "miss":
                CACHE_MISSES.labels(route).inc()
            if solve is not None:
                SOLVE_SECONDS.labels(route).observe(solve)
            if self.log_requests:
                client = scope.get("client")
                write_access_line(
                    scope["method"],
                    scope["path"],
                    route,
                    status,
                    round(elapsed * 1e3, 3),
                    cache,
                    client[0] if client else None,
                )
            request_id.reset(token)
