"""Request bodies bounded before parsing, and a signal when the client goes away.

A pure ASGI middleware: a declared ``Content-Length`` above the limit is refused before a byte
is read; otherwise chunks are counted as they arrive and the request is refused (413) the
moment the count passes the limit, so an oversized body is never buffered or parsed in full.
Once the body is in, the connection is watched for ``http.disconnect``; :func:`client_gone`
gives the current request's event (set when its client disconnects), so long computations
can be stopped.
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "client_gone", "too_large_body"]

_client_gone: ContextVar[asyncio.Event | None] = ContextVar("planner_client_gone", default=None)


def client_gone() -> asyncio.Event | None:
    """Set when the current request's client has disconnected (None outside a request)."""
    return _client_gone.get()


def too_large_body(limit: int) -> dict[str, str]:
    """The 413 body (the ``ErrorBody`` shape)."""
    return {
        "error": "PayloadTooLarge",
        "detail": f"request body larger than {limit} bytes; send fewer items per request "
        "(or split a sweep into several)",
        "field": "body",
        "allowed": f"at most {limit} bytes",
    }


class BodyLimit:
    """Refuse bodies above ``max_bytes`` (or the path's own limit in ``path_limits``) with 413;
    watch for disconnects afterwards."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, limit)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # gone before the body was complete: nothing to answer
            body += message.get("body", b"")
            if len(body) > limit:
                await self._refuse(send, limit)
                return
            if not message.get("more_body", False):
                break
        gone = asyncio.Event()
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        reset = _client_gone.set(gone)
        try:
            await self.app(scope, replay, send)
        finally:
            _client_gone.reset(reset)
            watcher.cancel()

    async def _refuse(self, send: Send, limit: int) -> None:
        payload = json.dumps(too_large_body(limit)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
