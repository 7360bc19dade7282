"""``POST /v1/slack/command``: the ``/plan`` slash command (mounted only with a signing secret).

Slack signs each request: ``X-Slack-Signature = v0=hex(HMAC-SHA256(secret,
"v0:" + X-Slack-Request-Timestamp + ":" + raw body))``; requests older than five minutes are
refused (replay). Slack waits 3 s for the answer: a plan ready within
``PLANNER_SLACK_REPLY_SECONDS`` is the reply itself; a slower one is acknowledged at once and
posted to the command's ``response_url`` when done.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from typing import Annotated, Any
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from laws_catalog.hardware import all_devices

from ...chatops.command_text import parse_command_text
from ...chatops.slack_reply import error_reply, plan_reply, usage_reply
from ...errors import PlannerError, Unauthorized
from ...planning.plan.pipeline import make_plan
from ...schemas.requests import PlanRequest
from ...schemas.responses import ErrorBody, PlanResponse
from ..errors import validation_body
from ..services import Services, answer, get_services

__all__ = ["router", "verify_signature"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat-ops"])
ServicesDep = Annotated[Services, Depends(get_services)]
MAX_AGE_SECONDS = 300
_pending: set[asyncio.Task[None]] = set()


def verify_signature(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> None:
    """Raise :class:`Unauthorized` unless Slack's v0 signature of ``body`` is valid and fresh."""
    if not timestamp or not signature:
        raise Unauthorized(
            "X-Slack-Request-Timestamp and X-Slack-Signature are required",
            field="X-Slack-Signature",
        )
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        raise Unauthorized(
            "the timestamp is not a number", field="X-Slack-Request-Timestamp"
        ) from None
    if age > MAX_AGE_SECONDS:
        raise Unauthorized(
            f"the request is {age:.0f} s old; at most {MAX_AGE_SECONDS} s are accepted",
            field="X-Slack-Request-Timestamp",
        )
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Unauthorized("the signature does not match", field="X-Slack-Signature")


async def _plan_reply(services: Services, body: dict[str, Any], base_url: str) -> dict[str, Any]:
    try:
        request = PlanRequest.model_validate(body)
        response = await answer(
            services,
            endpoint="plan",
            question=request,
            compute=lambda: make_plan(request, services.devices).model_dump_json().encode(),
        )
    except PlannerError as exc:
        return error_reply(exc.to_dict())
    except ValueError as exc:  # pydantic's ValidationError
        errors = getattr(exc, "errors", None)
        return error_reply(validation_body(errors()) if callable(errors) else {"detail": str(exc)})
    return plan_reply(PlanResponse.model_validate_json(bytes(response.body)), body, base_url)


async def _post_later(
    work: asyncio.Task[dict[str, Any]], response_url: str, timeout: float
) -> None:
    reply = await work
    async with httpx.AsyncClient(timeout=timeout) as http:
        try:
            await http.post(response_url, json={**reply, "replace_original": False})
        except httpx.HTTPError as exc:
            log.warning("slack response_url post failed: %s", exc)


@router.post(
    "/slack/command",
    responses={401: {"model": ErrorBody, "description": "bad or stale Slack signature"}},
)
async def slack_command(
    request: Request,
    services: ServicesDep,
    x_slack_request_timestamp: Annotated[str | None, Header()] = None,
    x_slack_signature: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Slack slash command (``/plan 1e24``, ``/plan help``); form-encoded as Slack sends it."""
    settings = services.settings
    assert settings.slack_signing_secret is not None  # the router is mounted only with one
    raw = await request.body()
    verify_signature(
        settings.slack_signing_secret.get_secret_value(),
        x_slack_request_timestamp,
        x_slack_signature,
        raw,
        time.time(),
    )
    form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    names = [n for d in all_devices(services.devices).values() for n in (d.id, *d.aliases)]
    command = parse_command_text(form.get("text", ""), names)
    if command.help or not command.understood:
        return JSONResponse(usage_reply(command.unread))
    base_url = (settings.public_url or str(request.base_url)).rstrip("/")
    work = asyncio.ensure_future(_plan_reply(services, command.body, base_url))
    try:
        reply = await asyncio.wait_for(asyncio.shield(work), settings.slack_reply_seconds)
    except TimeoutError:
        response_url = form.get("response_url", "")
        if not response_url.startswith(settings.slack_response_url_prefixes):
            work.cancel()
            return JSONResponse(
                error_reply({"detail": "this plan takes longer than Slack waits; ask the API"})
            )
        later = asyncio.ensure_future(_post_later(work, response_url, timeout=10.0))
        _pending.add(later)
        later.add_done_callback(_pending.discard)
        return JSONResponse(
            {"response_type": "ephemeral", "text": ":hourglass: Planning… the answer follows."}
        )
    return JSONResponse(reply)
