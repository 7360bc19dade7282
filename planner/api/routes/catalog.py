"""The catalogue itself: laws, glossary, hardware."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends

from laws_catalog import CATALOG, GLOSSARY, Quantity
from laws_catalog.hardware import Device, UnknownDevice, all_devices, device

from ...errors import NotFound
from ...schemas.catalog import LawEntries, LawList, LawSummary
from ...schemas.responses import ErrorBody
from ..services import Services, get_services

router = APIRouter(tags=["catalogue"])


def law_list() -> LawList:
    """Every law in the catalogue (one entry per family a paper contributes to)."""
    return LawList(
        catalog_version=CATALOG.version,
        laws=[
            LawSummary(
                id=law.id,
                family=law.family,
                kind=law.kind,
                title=law.title,
                reference=law.reference.short(),
                arxiv=law.reference.arxiv,
                constant_sets=law.constant_set_names(),
                default_constant_set=law.default_constant_set,
                fit_only=law.fit_only,
                evidence=None if law.fit_only else law.constant_set().evidence.value,
                fitted_range={q: (i.lower, i.upper) for q, i in law.validity.items()},
            )
            for law in CATALOG.all_laws()
        ],
    )


def law_entries(law_id: str) -> LawEntries:
    """One paper's laws in full; :class:`NotFound` names the ids that exist."""
    found = CATALOG.find(law_id)
    if not found:
        raise NotFound(
            f"no law {law_id!r} in the catalogue",
            field="law_id",
            allowed=sorted({law.id for law in CATALOG.all_laws()}),
        )
    return LawEntries(
        id=law_id, catalog_version=CATALOG.version, entries=[law.describe() for law in found]
    )


def device_table(extra: Mapping[str, Device]) -> dict[str, Device]:
    """Built-in accelerators and ``extra`` (configured) ones."""
    return all_devices(extra)


def one_device(device_id: str, extra: Mapping[str, Device]) -> Device:
    """One accelerator by id or alias; :class:`NotFound` names the ids that exist."""
    try:
        return device(device_id, extra)
    except UnknownDevice as exc:
        raise NotFound(exc.message, field="device_id", allowed=exc.allowed) from None


@router.get("/laws")
async def list_laws() -> LawList:
    """Every law in the catalogue (one entry per family a paper contributes to)."""
    return law_list()


@router.get("/laws/{law_id}", responses={404: {"model": ErrorBody}})
async def get_law(law_id: str) -> LawEntries:
    """One paper's laws in full: equations, constant sets with sources, ranges, golden checks."""
    return law_entries(law_id)


@router.get("/glossary")
async def glossary() -> dict[str, Quantity]:
    """Quantity names, units and conventions used by every law."""
    return GLOSSARY


@router.get("/hardware")
async def list_hardware(services: Annotated[Services, Depends(get_services)]) -> dict[str, Device]:
    """Accelerators (built-in and configured) with dense peaks per format, memory, bandwidth."""
    return device_table(services.devices)


@router.get("/hardware/{device_id}", responses={404: {"model": ErrorBody}})
async def get_hardware(
    device_id: str, services: Annotated[Services, Depends(get_services)]
) -> Device:
    """One accelerator, by id or alias."""
    return one_device(device_id, services.devices)
