"""loss_curve laws: loss along training as a function of the learning-rate schedule.

Importing this package registers every module's law.
"""

from . import luo2025, schedules, tissue2024
from ._law import LossCurveLaw, LossCurveTraits, predict

__all__ = ["LossCurveLaw", "LossCurveTraits", "luo2025", "predict", "schedules", "tissue2024"]
