"""Master data governance: apply feeds through the crosswalk and the system-of-record matrix.

Every update finds its canonical record through the sender's own id; owned fields apply as a new version
(with provenance), a non-owner's different values open a change request; what each system said is kept as
an observation for the divergence report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from suture.canonical.base import ExternalId, ObjectKind, Provenance
from suture.canonical.models import MODELS
from suture.canonical.ownership import OwnershipMatrix, decide_update
from suture.codecs.udi import device_identifier_key, parse_udi
from suture.connectors.erp import ErpPort, ErpRecord
from suture.envelope import Envelope
from suture.errors import PermanentError, RejectedInput
from suture.pipeline.ids import new_message_id
from suture.store.crosswalk import CrosswalkCache, XrefConflict
from suture.store.journal import Journal
from suture.store.masterdata import MasterStore
from suture.transforms.master_update import MasterUpdate
from suture.workflows.master_data.divergence import DivergenceReport, compare

log = logging.getLogger("suture.master_data")


@dataclass
class ApplyResult:
    kind: str
    canonical_id: str
    created: bool = False
    applied: list[str] = field(default_factory=list)
    change_request: int | None = None
    conflicts: list[int] = field(default_factory=list)


class SubstitutionRefused(RejectedInput):
    """A substitute outside the item's approved list."""


