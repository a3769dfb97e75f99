"""Shared pieces of the canonical models: identity, validity, provenance."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ObjectKind = Literal["item", "vendor", "location", "cost_center", "contract", "worker"]
OBJECT_KINDS: tuple[ObjectKind, ...] = ("item", "vendor", "location", "cost_center", "contract", "worker")


class Canonical(BaseModel):
    """Base of every canonical record: immutable values, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ExternalId(Canonical):
    """An identifier another system uses for a canonical record.

    ``system`` is the system's configured name (``erp``, ``ehr``, ``procurement``, ``GS1``, ``HIBCC``);
    ``namespace`` qualifies the id inside that system (``product``, ``GTIN``, ``catalog``).
    """

    system: str = Field(min_length=1, max_length=64)
    namespace: str = Field(default="", max_length=64)
    value: str = Field(min_length=1, max_length=256)
    valid_from: date | None = None
    valid_to: date | None = None


class Provenance(Canonical):
    """Where a version came from: which system, and which journaled message (if any)."""

    system: str
    message_id: str | None = None
    note: str = ""
