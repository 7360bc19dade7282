"""The access log line, written cheaply: one per request, so it is on every request's path.

The line is the one the stdlib path writes (``logger.info(..., extra=fields)`` through
:class:`~planner.log_format.StructuredFormatter`), field for field and in the same order, but
built without a ``LogRecord`` (no caller lookup, no scan of the record's attributes) and from
pre-rendered pieces: everything but the timestamp, the request id and the latency repeats
from request to request (method, path, route, status, cache result, client), so those parts
are rendered once and kept (a bounded table). That takes the line from tens of microseconds
to a few. It is written at once on the request's path (a line-buffered write of a few hundred
bytes costs about a microsecond): lines land in order, each with its own request id, and none
is lost at shutdown.

Whenever the logger is set up otherwise than :func:`~planner.log_format.configure_logging`
leaves it (other handlers or filters, as a test or an embedding application may add), the
line goes through the stdlib path instead, so those see the same record as before.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TextIO

from .log_format import StructuredFormatter, kv_value, structured_handler, timestamp
from .request_context import request_id

__all__ = ["ACCESS_LOGGER", "access_fields", "write_access_line"]

ACCESS_LOGGER = "planner.access"
access_log = logging.getLogger(ACCESS_LOGGER)

_KEPT = 1024
"""Pre-rendered pieces kept (distinct method, path, route, status, cache and client)."""

Key = tuple[bool, str, str, str, int, str, str | None]
_pieces: dict[Key, tuple[str, str, str]] = {}


def access_fields(
    method: str,
    path: str,
    route: str,
    status: int,
    latency_ms: float,
    cache: str,
    client: str | None,
) -> dict[str, object]:
    """The line's own fields (``extra`` of the record), in the order they are written."""
    return {
        "method": method,
        "path": path,
        "route": route,
        "status": status,
        "latency_ms": latency_ms,
        "cache": cache,
        "client": client,
    }


def _fast_handler(
    logger: logging.Logger,
) -> tuple[logging.StreamHandler[TextIO], StructuredFormatter] | None:
    """The one structured handler the record would reach, if nothing else would see it."""
    if logger.handlers or logger.filters or not logger.propagate:
        return None
    parent = logger.parent
    if parent is None or parent.propagate:
        return None
    found = structured_handler(parent)
    if found is None or found[0].level > logging.INFO:
        return None
    return found


def _render_pieces(key: Key) -> tuple[str, str, str]:
    """(after the timestamp up to the request id, after it up to the latency value, after
    the latency value) of one line, as :meth:`StructuredFormatter.render` writes them."""
    as_json, method, path, route, status, cache, client = key
    msg = f"{method} {path} {status:d}"
    head: dict[str, object] = {"level": "info", "logger": ACCESS_LOGGER, "msg": msg}
    middle: dict[str, object] = {"method": method, "path": path, "route": route, "status": status}
    tail: dict[str, object] = {"cache": cache, "client": client}
    if as_json:

        def part(fields: dict[str, object]) -> str:
            return "".join(
                f",{json.dumps(k)}:{json.dumps(v, default=str, separators=(',', ':'))}"
                for k, v in fields.items()
            )

        return part(head), f'{part(middle)},"latency_ms":', part(tail) + "}"

    def pairs(fields: dict[str, object]) -> str:
        return "".join(f" {k}={kv_value(v)}" for k, v in fields.items())

    return pairs(head), f"{pairs(middle)} latency_ms=", pairs(tail)


def _line(key: Key, latency_ms: float, rid: str | None) -> str:
    pieces = _pieces.get(key)
    if pieces is None:
        pieces = _render_pieces(key)
        if len(_pieces) < _KEPT:
            _pieces[key] = pieces
    head, middle, tail = pieces
    ts = timestamp(time.time())
    latency = repr(latency_ms) if type(latency_ms) is float else None
    if key[0]:
        rid_part = "" if rid is None else f',"request_id":{json.dumps(rid)}'
        return f'{{"ts":"{ts}"{head}{rid_part}{middle}{latency or json.dumps(latency_ms)}{tail}'
    rid_part = "" if rid is None else f" request_id={kv_value(rid)}"
    return f"ts={ts}{head}{rid_part}{middle}{latency or kv_value(latency_ms)}{tail}"


def write_access_line(
    method: str,
    path: str,
    route: str,
    status: int,
    latency_ms: float,
    cache: str,
    client: str | None,
) -> None:
    """Log one request at INFO on ``planner.access`` (nothing when that level is off)."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    found = _fast_handler(access_log)
    if found is None:
        fields = access_fields(method, path, route, status, latency_ms, cache, client)
        access_log.info("%s %s %d", method, path, status, extra=fields)
        return
    handler, formatter = found
    key = (formatter.json, method, path, route, status, cache, client)
    line = _line(key, latency_ms, request_id.get()) + handler.terminator
    handler.acquire()
    try:
        stream = handler.stream
        stream.write(line)
        stream.flush()
    except Exception:
        handler.handleError(logging.makeLogRecord({"msg": line}))
    finally:
        handler.release()
