"""The cheap access line is the stdlib line: every field, in the same order, same text."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Literal

import pytest
from fastapi.testclient import TestClient

from planner import access_log as module
from planner.access_log import access_fields, write_access_line
from planner.api.app import create_app
from planner.config import Settings
from planner.log_format import _StderrHandler, configure_logging
from planner.request_context import request_id

TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
FIELDS = ["method", "path", "route", "status", "latency_ms", "cache", "client"]

CASES = [
    ("POST", "/v1/plan", "/v1/plan", 200, 0.512, "hit", "127.0.0.1", "0123abcd"),
    ("GET", "/v1/laws/x", "/v1/laws/{law_id}", 404, 12.0, "bypass", None, None),
    ("GET", '/a b"c=d\\e', "unmatched", 500, 1234.567, "miss", "::1", 'x" y'),
    ("PUT", "/ü/ñ", "unmatched", 422, 0.0, "bypass", "10.0.0.1", ""),
]


@pytest.fixture
def stderr(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    yield capsys
    configure_logging("INFO", "keyvalue")  # the default for the other tests of this process


def _configure(style: Literal["json", "keyvalue"], level: str = "INFO") -> None:
    """The service's loggers as in production: pytest attaches its own capture handlers to
    non-propagating loggers for each test phase (and removes them after it), which rightly
    sends the access line through the stdlib path."""
    configure_logging(level, style)
    planner = logging.getLogger("planner")
    for handler in list(planner.handlers):
        if not isinstance(handler, _StderrHandler):
            planner.removeHandler(handler)


def _access_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "planner.access" in line]


def _stdlib_line(case: tuple[object, ...], capsys: pytest.CaptureFixture[str]) -> str:
    method, path, route, status, latency, cache, client, rid = case
    token = request_id.set(rid)  # type: ignore[arg-type]
    try:
        fields = access_fields(*case[:7])  # type: ignore[arg-type]
        logging.getLogger("planner.access").info("%s %s %d", method, path, status, extra=fields)
    finally:
        request_id.reset(token)
    (line,) = _access_lines(capsys.readouterr().err)
    return line


def _cheap_line(case: tuple[object, ...], capsys: pytest.CaptureFixture[str]) -> str:
    token = request_id.set(case[7])  # type: ignore[arg-type]
    try:
        write_access_line(*case[:7])  # type: ignore[arg-type]
    finally:
        request_id.reset(token)
    (line,) = _access_lines(capsys.readouterr().err)
    return line


@pytest.mark.parametrize("style", ["keyvalue", "json"])
@pytest.mark.parametrize("case", CASES)
def test_cheap_line_equals_the_stdlib_line(
    stderr: pytest.CaptureFixture[str],
    style: Literal["json", "keyvalue"],
    case: tuple[object, ...],
) -> None:
    _configure(style)
    stderr.readouterr()
    for _ in range(2):  # rendered, then from the kept pieces
        cheap, stdlib = _cheap_line(case, stderr), _stdlib_line(case, stderr)
        assert TS.search(cheap)
        assert TS.sub("T", cheap) == TS.sub("T", stdlib)


def test_every_field_is_written(stderr: pytest.CaptureFixture[str]) -> None:
    _configure("json")
    stderr.readouterr()
    case = CASES[0]
    record = json.loads(_cheap_line(case, stderr))
    assert list(record) == ["ts", "level", "logger", "msg", "request_id", *FIELDS]
    assert record["msg"] == "POST /v1/plan 200"
    assert [record[name] for name in FIELDS] == list(case[:7])
    assert record["request_id"] == case[7]
    _configure("keyvalue")
    stderr.readouterr()
    line = _cheap_line(case, stderr)
    keys = re.findall(r"(?:^| )([a-z_]+)=", line)
    assert keys == ["ts", "level", "logger", "msg", "request_id", *FIELDS]


def test_level_off_writes_nothing(stderr: pytest.CaptureFixture[str]) -> None:
    _configure("keyvalue", "WARNING")
    stderr.readouterr()
    write_access_line("GET", "/healthz", "/healthz", 200, 0.1, "bypass", None)
    assert "planner.access" not in stderr.readouterr().err


def test_other_handlers_get_the_stdlib_record(stderr: pytest.CaptureFixture[str]) -> None:
    _configure("keyvalue")
    logger = logging.getLogger("planner.access")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    logger.addHandler(keep)
    try:
        write_access_line("GET", "/healthz", "/healthz", 200, 0.25, "bypass", "1.2.3.4")
    finally:
        logger.removeHandler(keep)
    (record,) = records
    assert record.getMessage() == "GET /healthz 200"
    assert {name: getattr(record, name) for name in FIELDS} == dict(
        zip(FIELDS, ["GET", "/healthz", "/healthz", 200, 0.25, "bypass", "1.2.3.4"], strict=True)
    )
    assert "planner.access" in stderr.readouterr().err  # and the line still reaches stderr


def test_the_service_writes_the_cheap_line(stderr: pytest.CaptureFixture[str]) -> None:
    with TestClient(create_app(Settings(redis_url=None))) as client:
        _configure("keyvalue")
        stderr.readouterr()
        calls = []
        original = module._line
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(module, "_line", lambda *a: calls.append(a) or original(*a))
            client.get("/v1/laws/hoffmann2022", headers={"X-Request-ID": "cheap-1"})
        (line,) = _access_lines(stderr.readouterr().err)
    assert len(calls) == 1
    assert TS.match(line[3:])
    assert " request_id=cheap-1 method=GET path=/v1/laws/hoffmann2022 " in line
    assert " route=/v1/laws/{law_id} status=200 latency_ms=" in line
    assert line.endswith(" cache=bypass client=testclient")


def test_pieces_kept_are_bounded(
    stderr: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure("keyvalue")
    monkeypatch.setattr(module, "_pieces", {})
    monkeypatch.setattr(module, "_KEPT", 3)
    for i in range(10):
        write_access_line("GET", f"/p{i}", "unmatched", 404, 0.1, "bypass", None)
    assert len(module._pieces) == 3
    lines = _access_lines(stderr.readouterr().err)
    assert [line.split(" path=")[1].split(" ")[0] for line in lines] == [
        f"/p{i}" for i in range(10)
    ]


def test_a_failing_stream_is_reported_not_raised(
    stderr: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure("keyvalue")
    broken = io.StringIO()
    broken.close()
    handler = logging.getLogger("planner").handlers[0]
    monkeypatch.setattr(type(handler), "stream", property(lambda _: broken))
    monkeypatch.setattr(logging, "raiseExceptions", False)
    write_access_line("GET", "/healthz", "/healthz", 200, 0.1, "bypass", None)
