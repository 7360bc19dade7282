"""Client side: poll a job until it ends, drawing a progress bar on stderr.

Light on purpose (httpx only), so a command line can import it without the optimiser.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import httpx

__all__ = ["bar", "wait_for_job"]

_ENDED = ("finished", "failed", "expired")


def bar(done: int, total: int, status: str, width: int = 30) -> str:
    """``[#########.....................]  300/1000 rows  running``."""
    fraction = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
    filled = round(fraction * width)
    count = f"{done:>{len(str(total))}}/{total}"
    return f"[{'#' * filled}{'.' * (width - filled)}] {count} rows  {status}"


def wait_for_job(
    client: httpx.Client,
    location: str,
    *,
    interval_seconds: float = 0.25,
    timeout_seconds: float | None = None,
    stream: TextIO | None = None,
) -> dict[str, Any]:
    """GET ``location`` (``/v1/jobs/{id}``) until the job ends; return its last status body.

    ``stream`` (default stderr) gets the bar, redrawn in place on a terminal and one line per
    change otherwise.
    """
    out = sys.stderr if stream is None else stream
    redraw = out.isatty()
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    shown = ""
    while True:
        response = client.get(location)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        progress = body.get("progress") or {}
        line = bar(int(progress.get("done", 0)), int(progress.get("total", 0)), body["status"])
        if line != shown:
            out.write(("\r" + line) if redraw else (line + "\n"))
            out.flush()
            shown = line
        if body["status"] in _ENDED:
            if redraw:
                out.write("\n")
            return body
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"job at {location} still {body['status']}")
        time.sleep(interval_seconds)
