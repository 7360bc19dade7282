"""``planner worker``: run queued jobs from the shared Redis until stopped.

Start as many as you like, on any machines that reach the Redis: each takes the next job off
the queue. A worker warms up the optimiser once; every job then runs in a forked work horse
that inherits the warm state, so a job that crashes or overruns its time limit is contained.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

__all__ = ["main", "run_worker"]


def run_worker(
    redis_url: str, *, burst: bool = False, name: str | None = None, warm: bool = True
) -> bool:
    """Work the queue (until SIGTERM/SIGINT, or until it is empty when ``burst``)."""
    from rq import Queue, Worker
    from rq.serializers import JSONSerializer

    from .rq_queue import QUEUE_NAME, connect

    if warm:
        from ..api.services import warm_up

        warm_up()
    connection = connect(redis_url, timeout_seconds=30)
    queue = Queue(QUEUE_NAME, connection=connection, serializer=JSONSerializer)
    worker = Worker([queue], connection=connection, serializer=JSONSerializer, name=name)
    return worker.work(burst=burst, logging_level="INFO")


def main(argv: Sequence[str] | None = None) -> int:
    from ..config import get_settings

    parser = argparse.ArgumentParser(prog="planner worker", description=__doc__)
    parser.add_argument("--redis-url", help="default: PLANNER_REDIS_URL")
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    parser.add_argument("--name", help="worker name (default: host and pid)")
    args = parser.parse_args(argv)
    url = args.redis_url or get_settings().redis_url
    if not url:
        parser.error("no Redis: set PLANNER_REDIS_URL or pass --redis-url")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    run_worker(url, burst=args.burst, name=args.name)
    return 0
