"""Plain chat text -> a plan request body: ``/plan 512 h100 for 21 days at 40% mfu``.

The grammar is a handful of phrases, each optional and in any order::

    1e24 [flops]                         a FLOP budget
    $2M | 2M dollars                     a dollar budget (needs a GPU and its price)
    512 h100 | 512 x h100 | on h100      GPU count and device
    for 21 days | for 500 hours | 3 weeks
    at 40% mfu | mfu 0.4                 model FLOPs utilisation
    at $2.5/h | $2.5/gpu-hour            price per GPU-hour
    max 70B | max params 70B             parameter cap
    target loss 2.1                      the least budget reaching a loss
    law hoffmann2022[@tex]               loss law

Whatever is left over is reported back, so a typo gets the usage rather than a wrong plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["USAGE", "CommandText", "parse_command_text"]

USAGE = """\
*Usage:* `/plan <budget> [on <gpu>] [max <params>] [law <id>]`
• `/plan 1e24` — a FLOP budget
• `/plan 512 h100 for 21 days at 40% mfu` — GPUs for a time
• `/plan $2M on h100 at $2.5/h mfu 0.4 max 70B` — dollars, with a 70B cap
• `/plan target loss 2.1` — the least budget reaching a loss
• `/plan help` — this text"""

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
_NUMBER = r"(\d+(?:[.,]\d+)*(?:e[+-]?\d+)?)\s*([kmbgt]?)\b"
_HOURS_PER = {"h": 1.0, "hour": 1.0, "d": 24.0, "day": 24.0, "w": 168.0, "week": 168.0}


def _number(text: str, suffix: str = "") -> float:
    return float(text.replace(",", "")) * _SUFFIX[suffix.lower()]


@dataclass
class CommandText:
    """What the text asked: a request body, a request for help, or what could not be read."""

    body: dict[str, Any] = field(default_factory=dict)
    help: bool = False
    unread: list[str] = field(default_factory=list)

    @property
    def understood(self) -> bool:
        return not self.help and not self.unread and bool(self.body)


class _Reader:
    """Consumes phrases from the text; what no phrase matched is left in ``rest``."""

    def __init__(self, text: str) -> None:
        self.rest = " " + text.strip().lower() + " "

    def take(self, pattern: str) -> re.Match[str] | None:
        match = re.search(pattern, self.rest)
        if match is not None:
            self.rest = self.rest[: match.start()] + " " + self.rest[match.end() :]
        return match

    def leftovers(self) -> list[str]:
        return [w for w in re.split(r"[\s,;]+", self.rest) if w and w not in _FILLER]


_FILLER = {"for", "at", "on", "with", "and", "of", "a", "an", "the", "please", "gpus", "gpu"}


def parse_command_text(text: str, device_names: Iterable[str]) -> CommandText:
    """Read a slash command's text; ``device_names`` are the ids and aliases the service knows."""
    reader = _Reader(text)
    out = CommandText()
    if not reader.rest.strip() or reader.take(r"^\s*(help|usage|\?)\s*$"):
        out.help = True
        return out
    budget: dict[str, Any] = {}
    names = sorted({n.lower() for n in device_names}, key=len, reverse=True)
    device_pattern = "|".join(re.escape(n) for n in names)

    if match := reader.take(r"\btarget\s+(?:loss\s+)?(\d+(?:\.\d+)?)\b"):
        out.body["target"] = {"loss": float(match.group(1))}
    if match := reader.take(r"\$\s*(\d+(?:\.\d+)?)\s*(?:/|per\s*)(?:gpu[- ]?)?(?:h|hr|hour)\b"):
        budget["price_per_gpu_hour"] = float(match.group(1))
    dollars = reader.take(r"\$\s*" + _NUMBER) or reader.take(
        _NUMBER.replace(r"\b", "") + r"\s*(?:dollars|usd)\b"
    )
    if dollars:
        budget["dollars"] = _number(dollars.group(1), dollars.group(2))
    if match := reader.take(r"\bmax(?:imum)?\s*(?:params?|parameters?|size|n)?\s*" + _NUMBER):
        out.body["constraints"] = {"max_params": _number(match.group(1), match.group(2))}
    if match := reader.take(r"(\d+(?:\.\d+)?)\s*%\s*mfu\b") or reader.take(
        r"\bmfu\s*(?:of\s*|=\s*)?(\d+(?:\.\d+)?)\s*(%?)"
    ):
        value = float(match.group(1))
        percent = match.lastindex == 2 and match.group(2) == "%"
        budget["mfu"] = value / 100 if percent or value > 1 else value
    if device_pattern and (
        match := reader.take(r"\b(\d+)\s*(?:x\s*|×\s*)?(" + device_pattern + r")\b")
    ):
        budget["gpu_count"] = int(match.group(1))
        budget["gpu"] = match.group(2)
    elif device_pattern and (match := reader.take(r"\b(" + device_pattern + r")\b")):
        budget["gpu"] = match.group(1)
    if match := reader.take(
        r"\b(\d+(?:\.\d+)?)\s*(h|hours?|d|days?|w|weeks?)\b(?!\s*[a-z]*\s*mfu)"
    ):
        unit = match.group(2).rstrip("s") if len(match.group(2)) > 1 else match.group(2)
        budget["hours"] = float(match.group(1)) * _HOURS_PER[unit]
    if match := reader.take(r"\b(?:law|loss)\s+([a-z0-9_]+(?:@[a-z0-9_]+)?)\b"):
        out.body["laws"] = {"loss": match.group(1)}
    if "target" not in out.body and (
        match := reader.take(r"(?<![\w.$])(\d+(?:\.\d+)?e[+-]?\d+|\d{5,})\s*(?:flops?)?(?!\w)")
    ):
        budget["flops"] = float(match.group(1))
    if budget:
        out.body["budget"] = budget
    out.unread = reader.leftovers()
    return out
