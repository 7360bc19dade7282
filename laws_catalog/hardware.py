"""Accelerator table: dense peak throughput per number format, memory and bandwidth.

Every figure carries its source, evidence tag and a date: the version date of the cited
document where one was found (``date_kind="document_version"``), otherwise the date the figure
was read from the cited copy (``"accessed"``). Vendors print tensor-core figures *with* 2:4
structured sparsity; only dense figures are stored (``printed_sparse`` keeps the vendor's sparse
number and the value is exactly half of it), so nothing sparse can be used as if it were dense.

Users can add or override devices with a JSON file (:func:`load_devices`); lookups through
:func:`device` with ``extra=`` prefer those entries.

>>> round(device("h100").peak_flops("bf16") / 1e12, 1)
989.5
>>> fig = device("h100").dense_peak["bf16"]
>>> fig.printed_sparse / 1e12, fig.date, fig.date_kind.value
(1979.0, '2026-11-23', 'accessed')
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ._types import Evidence

__all__ = [
    "DEVICES",
    "HARDWARE_FORMAT_KEYS",
    "USER_SUPPLIED",
    "DateKind",
    "Device",
    "Figure",
    "DeviceLookupError",
    "InvalidDevice",
    "UnknownDevice",
    "UnsupportedFormat",
    "all_devices",
    "device",
    "load_devices",
    "parse_device",
]

HARDWARE_FORMAT_KEYS = ("fp32", "tf32", "bf16", "fp16", "fp8", "fp6", "fp4", "int8", "int4")
"""Rows a dense-peak table may have (number formats the tensor cores run)."""

USER_SUPPLIED = "user-supplied"
_INTEGER_KEYS = frozenset({"int8", "int4"})
_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


class DateKind(StrEnum):
    """What the date of a figure means.

    ``document_version``: version or revision date of the cited document (datasheet footer).
    ``page_updated``: "last updated" stamp of the cited web page.
    ``accessed``: no version date was found; the date the figure was read from the cited copy.
    ``user_supplied``: the date a user gave with their figure.
    ``loaded``: a user figure without a date; the date the file was loaded.
    """

    DOCUMENT_VERSION = "document_version"
    PAGE_UPDATED = "page_updated"
    ACCESSED = "accessed"
    USER_SUPPLIED = "user_supplied"
    LOADED = "loaded"


class Figure(BaseModel):
    """One datasheet number with where it came from and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float = Field(gt=0)
    unit: str
    source: str
    evidence: Evidence
    date: str | None = Field(
        default=None,
        pattern=_DATE_PATTERN,
        description="YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source allows",
    )
    date_kind: DateKind | None = None
    date_note: str = ""
    printed_sparse: float | None = Field(
        default=None, gt=0, description="the vendor's 2:4-sparse figure; value is half of it"
    )

    @model_validator(mode="after")
    def _checked(self) -> Figure:
        if not math.isfinite(self.value):
            raise ValueError("figure value must be finite")
        if (self.date is None) != (self.date_kind is None):
            raise ValueError("date and date_kind go together")
        if self.date is not None:
            _check_calendar(self.date)
        if self.printed_sparse is not None and not math.isclose(
            self.value, self.printed_sparse / 2, rel_tol=1e-12
        ):
            raise ValueError(
                f"dense value {self.value:g} is not half the printed sparse {self.printed_sparse:g}"
            )
        return self


def _check_calendar(date: str) -> None:
    parts = [int(p) for p in date.split("-")]
    year, month, day = (parts + [1, 1])[:3]
    dt.date(year, month, day)  # raises ValueError for month 13, Feb 30, ...


