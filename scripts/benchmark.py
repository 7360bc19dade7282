"""Measure plan and sweep latency beside their floors (:mod:`benchmark_plans`), HTTP latency
(uncached and cached) and cached throughput.

Run with ``make bench`` (or ``.venv/bin/python scripts/benchmark.py [--quick] [--plans-only]
[--redis-url URL]``).
It starts the real service (uvicorn, one worker) in a subprocess on a free port and drives it
over keep-alive sockets with a minimal HTTP/1.1 client, so the client costs little next to the
server. Not a test: numbers depend on the machine; they go in the release notes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from benchmark_plans import bench_plans

from planner.planning.plan.pipeline import make_plan
from planner.schemas.requests import PlanRequest


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered) * 1e3,
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e3,
    }


def _time(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def bench_uncertainty(repeats: int) -> dict[str, object]:
    """200-sample intervals on a default plan against 10 ordinary plans (issue 11: well under
    1), and one fit of a 5 x 5 ladder with 200 bootstrap resamples."""
    from planner.fitting.service import fit_runs
    from planner.schemas.fit import FitRequest

    plain = PlanRequest.model_validate({"budget": {"flops": 1e21}})
    asked = PlanRequest.model_validate({"budget": {"flops": 1e21}, "uncertainty": True})
    make_plan(plain), make_plan(asked)
    ten = _time(lambda: [make_plan(plain) for _ in range(10)], max(repeats // 10, 5))
    one = _time(lambda: make_plan(asked), max(repeats // 10, 5))
    runs = [
        {"params": n, "tokens": n * m, "loss": 1.8 + 400 * n**-0.33 + 1500 * (n * m) ** -0.35}
        for n in (5e7, 1e8, 2e8, 4e8, 8e8)
        for m in (5, 10, 20, 40, 80)
    ]
    fit = _time(lambda: fit_runs(FitRequest.model_validate({"runs": runs})), 3)
    return {
        "ten_plans": _summary(ten),
        "plan_with_200_sample_intervals": _summary(one),
        "ratio_to_ten_plans": round(statistics.median(one) / statistics.median(ten), 3),
        "ratio_floor": "< 1 (issue 11: well under the time of 10 ordinary plans)",
        "fit_25_runs_200_bootstrap": _summary(fit),
    }


class RawClient:
    """Keep-alive HTTP/1.1 over one socket: send a request, read one response."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, raw: bytes) -> tuple[int, bytes]:
        self.sock.sendall(raw)
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed")
            rest += chunk
        self.buffer = rest[length:]
        return status, head

    def _read(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("closed")
        self.buffer += chunk


def _post(body: dict[str, object]) -> bytes:
    payload = json.dumps(body).encode()
    return (
        b"POST /v1/plan HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )


def _start_server(port: int, redis_url: str | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("PLANNER_REDIS_URL", None)
    env.pop("REDIS_URL", None)
    if redis_url:
        env["PLANNER_REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "planner.api.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            client = RawClient(port)
            status, _ = client.request(b"GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n")
            if status == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def bench_http(
    redis_url: str | None, uncached: int, cached: int, seconds: float
) -> dict[str, object]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = _start_server(port, redis_url)
    try:
        client = RawClient(port)
        # budgets unique to this run: a shared Redis may hold the last run's answers
        rng = random.Random(time.time_ns())
        client.request(_post({"budget": {"flops": 1e22}}))  # warm the solver threads
        time.sleep(1.0)
        miss = []
        for _ in range(uncached):
            raw = _post({"budget": {"flops": 10 ** rng.uniform(18, 27)}})
            started = time.perf_counter()
            status, head = client.request(raw)
            miss.append(time.perf_counter() - started)
            assert status == 200, head
            assert b"x-cache: miss" in head.lower(), head
        hot = _post({"budget": {"flops": 3e23}})
        client.request(hot)
        hit = []
        for _ in range(cached):
            started = time.perf_counter()
            status, head = client.request(hot)
            hit.append(time.perf_counter() - started)
            assert status == 200
            assert b"x-cache: hit" in head.lower()
        throughput = {str(conns): _throughput(port, hot, conns, seconds) for conns in (1, 4, 16)}
        return {
            "cache": "redis" if redis_url else "in-process",
            "uncached_plan": _summary(miss),
            "cached_plan": _summary(hit),
            "cached_requests_per_second_by_connections": throughput,
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def _throughput(port: int, raw: bytes, connections: int, seconds: float) -> float:
    counts = [0] * connections
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        client = RawClient(port)
        while time.monotonic() < stop:
            status, _ = client.request(raw)
            assert status == 200
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return round(sum(counts) / (time.monotonic() - started), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", help="also benchmark with this Redis as the cache")
    parser.add_argument("--quick", action="store_true", help="fewer samples, smaller sweeps")
    parser.add_argument("--plans-only", action="store_true", help="skip the HTTP section")
    parser.add_argument("--uncached", type=int, default=300)
    parser.add_argument("--cached", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--service", action="store_true", help="add benchmark_service.py")
    args = parser.parse_args()
    results: dict[str, object] = {"plans": bench_plans(args.quick)}
    results["uncertainty"] = bench_uncertainty(50 if args.quick else 200)
    if args.plans_only:
        print(json.dumps(results, indent=2))
        return
    if args.quick:
        args.uncached, args.cached, args.seconds = 50, 500, 2.0
    results["http_in_process_cache"] = bench_http(None, args.uncached, args.cached, args.seconds)
    if args.redis_url:
        results["http_redis_cache"] = bench_http(
            args.redis_url, args.uncached, args.cached, args.seconds
        )
    if args.service:
        from benchmark_service import run as bench_service

        results["service_edges"] = bench_service()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
