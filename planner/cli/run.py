"""Answer a parsed command: here or on ``--remote``, printed for people or as JSON, and every
failure turned into a message naming the flag and one of the documented exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from .exit_codes import EXIT_INFEASIBLE, EXIT_OK, EXIT_SERVER, EXIT_USAGE
from .flags import flag_for_field, in_flag_words, typed
from .human import fit_lines, plan_lines, predict_lines, si, vocabulary_lines
from .questions import Question, UsageError, question_for, remote_url

__all__ = ["Failure", "run"]

_INFEASIBLE_ERRORS = {"PlanInfeasible", "TargetUnreachable"}


class Failure(Exception):
    """A command that did not answer: what to print and which exit code."""

    def __init__(self, code: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("detail", ""))
        self.code = code
        self.body = body


def run(args: argparse.Namespace, prog: str) -> int:
    question: Question | None = None
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command in ("laws", "hardware", "glossary"):
            return _catalogue(args)
        if args.command == "job":
            return _job(args)
        question = question_for(args)
        return _answer(args, question)
    except Failure as failure:
        _report(prog, args, question, failure)
        return failure.code
    except UsageError as exc:
        _report(
            prog, args, question, Failure(EXIT_USAGE, {"error": "UsageError", "detail": str(exc)})
        )
        return EXIT_USAGE
    except argparse.ArgumentTypeError as exc:
        _report(
            prog, args, question, Failure(EXIT_USAGE, {"error": "UsageError", "detail": str(exc)})
        )
        return EXIT_USAGE


def _report(
    prog: str, args: argparse.Namespace, question: Question | None, failure: Failure
) -> None:
    body = dict(failure.body)
    field = body.get("field")
    flags = question.flags if question is not None else ()
    flag = flag_for_field(field, flags, typed(args, flags))
    detail = str(body.get("detail", ""))
    if flag is not None:
        body["flag"] = flag
        detail = detail.removeprefix(f"{field}: ")
    detail = in_flag_words(detail, flags)
    if getattr(args, "json", False):
        print(json.dumps(body), file=sys.stderr)
        return
    if flag is not None:
        where = f"{flag}: "
    elif field:
        where = f"{field} (request field): "
    else:
        where = ""
    lines = [f"{prog} {args.command}: error: {where}{detail}"]
    if body.get("allowed") not in (None, [], ""):
        lines.append(f"  allowed: {body['allowed']}")
    if body.get("conflicting"):
        lines.append(f"  conflicting: {', '.join(body['conflicting'])}")
    print("\n".join(lines), file=sys.stderr)


# --- answering ---------------------------------------------------------------------------------


def _client(args: argparse.Namespace, url: str) -> Any:
    from ..client import PlannerClient

    return PlannerClient(url, api_key=args.api_key or os.environ.get("PLANNER_API_KEY"))


def _remote_call(args: argparse.Namespace, url: str, method: str, path: str, **kw: Any) -> Any:
    from ..client import (
        PlannerClientError,
        PlannerHTTPError,
        PlannerRequestError,
    )

    with _client(args, url) as client:
        try:
            return client.call(method, path, **kw)
        except PlannerRequestError as exc:
            code = EXIT_INFEASIBLE if exc.error in _INFEASIBLE_ERRORS else EXIT_USAGE
            raise Failure(code, exc.body) from None
        except PlannerHTTPError as exc:
            raise Failure(EXIT_SERVER, exc.body) from None
        except PlannerClientError as exc:
            raise Failure(EXIT_SERVER, {"error": type(exc).__name__, "detail": str(exc)}) from None


def _local(question: Question) -> Any:
    from pydantic import ValidationError

    from ..api.errors import validation_body
    from ..config import configured_devices, get_settings
    from ..errors import PlanInfeasible, PlannerError, TargetUnreachable

    try:
        return question.local(question.body, configured_devices(get_settings()))
    except (PlanInfeasible, TargetUnreachable) as exc:
        raise Failure(EXIT_INFEASIBLE, exc.to_dict()) from None
    except PlannerError as exc:
        raise Failure(
            EXIT_SERVER if exc.status_code >= 500 else EXIT_USAGE, exc.to_dict()
        ) from None
    except ValidationError as exc:
        raise Failure(EXIT_USAGE, validation_body(exc.errors())) from None


def _answer(args: argparse.Namespace, question: Question) -> int:
    url = remote_url(args)
    if question.media != "json":
        return _picture(args, question, url)
    csv_wanted = args.command == "sweep" and not args.json
    if args.command == "sweep" and args.progress:
        return _sweep_with_progress(args, question, url)
    if url is not None:
        params = {"format": "csv"} if csv_wanted else None
        response = _remote_call(args, url, "POST", question.path, json=question.body, params=params)
        printed = response.text if csv_wanted or args.json else None
        if printed is None or args.command == "fit":
            from ..client.tolerant import validate_tolerantly
            from .questions import resolve

            result = validate_tolerantly(resolve(question.response_model), response.json())
    else:
        result = _local(question)
        if csv_wanted:
            from ..planning.sweep.csv_table import sweep_csv

            printed = sweep_csv(result)
        else:
            printed = result.model_dump_json() if args.json else None
    if args.command == "fit" and args.law_out:
        _write(args.law_out, "--law-out", result.law.model_dump_json(indent=1).encode() + b"\n")
    if printed is None:
        printed = "\n".join(_human(args, result))
    sys.stdout.write(printed if printed.endswith("\n") else printed + "\n")
    return EXIT_OK


def _human(args: argparse.Namespace, result: Any) -> list[str]:
    if args.command == "plan":
        return plan_lines(result, _shown_from(args))
    if args.command == "predict":
        return predict_lines(result, _shown_from(args))
    if args.command == "vocabulary":
        return vocabulary_lines(result)
    if args.command == "fit":
        return fit_lines(result)
    if args.command == "mixture":
        shares = ", ".join(f"{k} {v:.3f}" for k, v in result.proportions.items())
        return [f"mixture         {shares}", f"  objective     {result.objective:.5g}"]
    if args.command == "continual-pretraining":
        return [
            f"domain ratio    {result.domain_ratio:.3f}",
            f"  domain loss   {result.predicted_domain_loss:.5g}",
            f"  general loss  {result.predicted_general_loss:.5g}",
        ]
    return [json.dumps(result.model_dump(mode="json"), indent=2)]


def _sweep_with_progress(args: argparse.Namespace, question: Question, url: str | None) -> int:
    """A sweep with a progress bar: chunk by chunk here, or as a job on ``--remote``."""
    from ..jobs.progress import bar

    def draw(done: int, total: int, status: str) -> None:
        end = "\n" if status in ("finished", "failed", "expired") else ""
        print("\r" + bar(done, total, status), end=end, file=sys.stderr, flush=True)

    if url is None:
        body = _local_sweep_in_chunks(question, draw)
    else:
        body = _remote_job(args, url, "sweep", question.body, draw)
    from ..client.tolerant import validate_tolerantly
    from ..planning.sweep.csv_table import sweep_csv
    from ..schemas.responses import SweepResponse, SweepSummaryResponse

    if args.json:
        print(json.dumps(body, separators=(",", ":")))
    else:
        answer: SweepResponse | SweepSummaryResponse = (
            validate_tolerantly(SweepSummaryResponse, body)
            if "columns" in body
            else validate_tolerantly(SweepResponse, body)
        )
        sys.stdout.write(sweep_csv(answer))
    return EXIT_OK


def _local_sweep_in_chunks(question: Question, draw: Any) -> Any:
    from ..jobs.kinds import JOB_KINDS, JobContext

    kind = JOB_KINDS["sweep"]

    def compute(body: dict[str, Any], devices: Any) -> bytes:
        context = JobContext(
            devices=devices,
            max_sweep_points=100_000,
            progress=lambda done, total: draw(
                done, total, "running" if done < total else "finished"
            ),
        )
        answer: bytes = kind.answer(kind.request.model_validate(body), context)
        return answer

    return json.loads(_local(replace(question, local=compute)))


def _remote_job(
    args: argparse.Namespace, url: str, kind: str, body: dict[str, Any], draw: Any
) -> Any:
    from ..client import PlannerClientError, PlannerHTTPError, PlannerRequestError

    with _client(args, url) as client:
        try:
            job = client.submit_job(kind, body)
            status = client.wait(job.id, on_progress=lambda s: draw(*_counts(s), s.status))
        except PlannerRequestError as exc:
            raise Failure(EXIT_USAGE, exc.body) from None
        except PlannerHTTPError as exc:
            raise Failure(EXIT_SERVER, exc.body) from None
        except PlannerClientError as exc:
            raise Failure(EXIT_SERVER, {"error": type(exc).__name__, "detail": str(exc)}) from None
    if status.status != "finished":
        error = status.error or {"error": "JobFailed", "detail": f"the job {status.status}"}
        code = EXIT_INFEASIBLE if error.get("error") in _INFEASIBLE_ERRORS else EXIT_SERVER
        if 400 <= int(status.raw.get("status_code") or 500) < 500 and code != EXIT_INFEASIBLE:
            code = EXIT_USAGE
        raise Failure(code, error)
    return status.result


def _counts(status: Any) -> tuple[int, int]:
    return status.progress or (0, 0)


def _job(args: argparse.Namespace) -> int:
    url = remote_url(args)
    if url is None:
        raise UsageError("a job lives on a service: give --remote URL (or set PLANNER_REMOTE)")
    from ..jobs.progress import bar

    with _client(args, url) as client:
        from ..client import PlannerClientError, PlannerRequestError

        try:
            if args.wait:
                status = client.wait(
                    args.job_id,
                    on_progress=lambda s: print(
                        "\r" + bar(*_counts(s), s.status), end="", file=sys.stderr, flush=True
                    ),
                )
                print(file=sys.stderr)
            else:
                status = client.job(args.job_id)
        except PlannerRequestError as exc:
            raise Failure(EXIT_USAGE, exc.body) from None
        except PlannerClientError as exc:
            raise Failure(EXIT_SERVER, {"error": type(exc).__name__, "detail": str(exc)}) from None
    print(json.dumps(status.raw, indent=None if args.json else 2))
    return EXIT_OK


def _shown_from(args: argparse.Namespace) -> str:
    """Lowest severity printed in full: what was asked, else ``warning`` (info is counted)."""
    if getattr(args, "verbose", False):
        return "info"
    return getattr(args, "min_severity", None) or "warning"


def _picture(args: argparse.Namespace, question: Question, url: str | None) -> int:
    if url is not None:
        content = _remote_call(
            args, url, "POST", question.path, json=question.body, params=question.query
        ).content
    else:
        content = _local(question)
    _write(args.output, "--output", content)
    print(f"wrote {args.output} ({si(len(content))} bytes, {question.media})")
    return EXIT_OK


def _write(path: str, flag: str, content: bytes) -> None:
    try:
        Path(path).write_bytes(content)
    except OSError as exc:
        raise UsageError(f"{flag} {path}: {exc.strerror}") from None


# --- the catalogue and the server --------------------------------------------------------------


def _catalogue(args: argparse.Namespace) -> int:
    url = remote_url(args)
    key = getattr(args, "law_id", None) or getattr(args, "device_id", None)
    path = {"laws": "/v1/laws", "hardware": "/v1/hardware", "glossary": "/v1/glossary"}[
        args.command
    ]
    if key:
        path = f"{path}/{key}"
    if url is not None:
        body = _remote_call(args, url, "GET", path).json()
    else:
        body = _catalogue_locally(args.command, key)
    if args.command == "laws" and key:
        body = body["entries"]  # one paper's laws, as `planner laws ID` always printed them
    if args.json or key:
        print(json.dumps(body, indent=None if args.json else 2))
        return EXIT_OK
    if args.command == "laws":
        for law in body["laws"]:
            print(f"{law['family']:<11} {law['id']:<16} {law['title']}  [{law['reference']}]")
    elif args.command == "hardware":
        for device_id, device in body.items():
            print(f"{device_id:<14} {device.get('name', '')}")
    else:
        for name, quantity in body.items():
            print(f"{name:<28} {quantity.get('unit', '')}  {quantity.get('description', '')}")
    return EXIT_OK


def _catalogue_locally(command: str, key: str | None) -> Any:
    from fastapi.encoders import jsonable_encoder

    from ..api.routes import catalog
    from ..errors import NotFound

    result: Any
    try:
        if command == "laws":
            result = catalog.law_entries(key) if key else catalog.law_list()
        elif command == "hardware":
            result = catalog.one_device(key, {}) if key else catalog.device_table({})
        else:
            from laws_catalog import GLOSSARY

            result = GLOSSARY
    except NotFound as exc:
        raise Failure(EXIT_USAGE, exc.to_dict()) from None
    return jsonable_encoder(result)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "planner.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,  # the service writes its own structured access line
    )
    return EXIT_OK
