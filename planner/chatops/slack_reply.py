"""A plan as a compact Slack message (mrkdwn): the numbers a channel needs, one warning, links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ..schemas.responses import PlanResponse

__all__ = ["error_reply", "plan_reply", "query_of", "usage_reply"]

_SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
_GET_BUDGET_KEYS = ("flops", "gpu_hours", "gpu_count", "hours", "dollars")
_GET_HARDWARE_KEYS = ("gpu", "mfu", "price_per_gpu_hour", "number_format")


def _si(value: float) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def query_of(body: dict[str, Any]) -> dict[str, Any]:
    """The ``GET /v1/plan`` query parameters asking the same question as a chat request."""
    budget = body.get("budget", {})
    query = {k: budget[k] for k in (*_GET_BUDGET_KEYS, *_GET_HARDWARE_KEYS) if k in budget}
    if "target" in body:
        query["target_loss"] = body["target"]["loss"]
    if "constraints" in body:
        query.update(body["constraints"])
    if "laws" in body:
        query["loss"] = body["laws"]["loss"]
    return query


def _most_important_warning(answer: PlanResponse) -> str | None:
    if not answer.warnings:
        return None

    def rank(index_and_warning: tuple[int, Any]) -> tuple[int, int]:
        index, warning = index_and_warning
        severity = getattr(warning, "severity", None)
        return _SEVERITY_RANK.get(str(severity), 1), index

    _, warning = min(enumerate(answer.warnings), key=rank)
    severity = getattr(warning, "severity", None) or "warning"
    more = len(answer.warnings) - 1
    tail = f" (+{more} more in the full answer)" if more else ""
    return f":warning: *{severity}:* {warning.message}{tail}"


def plan_reply(answer: PlanResponse, body: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Slack's response JSON for a plan: a summary section and links to the full answer."""
    plan = answer.plan
    query = urlencode(query_of(body))
    json_link = f"{base_url}/v1/plan?{query}"
    plot_link = f"{base_url}/v1/plots/frontier?{query}"
    if answer.objective == "min_flops":
        headline = f"*Least budget for loss {plan.loss:.4g}: {answer.budget.flops:.3g} FLOPs*"
    else:
        headline = f"*Plan for {answer.budget.flops:.3g} FLOPs*"
    lines = [
        headline,
        f"• *params* {_si(plan.params)} · *tokens* {_si(plan.tokens)} "
        f"({plan.tokens_per_param:.3g}/param) · *loss* {plan.loss:.4g} nats/token",
    ]
    recipe = []
    if plan.learning_rate is not None:
        recipe.append(f"*peak LR* {plan.learning_rate:.2g}")
    if plan.batch_size_tokens is not None:
        recipe.append(f"*batch* {_si(plan.batch_size_tokens)} tokens")
    if plan.steps is not None:
        recipe.append(f"{_si(plan.steps)} steps")
    if recipe:
        lines.append("• " + " · ".join(recipe))
    binding = ", ".join(f"`{b}`" for b in answer.binding_constraints) or "none"
    lines.append(f"• *binding:* {binding}")
    if answer.budget.dollars is not None:
        lines.append(f"• *cost* ${_si(answer.budget.dollars)}")
    warning = _most_important_warning(answer)
    if warning is not None:
        lines.append(warning)
    laws = ", ".join(sorted({f"{u.law}@{u.constant_set}" for u in answer.provenance}))
    lines.append(f"<{json_link}|full JSON> · <{plot_link}|frontier plot> · laws: {laws}")
    text = "\n".join(lines)
    return {
        "response_type": "in_channel",
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def usage_reply(unread: list[str] | None = None) -> dict[str, Any]:
    from .command_text import USAGE

    prefix = f"I could not read `{' '.join(unread)}`.\n" if unread else ""
    return {"response_type": "ephemeral", "text": prefix + USAGE}


def error_reply(error: dict[str, Any]) -> dict[str, Any]:
    """A planner error (infeasible, out of range) in words, privately to the asker."""
    where = f" (`{error['field']}`)" if error.get("field") else ""
    allowed = f"\nallowed: {error['allowed']}" if error.get("allowed") not in (None, []) else ""
    return {
        "response_type": "ephemeral",
        "text": f":x: {error.get('detail', 'the planner could not answer')}{where}{allowed}",
    }
