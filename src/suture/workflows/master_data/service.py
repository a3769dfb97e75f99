"""Master data governance: apply feeds through the crosswalk and the system-of-record matrix.

Every update finds its canonical record through the sender's own id; owned fields apply as a new version
(with provenance), a non-owner's different values open a change request; what each system said is kept as
an observation for the divergence report.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from suture.canonical.base import ExternalId, ObjectKind, Provenance
from suture.canonical.models import MODELS
from suture.canonical.ownership import OwnershipMatrix, decide_update
from suture.codecs.udi import Udi, hibcc_check_character, parse_udi_parts
from suture.connectors.erp import ErpPort, ErpRecord
from suture.envelope import Envelope
from suture.errors import PermanentError, RejectedInput
from suture.pipeline.ids import new_message_id
from suture.store.crosswalk import CrosswalkCache, XrefConflict
from suture.store.journal import Journal
from suture.store.masterdata import MasterStore, NotFound
from suture.store.masterdata_queries import RecordVersion
from suture.transforms.master_update import MasterUpdate
from suture.workflows.master_data.divergence import DivergenceReport, compare
from suture.workflows.master_data.reconcile import reconcile_erp_deletions

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
    """A substitute outside the item's approved list; ``exception_id`` is its entry on the worklist."""

    def __init__(self, reason: str, *, item: str = "", substitute: str = "", state: str | None = None,
                 exception_id: int | None = None) -> None:
        super().__init__(reason)
        self.item, self.substitute, self.state, self.exception_id = item, substitute, state, exception_id


SUTURE = "suture"  # the provenance system of versions Suture itself writes (substitute decisions)
SubstituteDecision = Literal["approve", "reject", "retire"]
# decision -> (the states it may leave, the state it sets)
_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"proposed"}), "approved"),
    "reject": (frozenset({"proposed"}), "rejected"),
    "retire": (frozenset({"approved"}), "retired"),
}
_REFUSED_BECAUSE = {
    None: "it is not on the item's substitute list",
    "proposed": "it is proposed but not yet approved",
    "rejected": "it was rejected",
    "retired": "it was retired",
}
# The crosswalk (system, namespace) that holds each issuer's device identifiers: GS1 GTIN-14; HIBCC the
# primary data without flag and check character (labeler code + product number + unit of measure).
UDI_NAMESPACES = {"GS1": "GTIN", "HIBCC": "DI", "ICCBBA": "DI"}


@dataclass(frozen=True)
class UdiMatch:
    """A parsed UDI, the crosswalk key of its device identifier and the item claiming it (None: no item)."""

    udi: Udi
    key: ExternalId
    item: str | None


