"""Optional API keys: ``Authorization: Bearer <key>`` on every path but the public ones.

Keys come from ``PLANNER_API_KEYS`` (comma-separated) and/or ``PLANNER_API_KEYS_FILE`` (one per
line). Only their SHA-256 digests are kept; the digest of a valid key also names the client for
the rate limit (``scope["planner.client"]``), so one key's budget is shared by every worker.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings

__all__ = [
    "CLIENT_SCOPE_KEY",
    "ApiKeyMiddleware",
    "configured_key_digests",
    "is_public",
    "public_paths",
]

CLIENT_SCOPE_KEY = "planner.client"
_REALM = 'Bearer realm="llm-budget-planner"'


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def configured_key_digests(settings: Settings) -> frozenset[bytes]:
    """Digests of every configured key (empty: authentication is off). A named keys file
    that cannot be read stops the service at start rather than running unprotected."""
    keys: list[str] = []
    if settings.api_keys is not None:
        keys += settings.api_keys.get_secret_value().split(",")
    if settings.api_keys_file:
        for line in Path(settings.api_keys_file).read_text().splitlines():
            keys.append(line.split("#", 1)[0])
    return frozenset(_digest(key.strip()) for key in keys if key.strip())


def public_paths(settings: Settings) -> frozenset[str]:
    return frozenset(p.strip() for p in settings.public_paths.split(",") if p.strip())


def is_public(path: str, public: frozenset[str]) -> bool:
    """``path`` is listed, or lies under a listed prefix ending in ``/*`` (``/static/*``)."""
    if path in public:
        return True
    return any(entry.endswith("/*") and path.startswith(entry[:-1]) for entry in public)


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, *, digests: frozenset[bytes], public: frozenset[str]) -> None:
        self.app = app
        self.digests = digests
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"], self.public):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        scheme, _, token = (header or b"").decode("latin-1").partition(" ")
        token = token.strip()
        if header is None or scheme.lower() != "bearer" or not token:
            await self._refuse(
                scope, receive, send, "this service needs 'Authorization: Bearer <API key>'", ""
            )
            return
        digest = _digest(token)
        if digest not in self.digests:
            await self._refuse(
                scope, receive, send, "the API key is not valid", ', error="invalid_token"'
            )
            return
        scope[CLIENT_SCOPE_KEY] = "key:" + digest.hex()[:24]
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, detail: str, challenge_error: str
    ) -> None:
        body = {"error": "Unauthorized", "detail": detail, "field": "Authorization"}
        headers = {"WWW-Authenticate": _REALM + challenge_error}
        await JSONResponse(body, status_code=401, headers=headers)(scope, receive, send)
