"""Structured log lines: a UTC timestamp, level, logger, message, the request id when one is
being served, and any ``extra={...}`` fields, as one JSON object or as key=value pairs."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any, Literal, TextIO

from .request_context import request_id

__all__ = [
    "StructuredFormatter",
    "configure_logging",
    "kv_value",
    "structured_handler",
    "timestamp",
]

_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
LOGGERS = ("planner", "uvicorn.error")
"""Loggers that get the structured handler (``uvicorn.access`` stays off: we log requests)."""


_last_second: tuple[int, str] = (-1, "")


def timestamp(created: float) -> str:
    """``2026-01-02T03:04:05.678Z`` for a ``time.time()`` value."""
    global _last_second
    seconds = int(created)
    if _last_second[0] != seconds:  # one strftime per second, not per line
        _last_second = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return f"{_last_second[1]}.{int((created - seconds) * 1000):03d}Z"


_NEEDS_QUOTES = re.compile(r'[\s"=\\]')


def kv_value(value: Any) -> str:
    """``value`` as written after ``key=`` in a key=value line."""
    kind = type(value)
    if kind is str:  # the common cases first: a line has a dozen fields
        if value and _NEEDS_QUOTES.search(value) is None:
            return str(value)
        return json.dumps(value)
    if kind is int or kind is float:
        return repr(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and _NEEDS_QUOTES.search(text) is None:
        return text
    return json.dumps(text)


class StructuredFormatter(logging.Formatter):
    def __init__(self, style: Literal["json", "keyvalue"] = "keyvalue") -> None:
        super().__init__()
        self.json = style == "json"

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ts": timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid is not None:
            out["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return out

    def format(self, record: logging.LogRecord) -> str:
        return self.render(self.fields(record))

    def render(self, fields: dict[str, Any]) -> str:
        """One line from its fields (also used without a record: :mod:`planner.access_log`)."""
        if self.json:
            return json.dumps(fields, default=str, separators=(",", ":"))
        return " ".join(f"{key}={kv_value(value)}" for key, value in fields.items())


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (pytest's capture included)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def structured_handler(
    logger: logging.Logger,
) -> tuple[logging.StreamHandler[TextIO], StructuredFormatter] | None:
    """The structured handler :func:`configure_logging` put on ``logger`` and its formatter,
    when it is the logger's only handler and nothing filters it (else ``None``)."""
    if len(logger.handlers) != 1 or logger.filters:
        return None
    handler = logger.handlers[0]
    formatter = handler.formatter
    if type(handler) is not _StderrHandler or handler.filters:
        return None
    if not isinstance(formatter, StructuredFormatter):
        return None
    return handler, formatter


def configure_logging(level: str, style: Literal["json", "keyvalue"]) -> None:
    """One structured handler on the service's loggers (idempotent: apps built again in one
    process, as in tests, replace it rather than add another)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, _StderrHandler) or name == "uvicorn.error":
                logger.removeHandler(handler)
        handler = _StderrHandler()
        handler.setFormatter(StructuredFormatter(style))
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
