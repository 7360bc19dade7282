"""A hook the catalogue's long fits call between iterations, so an application can stop them.

The catalogue knows nothing of requests or deadlines: an application installs one function
(:func:`install`) that raises to abandon the current computation; :func:`checkpoint` calls
it, or does nothing when none is installed.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["checkpoint", "install"]

_hook: Callable[[], None] | None = None


def install(hook: Callable[[], None] | None) -> None:
    """Call ``hook`` at every checkpoint from now on (None removes it)."""
    global _hook
    _hook = hook


def checkpoint() -> None:
    """Give the installed hook a chance to abandon the computation (by raising)."""
    if _hook is not None:
        _hook()
