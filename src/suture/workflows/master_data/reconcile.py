"""Records deleted in the ERP: find canonical records whose ERP record is gone, and put each before a person.

An incremental pull by ``write_date`` cannot see a row that no longer exists, and Tryton (like most ERPs)
announces no deletions. So after a sync, per kind the ERP offers, the ERP ids the crosswalk holds are
compared with :meth:`~suture.connectors.erp.ErpPort.existing_ids` (ids and active flags only). Each
canonical record whose ERP id is gone

* gets a new version with ``status = "inactive"`` (the canonical models have no "deleted" status; an HL7
  MFN delete maps to "inactive" too), provenance the ERP system with the note :data:`NOTE`, journaled when
  a journal is given; when the ownership matrix gives ``status`` to another system, no version is written;
* opens an ``erp_record_deleted`` exception on the worklist: retire the record, relink it to another ERP
  record, or have it re-created in the ERP. Its crosswalk entries stay, so nothing is lost meanwhile.

A record already reported (an exception of that type for the same ERP id, open or resolved) is left alone,
so running this again adds no version and no exception. Every step is idempotent and the exception is
written last, so a run cut short is finished by the next one.

When more records of a kind vanish at once than ``max_missing`` *and* ``max_missing_fraction`` of those
crosswalked (an ERP that answers for a wrong or reset database, say), nothing is marked: one
``erp_reconcile_held`` exception says so instead.

>>> result = await reconcile_erp_deletions(store, cache, erp, matrix=matrix, journal=journal)  # doctest: +SKIP
>>> [(d.kind, d.canonical_id, d.erp_id) for d in result.deleted]                      # doctest: +SKIP
[('item', 'item-000001', '17')]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from suture.canonical.base import Provenance
from suture.canonical.models import Status
from suture.canonical.ownership import OwnershipMatrix
from suture.connectors.erp import ErpKind, ErpPort
from suture.envelope import Envelope
from suture.pipeline.ids import new_message_id
from suture.store.crosswalk import CrosswalkCache
from suture.store.journal import Journal
from suture.store.masterdata import MasterStore

DELETED_STATUS: Final[Status] = "inactive"
NOTE: Final = "deleted in the ERP"
EXCEPTION_TYPE: Final = "erp_record_deleted"
HELD_TYPE: Final = "erp_reconcile_held"
PAGE: Final = 1000


@dataclass(frozen=True)
class Deletion:
    """One canonical record found gone from the ERP this run. ``version``: the number of the version that
    marked it, None when none was written (already inactive, or the ERP does not own ``status``)."""

    kind: ErpKind
    canonical_id: str
    erp_id: str
    exception_id: int
    version: int | None


@dataclass
class ReconcileResult:
    """``checked``: kind -> records crosswalked to the ERP; ``deleted``: found gone this run (not those
    reported before); ``held``: kind -> how many vanished, too many to act on."""

    checked: dict[str, int] = field(default_factory=dict)
    deleted: list[Deletion] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Counts for a sync report: ``{"checked": {...}, "deleted": {kind: n}, "held": {...}}``."""
        deleted: dict[str, int] = {}
        for d in self.deleted:
            deleted[d.kind] = deleted.get(d.kind, 0) + 1
        return {"checked": dict(self.checked), "deleted": deleted, "held": dict(self.held)}


# -- decisions (pure) ----------------------------------------------------------------------------------------
def missing_in_erp(crosswalked: Mapping[str, str], existing: Container[str]) -> list[tuple[str, str]]:
    """(ERP id, canonical id) of the crosswalked records the ERP no longer has, numeric ids in order.

    >>> missing_in_erp({"10": "item-000003", "2": "item-000001", "7": "item-000002"}, {"7": False})
    [('2', 'item-000001'), ('10', 'item-000003')]
    """
    gone = [(erp_id, cid) for erp_id, cid in crosswalked.items() if erp_id not in existing]
    return sorted(gone, key=lambda pair: (len(pair[0]), pair[0]))


def too_many_missing(missing: int, checked: int, max_missing: int, max_fraction: float) -> bool:
    """Whether so many records vanished at once that the ERP's answer is more likely wrong than true.

    >>> too_many_missing(3, 4, max_missing=20, max_fraction=0.2), too_many_missing(30, 100, 20, 0.2)
    (False, True)
    """
    return missing > max_missing and missing > max_fraction * checked


