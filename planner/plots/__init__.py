"""Pictures of plans: the loss-vs-compute frontier with isoFLOP curves, and sweeps.

Importing this package does not import matplotlib; drawing does (see :mod:`.render`).
"""

from .figures import (
    MEDIA_TYPES,
    ImageFormat,
    format_for_path,
    frontier_figure,
    frontier_image,
    sweep_figure,
    sweep_image,
)

__all__ = [
    "MEDIA_TYPES",
    "ImageFormat",
    "format_for_path",
    "frontier_figure",
    "frontier_image",
    "sweep_figure",
    "sweep_image",
]