class Device(BaseModel):
    """One accelerator. ``dense_peak`` maps number format -> dense FLOP/s (or OP/s for ints)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    aliases: tuple[str, ...] = ()
    dense_peak: dict[str, Figure]
    memory_bytes: Figure
    memory_bandwidth: Figure
    block_scaled_formats: tuple[str, ...] = Field(
        default=(),
        description="block-scaled formats (OCP MX, NVFP4) the tensor cores run natively",
    )
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known_rows(self) -> Device:
        unknown = sorted(set(self.dense_peak) - set(HARDWARE_FORMAT_KEYS))
        if unknown:
            raise ValueError(
                f"unknown dense_peak formats {unknown}; allowed: {list(HARDWARE_FORMAT_KEYS)}"
            )
        if not self.dense_peak:
            raise ValueError("dense_peak needs at least one format")
        return self

    def peak_flops(self, number_format: str) -> float:
        try:
            return self.dense_peak[number_format].value
        except KeyError:
            raise UnsupportedFormat(
                f"{self.name} has no {number_format} figure",
                allowed=sorted(self.dense_peak),
            ) from None

    def figures(self) -> dict[str, Figure]:
        """Every figure by a readable path (``dense_peak.bf16``, ``memory_bytes``, ...)."""
        out = {f"dense_peak.{key}": fig for key, fig in self.dense_peak.items()}
        out["memory_bytes"] = self.memory_bytes
        out["memory_bandwidth"] = self.memory_bandwidth
        return out


class DeviceLookupError(LookupError):
    """A device or one of its figures could not be found; ``allowed`` lists what exists."""

    def __init__(self, message: str, *, allowed: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.allowed = allowed


class UnknownDevice(DeviceLookupError):
    """No device of that id in the table."""


class UnsupportedFormat(DeviceLookupError):
    """The device has no dense figure for that number format."""


class InvalidDevice(ValueError):
    """A user-supplied device failed validation; ``field`` names where."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field


# --- the built-in table --------------------------------------------------------------------

_READ_ON = "2026-11-23"  # the day these figures were re-checked against the cited copies
_ACCESSED = DateKind.ACCESSED

_NV_A100 = (
    "NVIDIA A100 Tensor Core GPU datasheet (nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf), "
    "A100 80GB SXM column, as cited by glennklockwood.com; '*' sparse figures halved"
)
_NV_A100_DATE = (
    "revision code 'JUN21, 1758950 R4' as listed in a secondary index of NVIDIA datasheets, "
    "not read in the PDF; the later datasheet 2188504 ('MAY22' per another secondary copy) "
    "prints the same SXM figures"
)
_NV_H100 = (
    "NVIDIA H100 product page spec table (nvidia.com/en-us/data-center/h100), H100 SXM column; "
    "'* With sparsity' figures halved; >=3 copies agree"
)
_NV_H100_DATE = "the page has no version date; the H100 datasheet (doc. 2287922) shows none either"
_NV_H200 = (
    "NVIDIA H200 product page spec table (nvidia.com/en-us/data-center/h200), H200 SXM column; "
    "sparse figures halved"
)
_NV_H200_DATE = (
    "no version date confirmed: the H200 datasheet is (c)2024, but secondary copies disagree "
    "on its document code (3512650 vs 3367400.JUL24)"
)
_NV_B200 = (
    "NVIDIA HGX B200 spec table (nvidia.com/en-us/data-center/hgx), per-GPU column at <=1000 W; "
    "footnote marks sparse figures, halved (board row 'FP4 144 | 72 PFLOPS' sparse | dense)"
)
_AMD = (
    "AMD ROCm documentation, 'AMD Instinct MI300 series microarchitecture' peak-performance "
    "table (docs/conceptual/gpu-arch/mi300.md, ROCm/legacy-rocm-build commit 089d751): dense"
)
_AMD_MEM = "AMD MI300X product page (amd.com/en/products/accelerators/instinct/mi300/mi300x.html)"
_TPU = "Google Cloud TPU v5p documentation (cloud.google.com/tpu/docs/v5p), key specifications"
_TPU_NEW = (
    "Google Cloud TPU v5p documentation, later page version (docs.cloud.google.com/tpu/docs/v5p):"
    " 'Peak compute per chip (FP8) (TFLOPs) 459'"
)
_SECONDARY = Evidence.VERIFIED_SECONDARY