# -- the run -------------------------------------------------------------------------------------------------
async def reconcile_erp_deletions(store: MasterStore, cache: CrosswalkCache, erp: ErpPort, *,
                                  matrix: OwnershipMatrix | None = None, journal: Journal | None = None,
                                  clock: Callable[[], float] = time.time, kinds: Iterable[ErpKind] | None = None,
                                  max_missing: int = 20, max_missing_fraction: float = 0.2) -> ReconcileResult:
    """Mark and report the canonical records whose ERP record is gone (see the module docstring), for every
    kind the ERP offers (or those of them in ``kinds``). Run it after a sync, never before: a record pulled
    after the ERP's ids were listed would look deleted."""
    run = _Reconcile(store, cache, erp, matrix, journal, clock)
    result = ReconcileResult()
    offered = await erp.kinds()
    wanted = offered if kinds is None else offered & set(kinds)
    for kind in sorted(wanted):
        known = await crosswalked(store, cache, kind, erp.system)  # first: the ERP's list must be the newer
        missing = missing_in_erp(known, await erp.existing_ids(kind))
        result.checked[kind] = len(known)
        if too_many_missing(len(missing), len(known), max_missing, max_missing_fraction):
            result.held[kind] = len(missing)
            await run.hold(kind, len(missing), len(known))
            continue
        for erp_id, cid in missing:
            deletion = await run.mark(kind, cid, erp_id)
            if deletion is not None:
                result.deleted.append(deletion)
    return result


async def crosswalked(store: MasterStore, cache: CrosswalkCache, kind: str, system: str) -> dict[str, str]:
    """ERP id -> canonical id for every record of ``kind`` that holds an id of ``system`` (its ERP key:
    namespace = the kind)."""
    if not cache.loaded(kind):
        await cache.load(kind)
    out: dict[str, str] = {}
    after: str | None = None
    while True:
        page = await store.list(kind, after=after, limit=PAGE)
        for record in page.items:
            erp_id = cache.external_value(kind, record.id, system, kind)
            if erp_id is not None:
                out[erp_id] = record.id
        if page.next is None:
            return out
        after = page.next


@dataclass
class _Reconcile:
    store: MasterStore
    cache: CrosswalkCache
    erp: ErpPort
    matrix: OwnershipMatrix | None
    journal: Journal | None
    clock: Callable[[], float]

    async def mark(self, kind: ErpKind, cid: str, erp_id: str) -> Deletion | None:
        """Mark one record deleted in the ERP and report it; None when it was reported before."""
        if await self._reported(kind, cid, erp_id):
            return None
        current = await self.store.get(kind, cid)
        if current is None:  # crosswalked without a record: nothing to mark
            return None
        message_id = await self._journal(kind, erp_id)
        previous = current.data.get("status", "active")
        owns = self._owns_status(kind)
        version: int | None = None
        if owns and previous != DELETED_STATUS:
            provenance = Provenance(system=self.erp.system, message_id=message_id, note=NOTE)
            put = await self.store.put(kind, cid, {**current.data, "status": DELETED_STATUS}, provenance,
                                       valid_from=max(self.store.today(), current.valid_from))
            version = put.version if put.version != current.version else None
        detail = {"system": self.erp.system, "erp_id": erp_id, "previous_status": previous,
                  "status": DELETED_STATUS if owns else previous, "version": version, "message_id": message_id}
        key = f"{EXCEPTION_TYPE}:{self.erp.system}:{kind}:{erp_id}"
        exception_id = await self.store.raise_exception(EXCEPTION_TYPE, kind, cid, detail, dedup_key=key)
        return Deletion(kind, cid, erp_id, exception_id, version)

    async def hold(self, kind: ErpKind, missing: int, checked: int) -> None:
        detail = {"system": self.erp.system, "missing": missing, "checked": checked}
        await self.store.raise_exception(HELD_TYPE, kind, None, detail,
                                         dedup_key=f"{HELD_TYPE}:{self.erp.system}:{kind}")

    def _owns_status(self, kind: ErpKind) -> bool:
        owner = self.matrix.owner(kind, "status") if self.matrix is not None else None
        return owner is None or owner == self.erp.system

    async def _reported(self, kind: str, cid: str, erp_id: str) -> bool:
        """Whether this record's ERP id was reported gone before (whatever became of that exception)."""
        after: int | None = None
        while True:
            page = await self.store.exceptions(type=EXCEPTION_TYPE, subject_kind=kind, subject_id=cid, after=after)
            if any(_same(e.detail, self.erp.system, erp_id) for e in page.items):
                return True
            if page.next is None:
                return False
            after = page.next

    async def _journal(self, kind: str, erp_id: str) -> str | None:
        """Journal the finding like a pulled version, so the marking version has a message for provenance;
        a repeat (a run cut short) is a duplicate that hands back the first message's id."""
        if self.journal is None:
            return None
        raw = orjson.dumps({"kind": kind, "erp_id": erp_id, "deleted": True})
        env = Envelope(id=new_message_id(), channel=f"erp-sync:{self.erp.system}", raw=raw,
                       content_type="application/json", received_at=self.clock(), control_id=f"{kind}:{erp_id}",
                       idempotency_key=f"{kind}:{erp_id}:deleted")
        ingested = await self.journal.ingest(env, "accepted", [])
        return ingested.message_id


def _same(detail: Mapping[str, Any], system: str, erp_id: str) -> bool:
    return bool(detail.get("system") == system and detail.get("erp_id") == erp_id)


__all__ = ["DELETED_STATUS", "EXCEPTION_TYPE", "HELD_TYPE", "NOTE", "Deletion", "ReconcileResult", "crosswalked",
           "missing_in_erp", "reconcile_erp_deletions", "too_many_missing"]
