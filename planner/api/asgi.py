"""The server's entry point: up at once, the planner loaded behind it.

``uvicorn planner.api.asgi:create_app --factory`` (``planner serve``, the Dockerfile).

Importing the planner (the catalogue, scipy, cvxpy) and warming its solver threads takes
seconds. This entry point imports none of it: it answers ``/healthz`` as soon as the server
listens, loads the real app (:func:`planner.api.app.create_app`) in a thread, then runs its
lifespan and hands every request to it. Until then ``/readyz`` answers 503 ("starting") and
other requests wait for the app rather than fail. After that the real app answers
everything, ``/healthz`` and ``/readyz`` included (``/readyz`` reports ``"warm"`` once the
solver threads have compiled their problems).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["StartingApp", "create_app"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _load() -> ASGIApp:
    from .app import create_app as create_full_app

    return create_full_app()


class StartingApp:
    """Serves liveness while ``load`` builds the real app in a thread, then delegates to it."""

    def __init__(self, load: Callable[[], ASGIApp] = _load) -> None:
        self._load = load
        self._app: ASGIApp | None = None
        self._error: BaseException | None = None
        self._ready: asyncio.Event | None = None
        self._lifespan: _Lifespan | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
            return
        app = self._app
        if app is not None and self._ready is not None and self._ready.is_set():
            await app(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"] == "/healthz":
            if self._error is not None:  # let the orchestrator restart us
                await _json(send, 503, {"status": "failed", "detail": repr(self._error)})
            else:
                await _json(send, 200, {"status": "ok"})
            return
        if scope["type"] == "http" and scope["path"] == "/readyz":
            await _json(send, 503, {"status": "starting"})
            return
        assert self._ready is not None
        await self._ready.wait()
        if self._app is None:
            await _json(
                send, 503, {"error": "Unavailable", "detail": "the service failed to start"}
            )
            return
        await self._app(scope, receive, send)

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        built: asyncio.Future[ASGIApp] = loop.create_future()

        def build() -> None:
            try:
                app = self._load()
            except Exception as exc:  # reported by _start
                loop.call_soon_threadsafe(built.set_exception, exc)
            else:
                loop.call_soon_threadsafe(built.set_result, app)

        threading.Thread(target=build, name="load-app", daemon=True).start()
        starting = asyncio.ensure_future(self._start(built))
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                starting.cancel()
                if self._lifespan is not None:
                    await self._lifespan.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _start(self, built: asyncio.Future[ASGIApp]) -> None:
        assert self._ready is not None
        try:
            app = await built
            self._lifespan = _Lifespan(app)
            await self._lifespan.startup()
            self._app = app
        except Exception as exc:
            log.exception("the service failed to start")
            self._error = exc
        finally:
            self._ready.set()


class _Lifespan:
    """Drives an inner app's lifespan protocol (startup now, shutdown later)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Future[None] | None = None

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        self._task = asyncio.ensure_future(self._app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        reply = await self._outbox.get()
        if reply["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"the app failed to start: {reply.get('message', reply)}")

    async def shutdown(self) -> None:
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._outbox.get()
        if self._task is not None:
            await self._task


async def _json(send: Send, status: int, body: dict[str, str]) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def create_app() -> StartingApp:
    """uvicorn factory: the fast-starting front of :func:`planner.api.app.create_app`."""
    return StartingApp()
