"""Loss laws L(N, D). Importing this package registers every module's law."""

from . import besiroglu2024, gadre2024, hoffmann2022, kaplan2020, muennighoff2023
from ._law import (
    DownstreamTraits,
    LossLaw,
    LossTraits,
    downstream_error,
    is_loss_law,
    loss,
    loss_for_downstream_error,
    posynomial,
)
from ._posynomial import PosynomialLoss, PowerTerm

__all__ = [
    "DownstreamTraits",
    "LossLaw",
    "LossTraits",
    "PosynomialLoss",
    "PowerTerm",
    "besiroglu2024",
    "downstream_error",
    "gadre2024",
    "hoffmann2022",
    "is_loss_law",
    "kaplan2020",
    "loss",
    "loss_for_downstream_error",
    "muennighoff2023",
    "posynomial",
]
