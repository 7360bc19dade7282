"""Client-side results that need more than a response model: tables and jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import PrivateAttr

from ..schemas.responses import SweepResponse, SweepSummaryResponse

if TYPE_CHECKING:
    import pandas

__all__ = ["FitResult", "JobStatus", "SweepResult", "SweepSummaryResult", "require_pandas"]


def require_pandas() -> Any:
    """pandas, or an ImportError saying which extra installs it."""
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_dataframe() needs pandas: pip install 'llm-budget-planner[pandas]'"
        ) from exc
    return pandas


class SweepResult(SweepResponse):
    """A sweep answer; :meth:`to_dataframe` gives the same columns as the CSV format."""

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def raw(self) -> dict[str, Any]:
        """The body exactly as the server sent it (including fields newer than this client)."""
        return self._raw

    def to_dataframe(self) -> pandas.DataFrame:
        """One row per budget; columns as ``POST /v1/sweep?format=csv`` (blank -> NaN)."""
        from ..planning.sweep.csv_table import sweep_records

        records = sweep_records(self)
        columns = list(records[0]) if records else []
        return _frame(columns, [list(record.values()) for record in records])


class SweepSummaryResult(SweepSummaryResponse):
    """A summary sweep (``detail="summary"``): the CSV's table, typed; :meth:`to_dataframe`
    gives the frame :meth:`SweepResult.to_dataframe` gives for the full answer."""

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def raw(self) -> dict[str, Any]:
        """The body exactly as the server sent it (including fields newer than this client)."""
        return self._raw

    def to_dataframe(self) -> pandas.DataFrame:
        """One row per budget; columns as ``POST /v1/sweep?format=csv`` (blank -> NaN)."""
        rows = [["" if value is None else value for value in row] for row in self.rows]
        return _frame(self.columns, rows)


def _frame(columns: list[str], rows: list[list[Any]]) -> pandas.DataFrame:
    """A sweep's table (cells in column order, ``""`` where blank) as a frame, blank -> NaN."""
    pd = require_pandas()
    frame: pandas.DataFrame = pd.DataFrame(rows, columns=columns or None)
    return frame.replace("", float("nan")).infer_objects()


@dataclass(frozen=True)
class FitResult:
    """A fitted loss law (``POST /v1/fit``): pass ``law`` as ``laws.loss`` of any request."""

    raw: dict[str, Any]

    @property
    def law(self) -> dict[str, Any]:
        law: dict[str, Any] = self.raw["law"]
        return law

    @property
    def constants(self) -> dict[str, Any]:
        constants: dict[str, Any] = self.raw.get("constants", {})
        return constants

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return list(self.raw.get("warnings", []))

    def to_dataframe(self) -> pandas.DataFrame:
        """The fit's per-run residuals (one row per point used or dropped)."""
        pd = require_pandas()
        frame: pandas.DataFrame = pd.DataFrame(self.raw.get("residuals", []))
        return frame


@dataclass(frozen=True)
class JobStatus:
    """A background job (``GET /v1/jobs/{id}``)."""

    raw: dict[str, Any]
    id: str = field(init=False)
    status: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.raw.get("id", self.raw.get("job_id", ""))))
        object.__setattr__(self, "status", str(self.raw.get("status", "unknown")))

    @property
    def done(self) -> bool:
        return self.status in {"finished", "failed", "expired"}

    @property
    def progress(self) -> tuple[int, int] | None:
        """(done, total) work units, when the job reports them."""
        progress = self.raw.get("progress")
        if not isinstance(progress, dict):
            return None
        return int(progress.get("done", 0)), int(progress.get("total", 0))

    @property
    def result(self) -> Any:
        return self.raw.get("result")

    @property
    def error(self) -> dict[str, Any] | None:
        error = self.raw.get("error")
        return error if isinstance(error, dict) else None
