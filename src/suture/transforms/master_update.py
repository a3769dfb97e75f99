"""What a master-data feed tells Suture: partial fields for one object, keyed by the sender's own id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from suture.canonical.base import ExternalId, ObjectKind

Action = Literal["upsert", "deactivate", "delete"]


@dataclass(frozen=True)
class MasterUpdate:
    """``key`` is the sender's identifier for the object (used to find the canonical record through the
    crosswalk); ``fields`` holds only what the sender actually said, so absent fields are never blanked;
    ``external_ids`` are further identifiers to add to the crosswalk (GTINs, vendor catalog numbers)."""

    kind: ObjectKind
    key: ExternalId
    fields: dict[str, Any] = field(default_factory=dict)
    external_ids: tuple[ExternalId, ...] = ()
    action: Action = "upsert"
    related: tuple[MasterUpdate, ...] = ()  # e.g. the vendor named in an item record