class MasterDataService:
    def __init__(self, store: MasterStore, cache: CrosswalkCache, matrix: OwnershipMatrix,
                 erp: ErpPort | None = None, journal: Journal | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store, self.cache, self.matrix, self.erp = store, cache, matrix, erp
        self.journal, self.clock = journal, clock

    async def load(self) -> None:
        for kind in ("item", "vendor", "location", "cost_center", "contract", "worker"):
            await self.cache.load(kind)

    # -- feeds ---------------------------------------------------------------------------------------
    async def apply(self, update: MasterUpdate, *, message_id: str | None = None) -> ApplyResult:
        """Apply one update from ``update.key.system`` under the ownership matrix."""
        for related in update.related:
            await self.apply(related, message_id=message_id)
        system = update.key.system
        kind: ObjectKind = update.kind
        cid = self.cache.resolve(kind, system, update.key.namespace, update.key.value)
        current = await self.store.get(kind, cid) if cid else None
        fields = dict(update.fields)
        if update.action in ("deactivate", "delete"):
            fields["status"] = "inactive"  # never erased: history stays
        provenance = Provenance(system=system, message_id=message_id)
        if current is None:
            result = await self._create(kind, fields, provenance, update.key, message_id)
        else:
            result = await self._update(kind, current.id, current.data, fields, provenance, message_id)
        for ext in update.external_ids:
            await self._claim(kind, result, ext, system, message_id)
        await self.store.observe(kind, result.canonical_id, system, _jsonable(update.fields), message_id)
        return result

    async def _create(self, kind: ObjectKind, fields: dict[str, Any], provenance: Provenance, key: ExternalId,
                      message_id: str | None) -> ApplyResult:
        try:
            record = await self.store.put(kind, None, _jsonable(fields), provenance)
        except (ValidationError, RejectedInput) as exc:
            raise PermanentError(f"new {kind} from {key.system} is incomplete: {_fields_of(exc)}") from exc
        result = ApplyResult(kind, record.id, created=True, applied=sorted(fields))
        await self._claim(kind, result, key, key.system, message_id)
        return result

    async def _update(self, kind: ObjectKind, cid: str, data: dict[str, Any], fields: dict[str, Any],
                      provenance: Provenance, message_id: str | None) -> ApplyResult:
        try:  # compare in the stored (normalized) form, so "6" and 6.0 are not a change
            merged = MODELS[kind].model_validate({**data, **_jsonable(fields)}).model_dump(mode="json")
        except ValidationError as exc:
            raise PermanentError(f"{kind} {cid} update from {provenance.system} is invalid: {_fields_of(exc)}") from exc
        proposed = {name: merged[name] for name in fields if name in merged}
        decision = decide_update(self.matrix, kind, data, proposed, provenance.system)
        result = ApplyResult(kind, cid, applied=sorted(decision.apply))
        if decision.apply:
            await self.store.put(kind, cid, {**data, **decision.apply}, provenance)
        if decision.requests:
            diff = {name: [old, new] for name, (old, new) in decision.requests.items()}
            request = await self.store.add_change_request(kind, cid, provenance.system, diff, message_id=message_id)
            result.change_request = request.id
        return result

    async def _claim(self, kind: str, result: ApplyResult, ext: ExternalId, system: str,
                     message_id: str | None) -> None:
        try:
            await self.store.add_xref(kind, result.canonical_id, ext, system_of_caller=system, message_id=message_id)
        except XrefConflict as exc:  # refused and already on the worklist; the record itself still applies
            result.conflicts.append(exc.exception_id)

    # -- change requests ----------------------------------------------------------------------------
    async def approve(self, request_id: int, by: str, reason: str = "") -> dict[str, Any]:
        """Apply an approved change and push the fields Suture may write to the ERP."""
        request = await self.store.decide_change_request(request_id, True, by, reason)
        pushed: list[str] = []
        if self.erp is not None:
            writable = {f: new for f, (_old, new) in request.diff.items()
                        if self.matrix.may_write(self.erp.system, request.kind, f)}  # type: ignore[arg-type]
            erp_id = self.cache.external_value(request.kind, request.canonical_id, self.erp.system, request.kind)
            if writable and erp_id:
                await self.erp.push(request.kind, erp_id, writable)  # type: ignore[arg-type]
                pushed = sorted(writable)
        return {"id": request.id, "state": request.state, "pushed_to_erp": pushed}

    # -- reports and checks --------------------------------------------------------------------------
    async def divergence(self, kind: str, left: str, right: str) -> DivergenceReport:
        pairs = []
        async for obs in self.store.iter_observations(kind, (left, right)):
            a, b = obs.observed.get(left), obs.observed.get(right)
            if a is not None and b is not None:
                pairs.append((obs.canonical_id, a.data, b.data))
        return compare(kind, left, right, pairs)

    async def check_substitution(self, item_id: str, substitute_id: str, *, context: str = "") -> None:
        """Refuse (and put on the worklist) a substitute that is not approved for the item."""
        record = await self.store.get("item", item_id)
        approved = {s["item"] for s in (record.data.get("substitutes", []) if record else [])
                    if s.get("state") == "approved"}
        if substitute_id in approved:
            return
        exception_id = await self.store.raise_exception(
            "substitution_refused", "item", item_id, {"substitute": substitute_id, "context": context},
            dedup_key=f"subst:{item_id}:{substitute_id}")
        raise SubstitutionRefused(f"{substitute_id} is not an approved substitute for {item_id} "
                                  f"(exception {exception_id})")

    def find_item_by_udi(self, text: str) -> tuple[dict[str, Any], str | None]:
        """Parse any UDI form and resolve its device identifier through the crosswalk."""
        udi = parse_udi(text)
        issuer, _, di = device_identifier_key(udi).partition(":")
        namespace = "GTIN" if issuer == "GS1" else "DI"
        return udi.to_dict(), self.cache.resolve("item", issuer, namespace, di)

    # -- ERP ------------------------------------------------------------------------------------------
    async def sync_erp(self, since: datetime | None = None) -> dict[str, Any]:
        """Pull changed records of every kind the ERP offers and apply them as the ERP system."""
        if self.erp is None:
            raise PermanentError("no ERP connector is configured")
        counts: dict[str, int] = {}
        newest: datetime | None = since
        for kind in sorted(await self.erp.kinds()):
            for rec in await self.erp.pull(kind, since):
                counts[kind] = counts.get(kind, 0) + await self._apply_erp(rec)
                newest = rec.write_date if newest is None or rec.write_date > newest else newest
        return {"applied": counts, "watermark": newest.isoformat() if newest else None}

    async def _apply_erp(self, rec: ErpRecord) -> int:
        if rec.record is None or not rec.external_ids:
            log.warning("ERP %s %s skipped: %s", rec.kind, rec.erp_id, rec.problem or "no record")
            return 0
        key, *others = rec.external_ids
        data = rec.record.model_dump(mode="json", exclude_defaults=True)
        message_id = None
        if self.journal is not None:  # journaled like any feed; the same ERP version twice is a duplicate
            raw = orjson.dumps({"kind": rec.kind, "erp_id": rec.erp_id, "write_date": rec.write_date.isoformat(),
                                "record": data, "external_ids": [x.model_dump() for x in rec.external_ids]})
            env = Envelope(id=new_message_id(), channel=f"erp-sync:{self.erp.system if self.erp else 'erp'}",
                           raw=raw, content_type="application/json", received_at=self.clock(),
                           control_id=f"{rec.kind}:{rec.erp_id}",
                           idempotency_key=f"{rec.kind}:{rec.erp_id}:{rec.write_date.isoformat()}")
            ingested = await self.journal.ingest(env, "accepted", [])
            if ingested.duplicate:
                return 0
            message_id = ingested.message_id
        await self.apply(MasterUpdate(rec.kind, key, data, tuple(others)), message_id=message_id)
        return 1


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return dict(orjson.loads(orjson.dumps(fields, default=str)))


def _fields_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return ", ".join(".".join(str(p) for p in e["loc"]) + " " + e["type"] for e in exc.errors())
    return getattr(exc, "reason", type(exc).__name__)