def _fig(
    value: float,
    unit: str,
    source: str,
    evidence: Evidence,
    *,
    date: str = _READ_ON,
    date_kind: DateKind = _ACCESSED,
    date_note: str = "",
    printed_sparse: float | None = None,
) -> Figure:
    return Figure(
        value=value,
        unit=unit,
        source=source,
        evidence=evidence,
        date=date,
        date_kind=date_kind,
        date_note=date_note,
        printed_sparse=printed_sparse,
    )


def _tf(
    tflops: float,
    source: str,
    evidence: Evidence = _SECONDARY,
    *,
    sparse: float | None = None,
    unit: str = "FLOP/s",
    **dated: Any,
) -> Figure:
    """Dense tera-ops; ``sparse`` is the vendor's printed sparse figure (dense = half)."""
    printed = sparse * 1e12 if sparse is not None else None
    value = printed / 2 if printed is not None else tflops * 1e12
    if sparse is not None and not math.isclose(tflops, sparse / 2, rel_tol=1e-12):
        raise ValueError(f"{tflops} is not half of {sparse}")
    return _fig(value, unit, source, evidence, printed_sparse=printed, **dated)


def _tops(tops: float, source: str, evidence: Evidence = _SECONDARY, **kw: Any) -> Figure:
    return _tf(tops, source, evidence, unit="OP/s", **kw)


def _gb(value_gb: float, source: str, evidence: Evidence = _SECONDARY, **dated: Any) -> Figure:
    return _fig(value_gb * 1e9, "bytes", source, evidence, **dated)


def _bw(value_tb_s: float, source: str, evidence: Evidence = _SECONDARY, **dated: Any) -> Figure:
    return _fig(value_tb_s * 1e12, "bytes/s", source, evidence, **dated)


_A100_DATED: dict[str, Any] = {
    "date": "2021-06",
    "date_kind": DateKind.DOCUMENT_VERSION,
    "date_note": _NV_A100_DATE,
}
_H100_DATED: dict[str, Any] = {"date_note": _NV_H100_DATE}
_H200_DATED: dict[str, Any] = {"date_note": _NV_H200_DATE}
_B200_DATED: dict[str, Any] = {"date_note": "product page without a version date"}
_AMD_DATED: dict[str, Any] = {"date_note": "documentation page without a version date"}
_TPU_DATED: dict[str, Any] = {"date_note": "documentation page; its 'last updated' stamp not seen"}

