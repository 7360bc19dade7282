"""Cache keys: the code build and catalogue version plus a hash of the canonical request.

A rolling deploy runs old and new replicas against one shared Redis: the build part of the key
(package version plus a digest of the installed source) keeps a replica from serving a body
computed by different code, even when the version number was not bumped.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from laws_catalog import CATALOG

__all__ = ["build_id", "cache_key"]

PREFIX = "planner:v1"
_PACKAGES = ("planner", "laws_catalog")


@cache
def build_id() -> str:
    """``<package version>-<12 hex digits of the source of planner and laws_catalog>``."""
    from .. import __version__

    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[2]
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{__version__}-{digest.hexdigest()[:12]}"


def cache_key(endpoint: str, canonical_request: bytes, response_format: str = "json") -> str:
    """Same question, code, catalogue and format -> same key; a change to any -> new key."""
    digest = hashlib.sha256(canonical_request).hexdigest()[:40]
    return f"{PREFIX}:{build_id()}:{CATALOG.version}:{endpoint}:{response_format}:{digest}"
