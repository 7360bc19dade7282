"""``PlannerClient``: one method per endpoint, one place that turns HTTP into results or errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, overload

import httpx
from pydantic import BaseModel

from laws_catalog.hardware import Device
from laws_catalog.quantities import Quantity

from ..schemas.catalog import LawEntries, LawList
from ..schemas.requests import PlanRequest, PredictRequest, SweepDetail, SweepRequest
from ..schemas.responses import PlanResponse, PredictResponse
from ..schemas.side_questions import (
    ContinualRequest,
    ContinualResponse,
    LossCurveRequest,
    LossCurveResponse,
    MixtureRequest,
    MixtureResponse,
    VocabularyRequest,
    VocabularyResponse,
)
from .errors import (
    PlannerConnectionError,
    PlannerProtocolError,
    PlannerRequestError,
    PlannerServerError,
)
from .results import FitResult, JobStatus, SweepResult, SweepSummaryResult
from .tolerant import known_fields_only, validate_tolerantly

__all__ = ["PlannerClient"]

M = TypeVar("M", bound=BaseModel)
Body = BaseModel | Mapping[str, Any]
ImageFormat = Literal["svg", "png"]
DEFAULT_URL = "http://127.0.0.1:8000"


def _payload(request: Body) -> Any:
    if isinstance(request, BaseModel):
        return request.model_dump(mode="json", exclude_unset=True)
    return dict(request)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class PlannerClient:
    """Calls the service. Request arguments are this package's request models or plain dicts of
    the same shape; ``api_key`` is sent as ``Authorization: Bearer ...`` when given."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 60.0,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, headers=headers, transport=transport
        )

    def __enter__(self) -> PlannerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- transport: the one place HTTP becomes results or errors ---------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise PlannerConnectionError(f"{method} {path}: timed out ({exc})") from exc
        except httpx.TransportError as exc:
            raise PlannerConnectionError(
                f"{method} {path}: cannot reach {self.base_url} ({exc})"
            ) from exc
        if response.status_code >= 400:
            body = self._error_body(response)
            if response.status_code >= 500:
                raise PlannerServerError(response.status_code, body, _retry_after(response))
            raise PlannerRequestError(response.status_code, body)
        return response

    @staticmethod
    def _error_body(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            text = response.text[:200]
            raise PlannerProtocolError(
                f"HTTP {response.status_code} with a non-JSON body: {text!r}",
                status_code=response.status_code,
                content_type=response.headers.get("content-type"),
            )
        return body

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise PlannerProtocolError(
                f"expected JSON, got {response.headers.get('content-type')!r}: "
                f"{response.text[:200]!r}",
                status_code=response.status_code,
                content_type=response.headers.get("content-type"),
            ) from exc

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Any endpoint, raw: the response of a 2xx, else the client's error for it.

        ``kwargs`` go to :meth:`httpx.Client.request` (``json``, ``params``, ``content``...).
        """
        return self._send(method, path, **kwargs)

    def _model(self, model: type[M], response: httpx.Response) -> M:
        return validate_tolerantly(model, self._json(response))

    def _post_model(self, path: str, request: Body, model: type[M]) -> M:
        return self._model(model, self._send("POST", path, json=_payload(request)))

    # --- planning --------------------------------------------------------------------------

    def plan(self, request: PlanRequest | Mapping[str, Any]) -> PlanResponse:
        """``POST /v1/plan``: what to train for a budget, or the least budget for a target."""
        return self._post_model("/v1/plan", request, PlanResponse)

    def predict(self, request: PredictRequest | Mapping[str, Any]) -> PredictResponse:
        """``POST /v1/predict``: the loss of a given (params, tokens)."""
        return self._post_model("/v1/predict", request, PredictResponse)

    @overload
    def sweep(
        self, request: SweepRequest | Mapping[str, Any], *, detail: Literal["full"] = "full"
    ) -> SweepResult: ...

    @overload
    def sweep(
        self, request: SweepRequest | Mapping[str, Any], *, detail: Literal["summary"]
    ) -> SweepSummaryResult: ...

    def sweep(
        self, request: SweepRequest | Mapping[str, Any], *, detail: SweepDetail = "full"
    ) -> SweepResult | SweepSummaryResult:
        """``POST /v1/sweep``: one plan per budget; ``.to_dataframe()`` for a table.

        ``detail="summary"`` asks for the CSV's table as typed JSON instead of full plans
        (:class:`SweepSummaryResult`: a fraction of the size, as fast as the CSV). The keyword
        decides the result's type, so a request whose own ``detail`` differs is refused."""
        payload = _payload(request)
        asked = payload.get("detail", detail)
        if asked != detail:
            raise ValueError(
                f"the request asks detail={asked!r}: pass detail={asked!r} to sweep() instead"
            )
        if detail == "summary":  # "full" is the default: not sent, so older servers answer
            payload["detail"] = detail
        body = self._json(self._send("POST", "/v1/sweep", json=payload))
        result: SweepResult | SweepSummaryResult
        if detail == "summary":  # cells carry no fields: only the top level may be newer
            known = {k: body[k] for k in SweepSummaryResult.model_fields if k in body}
            result = SweepSummaryResult.model_validate(known)
        else:
            result = SweepResult.model_validate(known_fields_only(SweepResult, body))
        result._raw = body
        return result

    def sweep_csv(self, request: SweepRequest | Mapping[str, Any]) -> str:
        """``POST /v1/sweep?format=csv``: the spreadsheet view of the same sweep."""
        response = self._send("POST", "/v1/sweep", json=_payload(request), params={"format": "csv"})
        return response.text

    def fit(self, request: Mapping[str, Any]) -> FitResult:
        """``POST /v1/fit``: a loss law fitted to your runs (``{"runs": [...], ...}``)."""
        return FitResult(self._json(self._send("POST", "/v1/fit", json=dict(request))))

    def fit_csv(self, csv_text: str, **options: Any) -> FitResult:
        """``POST /v1/fit`` with a ``params,tokens,loss[,run]`` CSV body; options as query."""
        response = self._send(
            "POST",
            "/v1/fit",
            content=csv_text.encode(),
            headers={"Content-Type": "text/csv"},
            params={k: v for k, v in options.items() if v is not None},
        )
        return FitResult(self._json(response))

    # --- side questions --------------------------------------------------------------------

    def vocabulary(self, request: VocabularyRequest | Mapping[str, Any]) -> VocabularyResponse:
        """``POST /v1/vocabulary``: the best vocabulary of a fixed model."""
        return self._post_model("/v1/vocabulary", request, VocabularyResponse)

    def mixture(self, request: MixtureRequest | Mapping[str, Any]) -> MixtureResponse:
        """``POST /v1/mixture``: fit the data-mixing law to your runs; the best mixture."""
        return self._post_model("/v1/mixture", request, MixtureResponse)

    def continual_pretraining(
        self, request: ContinualRequest | Mapping[str, Any]
    ) -> ContinualResponse:
        """``POST /v1/continual-pretraining``: the best domain ratio (D-CPT law)."""
        return self._post_model("/v1/continual-pretraining", request, ContinualResponse)

    def loss_curve(self, request: LossCurveRequest | Mapping[str, Any]) -> LossCurveResponse:
        """``POST /v1/loss-curve``: fit the LR-annealing law; predict another schedule."""
        return self._post_model("/v1/loss-curve", request, LossCurveResponse)

    # --- the catalogue ---------------------------------------------------------------------

    def laws(self) -> LawList:
        """``GET /v1/laws``: every law in the catalogue."""
        return self._model(LawList, self._send("GET", "/v1/laws"))

    def law(self, law_id: str) -> LawEntries:
        """``GET /v1/laws/{id}``: one paper's laws in full."""
        return self._model(LawEntries, self._send("GET", f"/v1/laws/{law_id}"))

    def glossary(self) -> dict[str, Quantity]:
        """``GET /v1/glossary``: quantity names, units and conventions."""
        body = self._json(self._send("GET", "/v1/glossary"))
        return {name: validate_tolerantly(Quantity, value) for name, value in body.items()}

    def hardware(self) -> dict[str, Device]:
        """``GET /v1/hardware``: accelerators the service knows (built-in and configured)."""
        body = self._json(self._send("GET", "/v1/hardware"))
        return {name: validate_tolerantly(Device, value) for name, value in body.items()}

    def device(self, device_id: str) -> Device:
        """``GET /v1/hardware/{id}``: one accelerator, by id or alias."""
        return self._model(Device, self._send("GET", f"/v1/hardware/{device_id}"))

    # --- pictures --------------------------------------------------------------------------

    def plot_frontier(
        self, request: PlanRequest | Mapping[str, Any], *, format: ImageFormat = "svg"
    ) -> bytes:
        """``POST /v1/plots/frontier``: the plan on its law's frontier, as SVG or PNG bytes."""
        response = self._send(
            "POST", "/v1/plots/frontier", json=_payload(request), params={"format": format}
        )
        return response.content

    def plot_sweep(
        self, request: SweepRequest | Mapping[str, Any], *, format: ImageFormat = "svg"
    ) -> bytes:
        """``POST /v1/plots/sweep``: a sweep's rows against budget, as SVG or PNG bytes."""
        response = self._send(
            "POST", "/v1/plots/sweep", json=_payload(request), params={"format": format}
        )
        return response.content

    # --- background jobs -------------------------------------------------------------------

    def submit_job(self, kind: str, request: Body) -> JobStatus:
        """``POST /v1/jobs``: run a plan, sweep or fit in the background."""
        body = {"kind": kind, "request": _payload(request)}
        return JobStatus(self._json(self._send("POST", "/v1/jobs", json=body)))

    def job(self, job_id: str) -> JobStatus:
        """``GET /v1/jobs/{id}``: status, progress and (when finished) the result."""
        return JobStatus(self._json(self._send("GET", f"/v1/jobs/{job_id}")))

    def wait(
        self,
        job_id: str,
        *,
        poll_seconds: float = 0.5,
        timeout: float | None = None,
        on_progress: Callable[[JobStatus], None] | None = None,
    ) -> JobStatus:
        """Poll a job until it finishes, fails or expires (``on_progress`` sees each status)."""
        started = time.monotonic()
        while True:
            status = self.job(job_id)
            if on_progress is not None:
                on_progress(status)
            if status.done:
                return status
            if timeout is not None and time.monotonic() - started > timeout:
                raise PlannerConnectionError(
                    f"job {job_id} still {status.status} after {timeout:g} s"
                )
            time.sleep(poll_seconds)

    # --- health ----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """``GET /healthz``."""
        body: dict[str, Any] = self._json(self._send("GET", "/healthz"))
        return body

    def ready(self) -> dict[str, Any]:
        """``GET /readyz`` (raises :class:`PlannerServerError` while the service is not ready)."""
        body: dict[str, Any] = self._json(self._send("GET", "/readyz"))
        return body
