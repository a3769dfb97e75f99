"""Master data: versioned canonical records, the crosswalk, observations, change requests, exceptions.

Every write goes through the journal's group-commit writer (:meth:`Journal.write`), every read through its
reader connections (:meth:`Journal.read`), so master data shares the journal's database and durability.

* Records. Each ``put`` of changed data adds a version (the old one stays, closed the day before the new
  one's ``valid_from``) with its provenance: which system, which journaled message. Equal data adds nothing.
  Ids a caller does not choose are generated per kind, readable and sortable: ``item-000042``,
  ``cost-center-000007`` (unique, not gapless). Validity is inclusive at both ends.
* Crosswalk. Any number of external ids per record; one external id has one active claimant. A conflicting
  claim raises :class:`XrefConflict` *after* its ``xref_conflict`` exception was committed.
* The exceptions worklist holds business problems for a person (xref conflicts, refused substitutions,
  updates from a system that does not own a field, unmatched items...).

>>> store = MasterStore(journal)                                              # doctest: +SKIP
>>> v = await store.put("item", None, {"description": "Gauze 4x4"}, Provenance(system="erp"))  # doctest: +SKIP
>>> v.id, v.version                                                          # doctest: +SKIP
('item-000001', 1)
"""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from pydantic import ValidationError

from suture.canonical.base import Canonical, ExternalId, Provenance
from suture.canonical.models import MODELS
from suture.errors import RejectedInput
from suture.store import crosswalk as xq
from suture.store import masterdata_queries as mq
from suture.store.crosswalk import CrosswalkCache, Key, Xref, XrefConflict, XrefOutcome
from suture.store.masterdata_queries import (
    ID_PATTERN,
    ChangeRequest,
    ExceptionItem,
    JournalPort,
    NewVersion,
    ObservationSet,
    Page,
    RecordVersion,
)

BulkRow = tuple[str | None, dict[str, Any], Sequence[ExternalId]]
FieldError = tuple[str, str]  # (field, message)

__all__ = ["BulkResult", "BulkRow", "ChangeRequest", "CrosswalkCache", "ExceptionItem", "MasterStore", "NotFound",
           "ObservationSet", "Page", "RecordVersion", "Xref", "XrefConflict"]


class NotFound(RejectedInput):
    """The record, change request or exception named does not exist."""


@dataclass
class BulkResult:
    """Per input row (by position): the record id, the outcome ("created" | "updated" | "unchanged" |
    "refused"); and every problem as (row index, field, message). Refused rows wrote nothing."""

    ids: list[str | None]
    outcomes: list[str]
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    exception_ids: list[int] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return self.outcomes.count(outcome)


@dataclass(frozen=True, slots=True)
class _RowPlan:
    index: int
    id: str | None
    expected: int | None  # the current version when the row was prepared; None: a new record
    new: NewVersion | None  # None: the data is unchanged
    exts: tuple[ExternalId, ...]


def model_for(kind: str) -> type[Canonical]:
    try:
        return MODELS[kind]
    except KeyError:
        raise RejectedInput(f"unknown kind {kind!r}") from None


