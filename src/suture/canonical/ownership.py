"""The system-of-record matrix: which system owns each object and field, and what Suture may write back.

Pure decisions: given the current canonical values and an update from some system, which fields apply and
which become a change request for a person to approve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from suture.canonical.base import Canonical, ObjectKind


class ObjectOwnership(Canonical):
    """Owner of an object's fields: ``default`` for all, ``fields`` for exceptions."""

    default: str = Field(description="system that owns every field not listed in `fields`")
    fields: dict[str, str] = Field(default_factory=dict, description="field -> owning system")


class OwnershipMatrix(Canonical):
    """``objects``: owners per object kind. ``suture_writes``: per target system and kind, the fields Suture
    may push back there (approved changes only)."""

    objects: dict[ObjectKind, ObjectOwnership] = Field(default_factory=dict)
    suture_writes: dict[str, dict[ObjectKind, list[str]]] = Field(default_factory=dict)

    def owner(self, kind: ObjectKind, field_name: str) -> str | None:
        """The owning system, or None when the matrix says nothing about this kind.

        >>> rule = ObjectOwnership(default="erp", fields={"clinical_description": "ehr"})
        >>> m = OwnershipMatrix(objects={"item": rule})
        >>> m.owner("item", "price"), m.owner("item", "clinical_description")
        ('erp', 'ehr')
        """
        rule = self.objects.get(kind)
        if rule is None:
            return None
        return rule.fields.get(field_name, rule.default)

    def may_write(self, system: str, kind: ObjectKind, field_name: str) -> bool:
        return field_name in self.suture_writes.get(system, {}).get(kind, [])


DEFAULT_MATRIX = OwnershipMatrix(
    objects={
        "item": ObjectOwnership(default="erp", fields={
            "clinical_description": "ehr", "charge_code": "erp", "price": "erp", "gl_account": "erp"}),
        "vendor": ObjectOwnership(default="erp"),
        "location": ObjectOwnership(default="erp"),
        "cost_center": ObjectOwnership(default="erp"),
        "contract": ObjectOwnership(default="procurement"),
        "worker": ObjectOwnership(default="hr"),
    },
    suture_writes={"erp": {"item": ["vendor_catalog_number", "manufacturer_catalog_number", "gtins"]}},
)


@dataclass(frozen=True)
class UpdateDecision:
    """``apply``: fields to write now; ``requests``: field -> (current, proposed) from a non-owner."""

    apply: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.apply)


def decide_update(matrix: OwnershipMatrix, kind: ObjectKind, current: dict[str, Any] | None,
                  proposed: dict[str, Any], system: str) -> UpdateDecision:
    """Split an update by ownership.

    A new record is created from whatever the first system sends (it has to exist before anyone owns its
    fields). Afterwards a field changes only when ``system`` owns it (or no rule covers the kind); a
    different value from a non-owner becomes a change request. Unchanged fields are ignored.

    >>> m = DEFAULT_MATRIX
    >>> current, proposed = {"description": "Stem", "price": 10}, {"description": "Hip stem", "price": 9}
    >>> d = decide_update(m, "item", current, proposed, "ehr")
    >>> d.apply, d.requests
    ({}, {'description': ('Stem', 'Hip stem'), 'price': (10, 9)})
    """
    if current is None:
        return UpdateDecision(apply=dict(proposed))
    apply: dict[str, Any] = {}
    requests: dict[str, tuple[Any, Any]] = {}
    for name, value in proposed.items():
        old = current.get(name)
        if old == value:
            continue
        owner = matrix.owner(kind, name)
        if owner is None or owner == system:
            apply[name] = value
        else:
            requests[name] = (old, value)
    return UpdateDecision(apply, requests)