_DEVICE_LIST = (
    Device(
        id="a100_sxm_80gb",
        name="NVIDIA A100 SXM 80GB",
        aliases=("a100", "a100_80gb"),
        dense_peak={
            "fp32": _tf(19.5, _NV_A100, **_A100_DATED),
            "tf32": _tf(156, _NV_A100, sparse=312, **_A100_DATED),
            "bf16": _tf(312, _NV_A100, sparse=624, **_A100_DATED),
            "fp16": _tf(312, _NV_A100, sparse=624, **_A100_DATED),
            "int8": _tops(624, _NV_A100, sparse=1248, **_A100_DATED),
            "int4": _tops(1248, _NV_A100, sparse=2496, **_A100_DATED),
        },
        memory_bytes=_gb(80, _NV_A100, **_A100_DATED),
        memory_bandwidth=_bw(2.039, _NV_A100, **_A100_DATED),
        notes=("No FP8 tensor cores (Ampere).", "FP32 is the non-tensor (CUDA-core) rate."),
    ),
    Device(
        id="h100_sxm",
        name="NVIDIA H100 SXM",
        aliases=("h100",),
        dense_peak={
            "fp32": _tf(67, _NV_H100, **_H100_DATED),
            "tf32": _tf(494.5, _NV_H100, sparse=989, **_H100_DATED),
            "bf16": _tf(989.5, _NV_H100, sparse=1979, **_H100_DATED),
            "fp16": _tf(989.5, _NV_H100, sparse=1979, **_H100_DATED),
            "fp8": _tf(1979, _NV_H100, sparse=3958, **_H100_DATED),
            "int8": _tops(1979, _NV_H100, sparse=3958, **_H100_DATED),
        },
        memory_bytes=_gb(80, _NV_H100, **_H100_DATED),
        memory_bandwidth=_bw(3.35, _NV_H100, **_H100_DATED),
        notes=("Hopper has FP8 (E4M3/E5M2) but no native FP4 or block-scaled (MX) formats.",),
    ),
    Device(
        id="h200_sxm",
        name="NVIDIA H200 SXM",
        aliases=("h200",),
        dense_peak={
            "fp32": _tf(67, _NV_H200, **_H200_DATED),
            "tf32": _tf(494.5, _NV_H200, sparse=989, **_H200_DATED),
            "bf16": _tf(989.5, _NV_H200, sparse=1979, **_H200_DATED),
            "fp16": _tf(989.5, _NV_H200, sparse=1979, **_H200_DATED),
            "fp8": _tf(1979, _NV_H200, sparse=3958, **_H200_DATED),
            "int8": _tops(1979, _NV_H200, sparse=3958, **_H200_DATED),
        },
        memory_bytes=_gb(141, _NV_H200, **_H200_DATED),
        memory_bandwidth=_bw(4.8, _NV_H200, **_H200_DATED),
        notes=("Same compute as H100 SXM; more and faster HBM (HBM3e).",),
    ),
    Device(
        id="b200_hgx",
        name="NVIDIA B200 (HGX, per GPU, 1000 W)",
        aliases=("b200",),
        dense_peak={
            "fp32": _tf(75, _NV_B200, Evidence.UNCERTAIN, **_B200_DATED),
            "tf32": _tf(1100, _NV_B200, Evidence.UNCERTAIN, sparse=2200, **_B200_DATED),
            "bf16": _tf(2250, _NV_B200, sparse=4500, **_B200_DATED),
            "fp16": _tf(2250, _NV_B200, sparse=4500, **_B200_DATED),
            "fp8": _tf(4500, _NV_B200, sparse=9000, **_B200_DATED),
            "fp6": _tf(4500, _NV_B200, sparse=9000, **_B200_DATED),
            "int8": _tops(4500, _NV_B200, sparse=9000, **_B200_DATED),
            "fp4": _tf(9000, _NV_B200, sparse=18000, **_B200_DATED),
        },
        memory_bytes=_gb(180, _NV_B200, Evidence.UNCERTAIN, **_B200_DATED),
        memory_bandwidth=_bw(7.7, _NV_B200, Evidence.UNCERTAIN, **_B200_DATED),
        block_scaled_formats=("mxfp8", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4", "nvfp4"),
        notes=(
            "NVIDIA documents disagree on B200 memory (180 GB / 7.7 TB/s in the HGX table, "
            "192 GB / 8 TB/s elsewhere) and on FP32/TF32 (+-7%).",
            "Blackwell runs FP4 (NVFP4, MXFP4), FP6 and MXFP8 natively (NVIDIA Blackwell "
            "product pages, via secondary copies).",
        ),
    ),
    Device(
        id="mi300x",
        name="AMD Instinct MI300X (OAM)",
        aliases=(),
        dense_peak={
            "fp32": _tf(163.4, _AMD, Evidence.VERIFIED, **_AMD_DATED),
            "tf32": _tf(653.7, _AMD, Evidence.VERIFIED, **_AMD_DATED),
            "bf16": _tf(1307.4, _AMD, Evidence.VERIFIED, **_AMD_DATED),
            "fp16": _tf(1307.4, _AMD, Evidence.VERIFIED, **_AMD_DATED),
            "fp8": _tf(2614.9, _AMD, Evidence.VERIFIED, **_AMD_DATED),
            "int8": _tops(2614.9, _AMD, Evidence.VERIFIED, **_AMD_DATED),
        },
        memory_bytes=_gb(
            192,
            f"{_AMD_MEM}, secondary copies",
            date_note="product page without a version date; ROCm's GPU table gives 192 in GiB",
        ),
        memory_bandwidth=_bw(5.3, _AMD, Evidence.VERIFIED, **_AMD_DATED),
        notes=(
            "No FP4/FP6 and no block-scaled formats on CDNA 3.",
            "AMD's '*with structured sparsity' figures are twice these; none are stored.",
        ),
    ),
    Device(
        id="tpu_v5p",
        name="Google TPU v5p (per chip)",
        aliases=("v5p",),
        dense_peak={
            "bf16": _tf(459, _TPU, Evidence.VERIFIED, **_TPU_DATED),
            "fp8": _tf(459, _TPU_NEW, Evidence.VERIFIED, **_TPU_DATED),
            "int8": _tops(
                918,
                "Google's v5p announcement figure as quoted by secondary pages (aiwiki.ai, "
                "yobitel.com); not on the docs page",
                Evidence.UNCERTAIN,
                date_note="read in two secondary pages; Google's own dated page not seen",
            ),
        },
        memory_bytes=_gb(
            95,
            _TPU,
            Evidence.UNCERTAIN,
            date_note="earlier page: '95GB, 2765 GBps'; later page: '95 GiB, 2575 GiBps'",
        ),
        memory_bandwidth=_bw(2.765, _TPU, Evidence.VERIFIED, **_TPU_DATED),
        notes=(
            "TPUs do not advertise sparse figures.",
            "FP8 runs at the BF16 rate on v5p: it saves memory, not compute time.",
        ),
    ),
)

DEVICES: dict[str, Device] = {d.id: d for d in _DEVICE_LIST}
_BY_NAME: dict[str, Device] = {name: d for d in _DEVICE_LIST for name in (d.id, *d.aliases)}


# --- lookup ------------------------------------------------------------------------------


def _names(devices: Iterable[Device]) -> dict[str, Device]:
    return {name.lower(): d for d in devices for name in (d.id, *d.aliases)}


def device(name: str, extra: Mapping[str, Device] | None = None) -> Device:
    """Look a device up by id or alias (case-insensitive); ``extra`` entries win.

    ``extra`` is what :func:`load_devices` returns (user-supplied devices, possibly overriding a
    built-in id or alias).
    """
    key = name.strip().lower()
    if extra:
        found = _names(extra.values()).get(key)
        if found is not None:
            return found
    found = _BY_NAME.get(key)
    if found is None:
        allowed = sorted(set(_BY_NAME) | set(_names(extra.values()) if extra else ()))
        raise UnknownDevice(f"unknown device {name!r}", allowed=allowed)
    return found


def all_devices(extra: Mapping[str, Device] | None = None) -> dict[str, Device]:
    """The built-in table with user devices added; a user device replaces a built-in one that
    shares its id or one of its names."""
    if not extra:
        return dict(DEVICES)
    taken = _names(extra.values())
    kept = {
        d.id: d
        for d in DEVICES.values()
        if not any(name.lower() in taken for name in (d.id, *d.aliases))
    }
    return kept | {d.id: d for d in extra.values()}


# --- user-supplied devices ----------------------------------------------------------------

_UNITS = {
    "dense_peak": ("FLOP/s", "OP/s"),
    "memory_bytes": ("bytes",),
    "memory_bandwidth": ("bytes/s",),
}
_PLAUSIBLE = {
    # a wrong unit (TFLOP/s given as FLOP/s, GB as bytes) lands far outside these
    "dense_peak": (1e9, 1e18),
    "memory_bytes": (1e8, 1e14),
    "memory_bandwidth": (1e9, 1e15),
}


def _user_figure(raw: Any, kind: str, path: str, today: str, key: str = "") -> Figure:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Mapping):
        raise InvalidDevice("expected a number or a figure object", field=path)
    data: dict[str, Any] = {"value": raw} if isinstance(raw, int | float) else dict(raw)
    if data.pop("sparse", False):
        raise InvalidDevice(
            "sparse figures are not accepted as dense: give the vendor's number as "
            "'printed_sparse' (the dense value is half) or give the dense 'value'",
            field=path,
        )
    if "value" not in data and data.get("printed_sparse") is not None:
        data["value"] = float(data["printed_sparse"]) / 2
    default_unit = "OP/s" if key in _INTEGER_KEYS else _UNITS[kind][0]
    data.setdefault("unit", default_unit)
    data.setdefault("source", USER_SUPPLIED)
    data.setdefault("evidence", Evidence.UNCERTAIN.value)
    if "date" in data:
        data.setdefault("date_kind", DateKind.USER_SUPPLIED.value)
    else:
        data["date"] = today
        data["date_kind"] = DateKind.LOADED.value
        data.setdefault("date_note", "no date given; the date the user file was loaded")
    if data["unit"] not in _UNITS[kind]:
        raise InvalidDevice(
            f"unit {data['unit']!r} not allowed here; use {list(_UNITS[kind])} (base units)",
            field=f"{path}.unit",
        )
    try:
        figure = Figure.model_validate(data)
    except ValidationError as exc:
        raise InvalidDevice(_first_error(exc), field=path) from None
    low, high = _PLAUSIBLE[kind]
    if not low <= figure.value <= high:
        raise InvalidDevice(
            f"{figure.value:g} {figure.unit} is outside the plausible range "
            f"[{low:g}, {high:g}]: check the unit (values are in base units, not T or G)",
            field=path,
        )
    return figure


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def parse_device(data: Mapping[str, Any], *, today: dt.date | None = None) -> Device:
    """Validate a user-supplied device given as a dict with :class:`Device`'s fields.

    Figures may be plain numbers in base units (FLOP/s, bytes, bytes/s) or figure objects;
    ``source`` defaults to ``"user-supplied"``, ``evidence`` to ``"uncertain"`` (not checked
    here) and a missing date to the load date (``date_kind="loaded"``).
    """
    if not isinstance(data, Mapping):
        raise InvalidDevice("a device must be a JSON object", field="device")
    label = str(data.get("id", "device"))
    day = (today or dt.date.today()).isoformat()
    fields = dict(data)
    peaks = fields.get("dense_peak")
    if not isinstance(peaks, Mapping) or not peaks:
        raise InvalidDevice("needs a non-empty dense_peak object", field=f"{label}.dense_peak")
    fields["dense_peak"] = {
        key: _user_figure(raw, "dense_peak", f"{label}.dense_peak.{key}", day, key)
        for key, raw in peaks.items()
    }
    for kind in ("memory_bytes", "memory_bandwidth"):
        if kind not in fields:
            raise InvalidDevice("is required", field=f"{label}.{kind}")
        fields[kind] = _user_figure(fields[kind], kind, f"{label}.{kind}", day)
    fields.setdefault("name", label)
    try:
        return Device.model_validate(fields)
    except ValidationError as exc:
        raise InvalidDevice(_first_error(exc), field=label) from None


def load_devices(
    path: str | os.PathLike[str], *, today: dt.date | None = None
) -> dict[str, Device]:
    """Read user devices from a JSON file: a list of device objects or ``{"devices": [...]}``.

    Returns them by id, to pass as ``extra=`` to :func:`device` / :func:`all_devices`.
    Duplicate ids or names inside the file are an error.
    """
    with open(path, encoding="utf-8") as handle:
        try:
            raw = json.load(handle)
        except json.JSONDecodeError as exc:
            raise InvalidDevice(f"not valid JSON ({exc})", field=os.fspath(path)) from None
    entries = raw.get("devices") if isinstance(raw, Mapping) else raw
    if not isinstance(entries, list):
        raise InvalidDevice("expected a list of devices or {'devices': [...]}", field="devices")
    parsed: dict[str, Device] = {}
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        dev = parse_device(entry, today=today)
        names = {n.lower() for n in (dev.id, *dev.aliases)}
        clash = sorted(names & seen)
        if clash:
            raise InvalidDevice(f"name(s) {clash} used twice in the file", field=f"devices[{i}]")
        seen |= names
        parsed[dev.id] = dev
    return parsed
