"""The service's edges beside their floors, measured in one run.

* startup: process start to the first 200 from ``/healthz`` (and to ``/readyz`` warm) for the
  planner vs a bare FastAPI app under the same uvicorn;
* cached HTTP: latency at one connection and requests/s at 1, 4 and 16 keep-alive connections
  for a cached ``POST /v1/plan`` vs a bare FastAPI endpoint returning the same body bytes.
  Both servers run at once and the windows alternate, so machine noise hits both alike. The
  load client is an asyncio HTTP/1.1 client in this process (the servers are separate
  processes): it needs nothing installed and costs a few µs per request. Each server's CPU
  time per request is reported too (``cpu_ratio``): on a machine busy with other work it
  holds where requests/s does not;
* ``planner --help`` wall time vs ``python -c pass``.

Run alone (``python scripts/benchmark_service.py``) or via ``scripts/benchmark.py --service``.
``bare_app`` is the floor's app factory (uvicorn imports this module with ``--app-dir``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BODY_FILE_ENV = "PLANNER_BENCH_BODY_FILE"
PLANNER_TARGET = "planner.api.asgi:create_app"
HOT_REQUEST = {"budget": {"flops": 3.0e23}, "laws": {"loss": "besiroglu2024"}}


def bare_app() -> Any:
    """A bare FastAPI app: ``/healthz`` and ``POST /v1/plan`` returning fixed bytes."""
    from fastapi import FastAPI
    from fastapi.responses import Response

    body_file = os.environ.get(BODY_FILE_ENV)
    body = Path(body_file).read_bytes() if body_file else b'{"status":"ok"}'
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/plan")
    async def plan() -> Response:
        return Response(body, media_type="application/json", headers={"X-Cache": "hit"})

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", target, "--factory", "--app-dir", str(HERE)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command += ["--no-access-log"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def _get(port: int, path: str) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _wait(port: int, path: str, started: float, ready: bytes | None = None) -> float:
    deadline = started + 120
    while time.perf_counter() < deadline:
        try:
            status, body = _get(port, path)
            # a server that does not report warm-up is ready at its first 200
            if status == 200 and (ready is None or ready in body or b'"warm"' not in body):
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"no 200 from {path} within 120 s")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PLANNER_REDIS_URL", "REDIS_URL")}
    env.update(extra)
    return env


def bench_startup(rounds: int, env: dict[str, str], target: str = PLANNER_TARGET) -> dict[str, Any]:
    """Seconds from spawn to first 200 /healthz: bare app vs planner (and planner warm)."""
    bare: list[float] = []
    planner: list[float] = []
    warm: list[float] = []
    for _ in range(rounds):
        port = _free_port()
        started = time.perf_counter()
        proc = _spawn("benchmark_service:bare_app", port, env)
        try:
            bare.append(_wait(port, "/healthz", started))
        finally:
            proc.terminate()
            proc.wait(10)
        port = _free_port()
        started = time.perf_counter()
        proc = _spawn(target, port, env)
        try:
            planner.append(_wait(port, "/healthz", started))
            warm.append(_wait(port, "/readyz", started, ready=b'"warm":true'))
        finally:
            proc.terminate()
            proc.wait(10)
    return {
        "bare_s": _stats(bare),
        "planner_healthz_s": _stats(planner),
        "planner_warm_s": _stats(warm),
        "ratio": round(statistics.median(planner) / statistics.median(bare), 2),
    }


def _stats(samples: Sequence[float], scale: float = 1.0) -> dict[str, float]:
    return {
        "median": round(statistics.median(samples) * scale, 4),
        "min": round(min(samples) * scale, 4),
        "max": round(max(samples) * scale, 4),
        "n": len(samples),
    }


def _post(path: str, payload: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length)
    return int(head.split(b" ", 2)[1]), head + body


async def _load(
    port: int, raw: bytes, connections: int, seconds: float, expect: bytes
) -> tuple[float, list[float]]:
    """Requests/s over ``seconds`` at ``connections`` keep-alive connections; latencies."""
    latencies: list[float] = []
    count = 0
    stop = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while (now := time.perf_counter()) < stop:
                writer.write(raw)
                status, response = await _read_response(reader)
                latencies.append(time.perf_counter() - now)
                if status != 200 or expect not in response:
                    raise RuntimeError(f"unexpected response {response[:300]!r}")
                count += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(connections)))
    return count / (time.perf_counter() - started), latencies


def bench_cached_http(
    seconds: float, rounds: int, env: dict[str, str], target: str = PLANNER_TARGET
) -> dict[str, Any]:
    """Cached POST /v1/plan vs the bare endpoint returning the same bytes, alternating."""
    project_port = _free_port()
    project = _spawn(target, project_port, env)
    bare: subprocess.Popen[bytes] | None = None
    try:
        _wait(project_port, "/readyz", time.perf_counter(), ready=b'"warm":true')
        payload = json.dumps(HOT_REQUEST).encode()
        raw = _post("/v1/plan", payload)
        _body_of(project_port, raw)  # fill the cache
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            handle.write(_body_of(project_port, raw))
        bare_port = _free_port()
        bare = _spawn("benchmark_service:bare_app", bare_port, {**env, BODY_FILE_ENV: handle.name})
        _wait(bare_port, "/healthz", time.perf_counter())
        results: dict[str, Any] = {}
        pids = {"bare": bare.pid, "planner": project.pid}
        for connections in (1, 4, 16):
            rates: dict[str, list[float]] = {"bare": [], "planner": []}
            latency: dict[str, list[float]] = {"bare": [], "planner": []}
            cpu: dict[str, float] = {"bare": 0.0, "planner": 0.0}
            for _ in range(rounds):
                for name, port in (("bare", bare_port), ("planner", project_port)):
                    before = _cpu_seconds(pids[name])
                    rate, lat = asyncio.run(_load(port, raw, connections, seconds, b"x-cache: hit"))
                    cpu[name] += _cpu_seconds(pids[name]) - before
                    rates[name].append(rate)
                    latency[name].extend(lat)
            bare_rate = statistics.median(rates["bare"])
            planner_rate = statistics.median(rates["planner"])
            bare_ms = statistics.median(latency["bare"]) * 1e3
            planner_ms = statistics.median(latency["planner"]) * 1e3
            results[str(connections)] = {
                "bare_rps": _stats(rates["bare"]),
                "planner_rps": _stats(rates["planner"]),
                "bare_latency_ms": round(bare_ms, 3),
                "planner_latency_ms": round(planner_ms, 3),
                "rps_ratio_bare_over_planner": round(bare_rate / planner_rate, 2),
                "latency_ratio": round(planner_ms / bare_ms, 2),
                **_cpu_figures(cpu, {name: len(lat) for name, lat in latency.items()}),
            }
        Path(handle.name).unlink()
        return results
    finally:
        for proc in (project, bare):
            if proc is not None:
                proc.terminate()
                proc.wait(10)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_figures(cpu: dict[str, float], requests: dict[str, int]) -> dict[str, Any]:
    """Server CPU per request: unlike requests/s, it holds on a machine busy with other work
    (the client and other processes take wall time, not the server's CPU time)."""
    if not cpu["bare"] or not all(requests.values()):
        return {}
    per = {name: cpu[name] / requests[name] * 1e6 for name in cpu}
    return {
        "bare_cpu_us_per_request": round(per["bare"], 1),
        "planner_cpu_us_per_request": round(per["planner"], 1),
        "cpu_ratio": round(per["planner"] / per["bare"], 2),
    }


def _body_of(port: int, raw: bytes) -> bytes:
    async def fetch() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(raw)
        _, response = await _read_response(reader)
        writer.close()
        return response.partition(b"\r\n\r\n")[2]

    return asyncio.run(fetch())


def bench_cli_help(rounds: int) -> dict[str, Any]:
    """``planner --help`` wall time vs ``python -c pass`` (the interpreter's floor)."""
    planner_bin = Path(sys.executable).with_name("planner")
    help_command = [str(planner_bin), "--help"] if planner_bin.exists() else []
    if not help_command:
        help_command = [sys.executable, "-m", "planner.cli", "--help"]
    floor: list[float] = []
    helped: list[float] = []
    for _ in range(rounds):
        for command, out in (([sys.executable, "-c", "pass"], floor), (help_command, helped)):
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            out.append(time.perf_counter() - started)
    return {
        "python_pass_s": _stats(floor),
        "planner_help_s": _stats(helped),
        "ratio": round(statistics.median(helped) / statistics.median(floor), 2),
    }


def run(seconds: float = 2.0, rounds: int = 3, target: str = PLANNER_TARGET) -> dict[str, Any]:
    env = _env()
    return {
        "startup_to_ready": bench_startup(rounds, env, target),
        "cached_http_by_connections": bench_cached_http(seconds, rounds, env, target),
        "cli_help": bench_cli_help(max(rounds, 5)),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="per load window")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--target", default=PLANNER_TARGET, help="the planner's app factory")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.seconds, args.rounds, args.target), indent=2))


if __name__ == "__main__":
    main()
