"""Closed-form compute-optimal allocations N_opt(C), D_opt(C)."""

from . import deepseek2024, hoffmann2022, kaplan2020
from ._law import Allocation, AllocationLaw, AllocationTraits, allocate

__all__ = [
    "Allocation",
    "AllocationLaw",
    "AllocationTraits",
    "allocate",
    "deepseek2024",
    "hoffmann2022",
    "kaplan2020",
]