class MasterDataService:
    def __init__(self, store: MasterStore, cache: CrosswalkCache, matrix: OwnershipMatrix,
                 erp: ErpPort | None = None, journal: Journal | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store, self.cache, self.matrix, self.erp = store, cache, matrix, erp
        self.journal, self.clock = journal, clock
        # One substitute change at a time: each rewrites the item's whole list from what it read.
        self._substitutes_lock = asyncio.Lock()

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

    # -- governed substitution ----------------------------------------------------------------------
    async def resolve_item(self, ref: str, *, system: str | None = None, namespace: str = "") -> str:
        """A canonical item id: ``ref`` itself, or (with ``system``) the item claiming that external id."""
        if system is None:
            if await self.store.get("item", ref) is None:
                raise NotFound(f"no item {ref}")
            return ref
        cid = self.cache.resolve("item", system, namespace, ref)
        if cid is None:
            raise NotFound(f"no item holds that {system} id (namespace {namespace!r})")
        return cid

    async def substitutes(self, item_id: str) -> dict[str, Any]:
        """The item's substitute list as it stands, and every state change with the version that made it."""
        history = await self.store.history("item", item_id)
        if not history:
            raise NotFound(f"no item {item_id}")
        current = history[-1]
        return {"item": item_id, "version": current.version,
                "substitutes": list(current.data.get("substitutes", [])), "history": _substitute_events(history)}

    async def propose_substitute(self, item_id: str, substitute_id: str, *, by: str,
                                 reason: str = "") -> dict[str, Any]:
        """Put ``substitute_id`` on the item's list as ``proposed`` (again, if it was rejected or retired).

        The list is part of the item, so the proposal is a new item version with provenance ``suture``.
        """
        if substitute_id == item_id:
            raise RejectedInput("an item cannot be its own substitute")
        if await self.store.get("item", substitute_id) is None:
            raise NotFound(f"no item {substitute_id}")

        def propose(subs: list[dict[str, Any]]) -> dict[str, Any]:
            entry = _entry(subs, substitute_id)
            if entry is not None and entry.get("state") in ("proposed", "approved"):
                raise RejectedInput(f"{substitute_id} is already {entry['state']} as a substitute for {item_id}")
            if entry is None:
                entry = {"item": substitute_id}
                subs.append(entry)
            entry.update(state="proposed", reason=reason, approved_by=None)
            return entry

        return await self._change_substitutes(item_id, propose, _note(substitute_id, "proposed", by, reason))

    async def decide_substitute(self, item_id: str, substitute_id: str, decision: SubstituteDecision, *, by: str,
                                reason: str = "") -> dict[str, Any]:
        """Approve or reject a proposed substitute, or retire an approved one, as a new item version whose
        provenance (system ``suture``) names who decided and why. Only ``approved`` substitutes may be used."""
        leaves, state = _TRANSITIONS[decision]

        def decide(subs: list[dict[str, Any]]) -> dict[str, Any]:
            entry = _entry(subs, substitute_id)
            if entry is None:
                raise NotFound(f"{substitute_id} is not on the substitute list of {item_id}")
            if entry.get("state") not in leaves:
                raise RejectedInput(f"{substitute_id} is {entry.get('state')} for {item_id}; only a "
                                    f"{' or '.join(sorted(leaves))} substitute can be {state}")
            entry["state"] = state
            if decision == "approve":
                entry["approved_by"] = by
            elif decision == "reject":
                entry["approved_by"] = None
            return entry

        return await self._change_substitutes(item_id, decide, _note(substitute_id, state, by, reason))

    async def _change_substitutes(self, item_id: str, change: Callable[[list[dict[str, Any]]], dict[str, Any]],
                                  note: str) -> dict[str, Any]:
        async with self._substitutes_lock:
            for _ in range(3):  # a feed may write the item meanwhile: merge onto its version, or read again
                current = await self.store.get("item", item_id)
                if current is None:
                    raise NotFound(f"no item {item_id}")
                subs = [dict(s) for s in current.data.get("substitutes", [])]
                entry = change(subs)
                if await self._put_substitutes(current, subs, note):
                    written = await self.store.get("item", item_id)
                    assert written is not None
                    return {"item": item_id, "version": written.version, "substitute": entry}
        raise RejectedInput(f"item {item_id} kept changing; try again")

    async def _put_substitutes(self, current: RecordVersion, subs: list[dict[str, Any]], note: str) -> bool:
        """Lay the new list over the item's current version; False when another writer got there first."""
        result = await self.store.bulk_put(
            "item", [(current.id, {"substitutes": subs}, ())], Provenance(system=SUTURE, note=note),
            valid_from=max(self.store.today(), current.valid_from), merge=True)
        if result.outcomes[0] != "refused":
            return True
        problems = [message for _row, _field, message in result.errors]
        if any("another writer" in message for message in problems):
            return False
        raise RejectedInput(f"item {current.id}: " + "; ".join(problems))

    async def check_substitution(self, item_id: str, substitute_id: str, *,
                                 context: str = "") -> dict[str, Any] | None:
        """Allow an approved substitute (returned) or the item itself (None); refuse anything else with
        :class:`SubstitutionRefused` after putting it on the worklist (one open entry per item and substitute,
        counted again on each repeat). ``context`` (case, order, ...) is kept on the entry."""
        record = await self.store.get("item", item_id)
        if record is None:
            raise NotFound(f"no item {item_id}")
        if substitute_id == item_id:
            return None
        entry = _entry(list(record.data.get("substitutes", [])), substitute_id)
        state = entry.get("state") if entry else None
        if entry is not None and state == "approved":
            return entry
        reason = (f"{substitute_id} is not an approved substitute for {item_id}: "
                  f"{_REFUSED_BECAUSE.get(state, 'its state is ' + str(state))}")
        exception_id = await self.store.raise_exception(
            "substitution_refused", "item", item_id,
            {"substitute": substitute_id, "state": state, "reason": reason, "context": context},
            dedup_key=f"subst:{item_id}:{substitute_id}")
        raise SubstitutionRefused(f"{reason} (exception {exception_id})", item=item_id, substitute=substitute_id,
                                  state=state, exception_id=exception_id)

    # -- UDI -----------------------------------------------------------------------------------------
    def lookup_udi(self, *texts: str) -> UdiMatch:
        """Parse a UDI (GS1, HIBCC, ICCBBA; several texts: one label's primary and secondary barcodes) and
        find the item whose crosswalk holds its device identifier.

        GS1 looks up (``GS1``, ``GTIN``, GTIN-14); HIBCC (``HIBCC``, ``DI``, labeler code + product number +
        unit of measure, e.g. ``A123BJC5D6E71`` for ``+A123BJC5D6E71G``), also accepting that identifier
        stored as printed (``+A123BJC5D6E71`` or with its check character).
        """
        udi = parse_udi_parts(*texts)
        if udi.device_identifier is None:
            raise RejectedInput(f"{udi.issuer}: no device identifier in this UDI (a secondary label alone?)")
        system, namespace = udi.issuer, UDI_NAMESPACES[udi.issuer]
        key = ExternalId(system=system, namespace=namespace, value=udi.device_identifier)
        for value in _stored_forms(udi.issuer, udi.device_identifier):
            cid = self.cache.resolve("item", system, namespace, value)
            if cid is not None:
                return UdiMatch(udi, key, cid)
        return UdiMatch(udi, key, None)

    def find_item_by_udi(self, text: str) -> tuple[dict[str, Any], str | None]:
        """Parse any UDI form and resolve its device identifier through the crosswalk."""
        match = self.lookup_udi(text)
        return match.udi.to_dict(), match.item

    # -- ERP ------------------------------------------------------------------------------------------
    async def sync_erp(self, since: datetime | None = None, *, reconcile: bool = True) -> dict[str, Any]:
        """Pull changed records of every kind the ERP offers and apply them as the ERP system; with
        ``reconcile``, then mark records whose ERP id no longer exists (see ``reconcile.py``)."""
        if self.erp is None:
            raise PermanentError("no ERP connector is configured")
        counts: dict[str, int] = {}
        newest: datetime | None = since
        for kind in sorted(await self.erp.kinds()):
            for rec in await self.erp.pull(kind, since):
                counts[kind] = counts.get(kind, 0) + await self._apply_erp(rec)
                newest = rec.write_date if newest is None or rec.write_date > newest else newest
        report: dict[str, Any] = {"applied": counts, "watermark": newest.isoformat() if newest else None}
        if reconcile:  # after the pulls, never before: a record re-created in the ERP must arrive first
            deletions = await reconcile_erp_deletions(self.store, self.cache, self.erp, matrix=self.matrix,
                                                      journal=self.journal, clock=self.clock)
            report["deleted"] = deletions.summary()
        return report

    async def _apply_erp(self, rec: ErpRecord) -> int:
        if rec.record is None or not rec.external_ids:
            log.warning("ERP %s %s skipped: %s", rec.kind, rec.erp_id, rec.problem or "no record")
            return 0
        key, *others = rec.external_ids
        data = rec.record.model_dump(mode="json", exclude_unset=True)  # a status back to "active" must count
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


def _entry(subs: Sequence[dict[str, Any]], substitute_id: str) -> dict[str, Any] | None:
    return next((s for s in subs if s.get("item") == substitute_id), None)


def _note(substitute_id: str, state: str, by: str, reason: str) -> str:
    return f"substitute {substitute_id} {state} by {by}" + (f": {reason}" if reason else "")


def _substitute_events(history: Sequence[RecordVersion]) -> list[dict[str, Any]]:
    """Each change of a substitute's state between consecutive versions (``None``: not on the list)."""
    events: list[dict[str, Any]] = []
    before: dict[str, str | None] = {}
    for v in history:
        now = {s["item"]: s.get("state", "proposed") for s in v.data.get("substitutes", [])}
        for sub in [*now, *(k for k in before if k not in now)]:
            if before.get(sub) != now.get(sub):
                events.append({"substitute": sub, "from": before.get(sub), "to": now.get(sub),
                               "version": v.version, "valid_from": str(v.valid_from), "recorded_at": v.recorded_at,
                               "provenance": v.provenance.model_dump()})
        before = dict(now)
    return events


def _stored_forms(issuer: str, device_identifier: str) -> list[str]:
    """The values under which a device identifier may sit in the crosswalk, canonical form first."""
    if issuer != "HIBCC":
        return [device_identifier]
    printed = "+" + device_identifier
    return [device_identifier, printed, printed + hibcc_check_character(printed)]


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return dict(orjson.loads(orjson.dumps(fields, default=str)))


def _fields_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return ", ".join(".".join(str(p) for p in e["loc"]) + " " + e["type"] for e in exc.errors())
    return getattr(exc, "reason", type(exc).__name__)
