"""Cached answers served from the raw request, before routing and validation.

A cached ``POST /v1/plan`` spent most of its time in FastAPI's routing, dependency solving
and body validation just to compute the cache key of an answer it already had. This ASGI
layer remembers, per exact request (method, path, query, content type, accept header, body
bytes), the cache key the full path computed for it (:func:`remember`, called by
``answer``). A repeat of the same bytes then goes straight to the cache and, on a hit,
back to the client, without routing or validation.

Why it is safe: validation and canonicalisation are pure functions of those bytes (for
this process's code, catalogue and devices, which the key already includes), so the same
bytes always reach the same key; the mapping is only learned from a request that the full
path validated. A miss in the cache, or any request not seen before, takes the full path.
Outer middleware (request ids, logs, metrics, auth, rate limits) still sees every request:
add this layer first in ``create_app`` so it sits innermost.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CachedAnswerShortcut", "remember"]


class _Learned:
    __slots__ = ("key", "media_type")

    def __init__(self) -> None:
        self.key: str | None = None
        self.media_type = "application/json"


_current: ContextVar[_Learned | None] = ContextVar("planner_answer_key", default=None)


def remember(key: str, media_type: str) -> None:
    """Record the cache key the request being handled validated to (no-op outside the layer)."""
    learned = _current.get()
    if learned is not None:
        learned.key = key
        learned.media_type = media_type


_KEYED_HEADERS = (b"content-type", b"accept")


class CachedAnswerShortcut:
    def __init__(self, app: ASGIApp, max_entries: int = 4096, max_body: int = 1 << 20) -> None:
        self.app = app
        self.max_entries = max_entries
        self.max_body = max_body
        self._keys: OrderedDict[bytes, tuple[str, bytes, object]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if scope["method"] == "POST" and (length is None or int(length) > self.max_body):
            await self.app(scope, receive, send)
            return
        body, replay = await _read_body(receive) if scope["method"] == "POST" else (b"", receive)
        digest = hashlib.sha256(scope["method"].encode())
        digest.update(b"\0" + scope["path"].encode() + b"\0" + scope["query_string"])
        for name in _KEYED_HEADERS:
            digest.update(b"\0" + headers.get(name, b""))
        digest.update(b"\0" + body)
        raw_key = digest.digest()
        known = self._keys.get(raw_key)
        if known is not None:
            cached = await scope["app"].state.services.cache.get(known[0])
            if cached is not None:
                self._keys.move_to_end(raw_key)
                scope["route"] = known[2]  # what routing matched: outer layers label by it
                await _send_hit(send, cached, known[1])
                return
        await self._learn(raw_key, scope, replay, send)

    async def _learn(self, raw_key: bytes, scope: Scope, receive: Receive, send: Send) -> None:
        learned = _Learned()
        token = _current.set(learned)
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            _current.reset(token)
        if status == 200 and learned.key is not None:
            route = scope.get("route")
            self._keys[raw_key] = (learned.key, learned.media_type.encode(), route)
            while len(self._keys) > self.max_entries:
                self._keys.popitem(last=False)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that replays it to the app."""
    chunks: list[bytes] = []
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            if messages[-1]["type"] == "http.request":
                return {"type": "http.request", "body": body, "more_body": False}
            return messages[-1]
        return await receive()

    return body, replay


async def _send_hit(send: Send, body: bytes, media_type: bytes) -> None:
    headers: list[Any] = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", media_type),
        (b"x-cache", b"hit"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