def validate(model: type[Canonical], data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """The data in canonical JSON form, or the (field, message) problems; messages never carry values."""
    try:
        return model.model_validate(data).model_dump(mode="json"), []
    except ValidationError as exc:
        return None, [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]


def _check_id(kind: str, record_id: str | None) -> None:
    if record_id is not None and not ID_PATTERN.match(record_id):
        raise RejectedInput(f"{kind} id must be 1-64 letters, digits or . _ : - (starting with a letter or digit)")


class MasterStore:
    """Async API over master data in the journal's database; ``cache`` is kept current on every change."""

    def __init__(self, journal: JournalPort, *, cache: CrosswalkCache | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._journal = journal
        self._sql = journal.dialect.sql
        self.cache = cache
        self._clock = clock
        # PostgreSQL plans the bulk look-ups from table statistics, which lag far behind a big first import
        # (a fresh table reads as empty, and the planner then scans every row for each batch): bulk writes
        # refresh them each time the rows this store wrote double (SQLite plans these queries well without).
        self._analyze = journal.dialect.name == "postgres"
        self._written = self._analyzed_at = 0

    def today(self) -> date:
        """The default ``valid_from``: today in the server's time zone."""
        return date.fromtimestamp(self._clock())

    async def _write(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self._journal.write(partial(fn, self._sql, *args))

    # -- records -------------------------------------------------------------------------------------
    async def get(self, kind: str, record_id: str, *, on: date | None = None) -> RecordVersion | None:
        """The current (latest recorded) version, or the one in effect on ``on``."""
        model_for(kind)
        if on is None:
            found: RecordVersion | None = await self._journal.read(mq.get_current, kind, record_id)
        else:
            found = await self._journal.read(mq.get_on, kind, record_id, on)
        return found

    async def history(self, kind: str, record_id: str) -> builtins.list[RecordVersion]:
        """Every version, oldest first."""
        model_for(kind)
        found: builtins.list[RecordVersion] = await self._journal.read(mq.history, kind, record_id)
        return found

    async def list(self, kind: str, *, status: str | None = None, text: str | None = None, after: str | None = None,
                   limit: int = 100) -> Page[RecordVersion, str]:
        """Current versions ordered by id; ``text`` matches the id or any text field (case-insensitive)."""
        model_for(kind)
        page: Page[RecordVersion, str] = await self._journal.read(mq.list_records, kind, status, text, after,
                                                                  max(1, limit))
        return page

    def _new_version(self, kind: str, data: dict[str, Any], provenance: Provenance,
                     valid_from: date | None) -> NewVersion:
        dumped, errors = validate(model_for(kind), data)
        if dumped is None:
            raise RejectedInput(f"invalid {kind}: " + "; ".join(f"{f or 'record'}: {m}" for f, m in errors))
        return NewVersion(mq.dumps(dumped), str(dumped.get("status", "active")), mq.search_text(dumped),
                          valid_from or self.today(), provenance, self._clock())

    async def put(self, kind: str, record_id: str | None, data: dict[str, Any], provenance: Provenance,
                  valid_from: date | None = None) -> RecordVersion:
        """Validate ``data`` with the kind's canonical model and store it as the record's next version
        (a new record when ``record_id`` is None or unknown). Equal data returns the current version."""
        _check_id(kind, record_id)
        new = self._new_version(kind, data, provenance, valid_from)
        status, version = await self._write(mq.put_version, kind, record_id, new)
        if status == "backdated":
            raise RejectedInput(f"{kind} {version.id}: valid_from is before the current version's start")
        result: RecordVersion = version
        return result

    async def bulk_put(self, kind: str, rows: Sequence[BulkRow], provenance: Provenance, *,
                       valid_from: date | None = None, merge: bool = False, batch_size: int = 5000) -> BulkResult:
        """Many records and their external ids, ``batch_size`` rows per transaction.

        A row is refused (nothing of it written) when its data is invalid, its id repeats an earlier row's,
        or one of its external ids is claimed by another record (an ``xref_conflict`` exception is opened).
        With ``merge`` a row's fields are laid over the record's current data rather than replacing it.
        """
        model = model_for(kind)
        result = BulkResult([r[0] for r in rows], ["refused"] * len(rows))
        seen: set[str] = set()
        for start in range(0, len(rows), batch_size):
            await self._bulk_batch(kind, model, rows[start:start + batch_size], start, provenance, valid_from,
                                   merge, seen, result)
        result.errors.sort(key=lambda e: e[0])
        return result

    def _analyze_now(self, rows: int) -> bool:
        self._written += rows
        if not self._analyze or self._written < max(5000, 2 * self._analyzed_at):
            return False
        self._analyzed_at = self._written
        return True

    async def _bulk_batch(self, kind: str, model: type[Canonical], batch: Sequence[BulkRow], offset: int,
                          provenance: Provenance, valid_from: date | None, merge: bool, seen: set[str],
                          result: BulkResult) -> None:
        ids = sorted({r[0] for r in batch if r[0] is not None and ID_PATTERN.match(r[0])})
        currents = await self._journal.read(mq.current_rows, kind, ids) if ids else {}
        prepare = partial(_prepare, model, batch, offset, currents, merge, valid_from or self.today(), provenance,
                          self._clock(), seen)
        plans, errors = await asyncio.to_thread(prepare)
        result.errors.extend(errors)
        if not plans:
            return
        outcomes, retired, added = await self._write(_bulk_write, kind, plans, provenance, self._clock(),
                                                     self._analyze_now(len(plans)))
        for index, rid, outcome, problems, exc_ids in outcomes:
            result.ids[index], result.outcomes[index] = rid, outcome
            result.errors.extend((index, f, m) for f, m in problems)
            result.exception_ids.extend(exc_ids)
        if self.cache is not None:
            self.cache.changed(kind, retired, added)

    # -- crosswalk -----------------------------------------------------------------------------------
    async def add_xref(self, kind: str, canonical_id: str, ext: ExternalId, *, system_of_caller: str,
                       message_id: str | None = None) -> Xref:
        """Claim ``ext`` for the record. The same claim again is a no-op (new dates: a new row, the old one
        retired). Another record's active claim raises :class:`XrefConflict`, with the exception committed."""
        model_for(kind)
        out: XrefOutcome = await self._write(xq.add_xref, kind, canonical_id, ext, system_of_caller, message_id,
                                             self._clock())
        if out.status == "missing":
            raise NotFound(f"no {kind} {canonical_id}")
        if out.status == "conflict":
            assert out.claimed_by is not None and out.exception_id is not None
            raise XrefConflict(kind, canonical_id, ext, out.claimed_by, out.exception_id)
        assert out.xref is not None
        if out.status == "added" and self.cache is not None:
            retired = [(out.retired.key, canonical_id)] if out.retired else []
            self.cache.changed(kind, retired, [(out.xref.key, canonical_id, ext.valid_from, ext.valid_to)])
        return out.xref

    async def retire_xref(self, kind: str, canonical_id: str, ext: ExternalId, *, system_of_caller: str,
                          reason: str = "") -> Xref | None:
        """End the record's claim on ``ext`` (kept as history; the id is free to claim). None: no such claim."""
        model_for(kind)
        xref: Xref | None = await self._write(xq.retire_xref, kind, canonical_id, ext, system_of_caller, reason,
                                              self._clock())
        if xref is not None and self.cache is not None:
            self.cache.changed(kind, [(xref.key, canonical_id)], [])
        return xref

    async def bulk_add_xrefs(self, rows: Sequence[tuple[str, str, ExternalId]], *, system_of_caller: str,
                             message_id: str | None = None, batch_size: int = 5000) -> builtins.list[XrefOutcome]:
        """Claim many (kind, canonical id, external id); one outcome per row: "added", "updated" (dates),
        "unchanged", "conflict" (exception opened) or "missing" (no such record)."""
        for kind in {r[0] for r in rows}:
            model_for(kind)
        out: builtins.list[XrefOutcome] = []
        for start in range(0, len(rows), batch_size):
            batch = builtins.list(rows[start:start + batch_size])
            outcomes, changes = await self._write(xq.claim_batch, batch, system_of_caller, message_id, self._clock())
            out.extend(outcomes)
            if self.cache is not None:
                for kind, (retired, added) in changes.items():
                    self.cache.changed(kind, retired, added)
        return out

    async def xrefs(self, kind: str, canonical_id: str, *, include_retired: bool = False) -> builtins.list[Xref]:
        found: builtins.list[Xref] = await self._journal.read(xq.list_xrefs, kind, canonical_id, include_retired)
        return found

    async def resolve(self, kind: str, system: str, namespace: str, value: str, on: date | None = None) -> str | None:
        """The canonical id claiming an external id (database path; :class:`CrosswalkCache` for the hot path)."""
        found: str | None = await self._journal.read(xq.resolve, kind, system, namespace, value, on)
        return found

    async def has_xrefs(self, kind: str) -> bool:
        """Whether any record of ``kind`` holds an external id."""
        found: bool = await self._journal.read(xq.has_claims, kind)
        return found

    async def resolve_many(self, kind: str, keys: Sequence[Key], on: date | None = None) -> dict[Key, str]:
        """(system, namespace, value) -> canonical id for the keys claimed."""
        found: dict[Key, str] = await self._journal.read(xq.resolve_many, kind, builtins.list(keys), on)
        return found

    async def external_value(self, kind: str, canonical_id: str, system: str, namespace: str = "",
                             on: date | None = None) -> str | None:
        """The reverse look-up: the record's id in another system (first claimed), or None."""
        for x in await self.xrefs(kind, canonical_id):
            if x.system == system and x.namespace == namespace and (on is None or xq.covers(x.valid_from,
                                                                                             x.valid_to, on)):
                return x.value
        return None

    # -- observations --------------------------------------------------------------------------------
    async def observe(self, kind: str, canonical_id: str, system: str, data: dict[str, Any],
                      message_id: str | None = None) -> None:
        """Keep what ``system`` last reported for a record (any fields, unvalidated) for divergence reports."""
        model_for(kind)
        await self._write(mq.upsert_observation, kind, canonical_id, system, mq.dumps(data), message_id,
                          self._clock())

    async def observations(self, kind: str, systems: tuple[str, ...], *, after: str | None = None,
                           limit: int = 500) -> Page[ObservationSet, str]:
        """Records with observations from any of ``systems``, by id, each with its current version."""
        if not systems:
            return Page([], None)
        page: Page[ObservationSet, str] = await self._journal.read(mq.observation_page, kind, tuple(systems),
                                                                   after, max(1, limit))
        return page

    async def iter_observations(self, kind: str, systems: tuple[str, ...]) -> AsyncIterator[ObservationSet]:
        after: str | None = None
        while True:
            page = await self.observations(kind, systems, after=after)
            for item in page.items:
                yield item
            if page.next is None:
                return
            after = page.next

    # -- change requests -----------------------------------------------------------------------------
    async def add_change_request(self, kind: str, canonical_id: str, system: str, diff: dict[str, Any], *,
                                 message_id: str | None = None) -> ChangeRequest:
        """Open a request to change fields of a record: ``diff`` is ``{field: [old, new]}``."""
        fields = model_for(kind).model_fields
        for name, pair in diff.items():
            if name not in fields:
                raise RejectedInput(f"change request for {kind}: unknown field {name!r}")
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise RejectedInput(f"change request for {kind}: field {name!r} needs [old, new]")
        made: ChangeRequest | None = await self._write(mq.insert_change_request, kind, canonical_id, system,
                                                       mq.dumps(diff), message_id, self._clock())
        if made is None:
            raise NotFound(f"no {kind} {canonical_id}")
        return made

    async def change_request(self, request_id: int) -> ChangeRequest | None:
        found: ChangeRequest | None = await self._journal.read(mq.get_change_request, request_id)
        return found

    async def change_requests(self, *, state: str | None = None, kind: str | None = None,
                              canonical_id: str | None = None, after: int | None = None,
                              limit: int = 100) -> Page[ChangeRequest, int]:
        filters = {"state": state, "kind": kind, "canonical_id": canonical_id}
        page: Page[ChangeRequest, int] = await self._journal.read(mq.list_change_requests, filters, after,
                                                                  max(1, limit))
        return page

    async def decide_change_request(self, request_id: int, approve: bool, by: str, reason: str = "", *,
                                    apply: bool = True) -> ChangeRequest:
        """Reject, or approve: with ``apply`` the new values become the record's next version (provenance:
        the requesting system and message) and the request is "applied"; without, it is "approved"."""
        cr = await self.change_request(request_id)
        if cr is None:
            raise NotFound(f"no change request {request_id}")
        for _ in range(3):  # the record may move on between our read and our write
            state, change = await self._decision(cr, approve, by, apply)
            status, decided = await self._write(mq.decide_change_request, request_id, state, by, reason,
                                                self._clock(), change)
            if status != "stale":
                break
        if status == "stale":
            raise RejectedInput(f"change request {request_id}: the record kept changing; try again")
        if status == "not_open":
            raise RejectedInput(f"change request {request_id} is already {decided.state}")
        result: ChangeRequest = decided
        return result

    async def _decision(self, cr: ChangeRequest, approve: bool, by: str,
                        apply: bool) -> tuple[str, tuple[str, str, int, NewVersion] | None]:
        if cr.state != "open":
            raise RejectedInput(f"change request {cr.id} is already {cr.state}")
        if not approve:
            return "rejected", None
        if not apply:
            return "approved", None
        current = await self.get(cr.kind, cr.canonical_id)
        if current is None:
            raise NotFound(f"no {cr.kind} {cr.canonical_id}")
        data = {**current.data, **{name: pair[1] for name, pair in cr.diff.items()}}
        provenance = Provenance(system=cr.system, message_id=cr.message_id,
                                note=f"change request {cr.id} approved by {by}")
        new = self._new_version(cr.kind, data, provenance, max(self.today(), current.valid_from))
        if new.data_json == mq.dumps(current.data):
            return "applied", None
        return "applied", (cr.kind, cr.canonical_id, current.version, new)

    # -- exceptions worklist -------------------------------------------------------------------------
    async def raise_exception(self, type: str, subject_kind: str, subject_id: str | None, detail: dict[str, Any], *,
                              dedup_key: str | None = None) -> int:
        """Open a worklist entry; returns its id. With ``dedup_key``, an open entry with the same key is
        counted again (``occurrences``) instead of duplicated."""
        exc_id: int = await self._write(mq.raise_exception, type, subject_kind, subject_id, mq.dumps(detail),
                                        dedup_key, self._clock())
        return exc_id

    async def exception(self, exception_id: int) -> ExceptionItem | None:
        found: ExceptionItem | None = await self._journal.read(mq.get_exception, exception_id)
        return found

    async def exceptions(self, *, state: str | None = None, type: str | None = None,
                         subject_kind: str | None = None, subject_id: str | None = None, after: int | None = None,
                         limit: int = 100) -> Page[ExceptionItem, int]:
        filters = {"state": state, "type": type, "subject_kind": subject_kind, "subject_id": subject_id}
        page: Page[ExceptionItem, int] = await self._journal.read(mq.list_exceptions, filters, after, max(1, limit))
        return page

    async def resolve_exception(self, exception_id: int, by: str, resolution: str) -> ExceptionItem:
        done: ExceptionItem | None = await self._write(mq.resolve_exception, exception_id, by, resolution,
                                                       self._clock())
        if done is not None:
            return done
        found = await self.exception(exception_id)
        if found is None:
            raise NotFound(f"no exception {exception_id}")
        raise RejectedInput(f"exception {exception_id} is already {found.state}")


# -- bulk internals (pure preparation in a worker thread, then one write op per batch) -----------------------
def _prepare(model: type[Canonical], batch: Sequence[BulkRow], offset: int, currents: dict[str, mq.CurrentRow],
             merge: bool, valid_from: date, provenance: Provenance, now: float,
             seen: set[str]) -> tuple[list[_RowPlan], list[tuple[int, str, str]]]:
    plans: list[_RowPlan] = []
    errors: list[tuple[int, str, str]] = []
    for index, (rid, data, exts) in enumerate(batch, offset):
        problem = _id_problem(rid, seen)
        if problem:
            errors.append((index, "id", problem))
            continue
        current = currents.get(rid) if rid is not None else None
        merged = {**mq.loads(current.data_json), **data} if merge and current is not None else data
        dumped, problems = validate(model, merged)
        if dumped is None:
            errors.extend((index, f, m) for f, m in problems)
            continue
        unique = tuple({(e.system, e.namespace, e.value): e for e in exts}.values())
        text = mq.dumps(dumped)
        if current is not None and text == current.data_json:
            plans.append(_RowPlan(index, rid, current.version, None, unique))
        elif current is not None and valid_from < current.valid_from:
            errors.append((index, "valid_from", "is before the current version's start"))
        else:
            new = NewVersion(text, str(dumped.get("status", "active")), mq.search_text(dumped), valid_from,
                             provenance, now)
            plans.append(_RowPlan(index, rid, current.version if current else None, new, unique))
    return plans, errors


def _id_problem(rid: str | None, seen: set[str]) -> str | None:
    if rid is None:
        return None
    if not ID_PATTERN.match(rid):
        return "must be 1-64 letters, digits or . _ : - (starting with a letter or digit)"
    if rid in seen:
        return "repeats an earlier row's id"
    seen.add(rid)
    return None


_Outcome = tuple[int, str | None, str, list[FieldError], list[int]]


def _bulk_write(sql: mq.Sql, kind: str, plans: list[_RowPlan], provenance: Provenance, now: float, analyze: bool,
                cur: Any) -> tuple[list[_Outcome], list[xq.Retired], list[xq.Added]]:
    if analyze:
        cur.execute("ANALYZE master_records")
        cur.execute("ANALYZE xrefs")
    versions = mq.current_versions(sql, cur, kind, [p.id for p in plans if p.id is not None])
    out: list[_Outcome] = []
    live = []
    for p in plans:
        if p.id is not None and versions.get(p.id) != p.expected:
            out.append((p.index, p.id, "refused", [("id", "changed by another writer meanwhile; try again")], []))
        else:
            live.append(p)
    fresh = iter(mq.next_ids(sql, cur, kind, sum(p.id is None for p in live)))
    claims = xq.ClaimPlan.load(sql, cur, kind, (e for p in live for e in p.exts))
    items: list[tuple[str, int, NewVersion]] = []
    superseded: list[tuple[str, int, date]] = []
    by, message_id = provenance.system, provenance.message_id
    for p in live:
        rid = p.id if p.id is not None else next(fresh)
        conflicts = claims.conflicts(rid, p.exts)
        if conflicts:
            exc_ids = [xq.record_conflict(sql, cur, kind, p.id, e, holder, by, message_id, now)
                       for e, holder in conflicts]
            problems = [(f"xref:{e.system}:{e.namespace}", f"already claimed by {holder} (exception {x})")
                        for (e, holder), x in zip(conflicts, exc_ids, strict=True)]
            out.append((p.index, p.id, "refused", problems, exc_ids))
            continue
        claimed = claims.claim(rid, p.exts)
        if p.new is not None:
            items.append((rid, (p.expected or 0) + 1, p.new))
            if p.expected is not None:
                superseded.append((rid, p.expected, p.new.valid_from))
        outcome = "created" if p.expected is None else "updated" if p.new is not None or claimed else "unchanged"
        out.append((p.index, rid, outcome, [], []))
    mq.insert_versions(sql, cur, kind, items, superseded)
    claims.write(sql, cur, kind, by, message_id, now)
    added = [(k, c.canonical_id, c.valid_from, c.valid_to) for k, c in claims.adds.items()]
    return out, claims.retired, added
