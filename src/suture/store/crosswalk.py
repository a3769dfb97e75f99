"""The crosswalk: external identifiers (system, namespace, value) of canonical records, and a warm cache.

One external id belongs to at most one record at a time: the ``xrefs_claim`` unique index covers active rows
only, so a retired claim keeps its history and frees the id for another record. A conflicting claim is
refused, and the refusal is committed as an ``xref_conflict`` entry on the exceptions worklist in the same
transaction (the op *returns* the conflict instead of raising, so nothing rolls back; the caller then raises
:class:`XrefConflict`).

:class:`CrosswalkCache` keeps both directions in dicts for synchronous O(1) look-ups on the message path.
The :class:`~suture.store.masterdata.MasterStore` it is given to keeps it current after each committed
change in this process; other processes sharing a PostgreSQL database reach it only on the next ``load``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from suture.canonical.base import ExternalId
from suture.errors import RejectedInput, SutureError
from suture.store.masterdata_queries import (
    JournalPort,
    Sql,
    chunks,
    current_versions,
    day,
    dumps,
    iso,
    marks,
    record_exists,
    upsert_exception,
)

Key = tuple[str, str, str]  # (system, namespace, value)
Added = tuple[Key, str, date | None, date | None]  # key, canonical id, valid from, valid to
Retired = tuple[Key, str]  # key, canonical id


class XrefConflict(RejectedInput):
    """An external id is already claimed by another record. The claim was refused and an ``xref_conflict``
    exception (``exception_id``) opened for a person to settle. The id's value is an attribute, never text."""

    def __init__(self, kind: str, canonical_id: str | None, ext: ExternalId, claimed_by: str,
                 exception_id: int) -> None:
        self.kind, self.canonical_id, self.claimed_by, self.exception_id = kind, canonical_id, claimed_by, exception_id
        self.system, self.namespace, self.value = ext.system, ext.namespace, ext.value
        super().__init__(f"{kind} {canonical_id or '(new record)'}: the {ext.system}/{ext.namespace or '-'} id is "
                         f"already claimed by {claimed_by} (exception {exception_id})")


class CrosswalkNotLoaded(SutureError, LookupError):
    """``CrosswalkCache.resolve`` for a kind that was never loaded (a miss would be indistinguishable)."""


@dataclass(frozen=True, slots=True)
class Xref:
    """One claim of an external id by a canonical record (``active=False``: retired, kept for history)."""

    id: int
    kind: str
    canonical_id: str
    system: str
    namespace: str
    value: str
    valid_from: date | None
    valid_to: date | None
    active: bool
    created_at: float
    created_by_system: str
    message_id: str | None
    retired_at: float | None
    retired_by_system: str | None
    reason: str

    @property
    def key(self) -> Key:
        return (self.system, self.namespace, self.value)

    def external_id(self) -> ExternalId:
        return ExternalId(system=self.system, namespace=self.namespace, value=self.value,
                          valid_from=self.valid_from, valid_to=self.valid_to)


def covers(valid_from: date | None, valid_to: date | None, on: date) -> bool:
    """Inclusive at both ends; an open end is unbounded."""
    return (valid_from is None or valid_from <= on) and (valid_to is None or on <= valid_to)


# -- SQL ---------------------------------------------------------------------------------------------------
XREF_COLS = ("id, kind, canonical_id, system, namespace, value, valid_from, valid_to, active, created_at, "
             "created_by_system, message_id, retired_at, retired_by_system, reason")
INSERT_XREF = ("INSERT INTO xrefs (kind, canonical_id, system, namespace, value, valid_from, valid_to, active, "
               "created_at, created_by_system, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?)")
RETIRE_BY_ID = "UPDATE xrefs SET active = FALSE, retired_at = ?, retired_by_system = ?, reason = ? WHERE id = ?"
CLAIM_WHERE = "kind = ? AND value = ? AND system = ? AND namespace = ? AND active"


def _xref(row: Any) -> Xref:
    return Xref(int(row[0]), row[1], row[2], row[3], row[4], row[5], day(row[6]), day(row[7]), bool(row[8]),
                float(row[9]), row[10], row[11], row[12], row[13], row[14])


def claim_of(sql: Sql, cur: Any, kind: str, system: str, namespace: str, value: str) -> Xref | None:
    """The active claim on an external id, if any."""
    cur.execute(sql(f"SELECT {XREF_COLS} FROM xrefs WHERE {CLAIM_WHERE}"), (kind, value, system, namespace))
    row = cur.fetchone()
    return None if row is None else _xref(row)


def record_conflict(sql: Sql, cur: Any, kind: str, refused_for: str | None, ext: ExternalId, claimed_by: str,
                    by: str, message_id: str | None, now: float) -> int:
    """Open (or count again) the ``xref_conflict`` exception for a refused claim."""
    detail = {"system": ext.system, "namespace": ext.namespace, "value": ext.value, "claimed_by": claimed_by,
              "refused_for": refused_for, "requested_by": by, "message_id": message_id}
    key = "|".join(("xref_conflict", kind, ext.system, ext.namespace, ext.value, refused_for or ""))
    return upsert_exception(sql, cur, "xref_conflict", kind, refused_for or claimed_by, dumps(detail), key, now)


@dataclass(frozen=True, slots=True)
class XrefOutcome:
    """What :func:`add_xref` did: "added" | "unchanged" | "conflict" | "missing" (no such record)."""

    status: str
    xref: Xref | None = None
    retired: Xref | None = None
    claimed_by: str | None = None
    exception_id: int | None = None


def add_xref(sql: Sql, kind: str, canonical_id: str, ext: ExternalId, by: str, message_id: str | None, now: float,
             cur: Any) -> XrefOutcome:
    """Claim ``ext`` for a record. The same claim with other dates retires the old row and adds a new one."""
    if not record_exists(sql, cur, kind, canonical_id):
        return XrefOutcome("missing")
    holder = claim_of(sql, cur, kind, ext.system, ext.namespace, ext.value)
    if holder is not None and holder.canonical_id != canonical_id:
        exc = record_conflict(sql, cur, kind, canonical_id, ext, holder.canonical_id, by, message_id, now)
        return XrefOutcome("conflict", claimed_by=holder.canonical_id, exception_id=exc)
    if holder is not None and (holder.valid_from, holder.valid_to) == (ext.valid_from, ext.valid_to):
        return XrefOutcome("unchanged", holder)
    if holder is not None:
        cur.execute(sql(RETIRE_BY_ID), (now, by, "validity changed", holder.id))
    cur.execute(sql(INSERT_XREF + f" ON CONFLICT (kind, value, system, namespace) WHERE active DO NOTHING "
                    f"RETURNING {XREF_COLS}"),
                (kind, canonical_id, ext.system, ext.namespace, ext.value, iso(ext.valid_from), iso(ext.valid_to),
                 now, by, message_id))
    row = cur.fetchone()
    if row is None:  # another process claimed it between our look and our insert
        raced = claim_of(sql, cur, kind, ext.system, ext.namespace, ext.value)
        assert raced is not None
        exc = record_conflict(sql, cur, kind, canonical_id, ext, raced.canonical_id, by, message_id, now)
        return XrefOutcome("conflict", claimed_by=raced.canonical_id, exception_id=exc)
    return XrefOutcome("added", _xref(row), holder)


def retire_xref(sql: Sql, kind: str, canonical_id: str, ext: ExternalId, by: str, reason: str, now: float,
                cur: Any) -> Xref | None:
    """Retire the record's active claim on ``ext``; ``None`` when it holds none."""
    cur.execute(sql(f"UPDATE xrefs SET active = FALSE, retired_at = ?, retired_by_system = ?, reason = ? "
                    f"WHERE {CLAIM_WHERE} AND canonical_id = ? RETURNING {XREF_COLS}"),
                (now, by, reason, kind, ext.value, ext.system, ext.namespace, canonical_id))
    row = cur.fetchone()
    return None if row is None else _xref(row)


def list_xrefs(sql: Sql, cur: Any, kind: str, canonical_id: str, include_retired: bool) -> list[Xref]:
    active = "" if include_retired else " AND active"
    cur.execute(sql(f"SELECT {XREF_COLS} FROM xrefs WHERE kind = ? AND canonical_id = ?{active} ORDER BY id"),
                (kind, canonical_id))
    return [_xref(r) for r in cur.fetchall()]


def resolve(sql: Sql, cur: Any, kind: str, system: str, namespace: str, value: str, on: date | None) -> str | None:
    cur.execute(sql(f"SELECT canonical_id, valid_from, valid_to FROM xrefs WHERE {CLAIM_WHERE}"),
                (kind, value, system, namespace))
    row = cur.fetchone()
    if row is None or (on is not None and not covers(day(row[1]), day(row[2]), on)):
        return None
    return str(row[0])


@dataclass(slots=True)
class Claim:
    xref_id: int | None  # None: claimed earlier in the same batch
    canonical_id: str
    valid_from: date | None
    valid_to: date | None


def active_claims(sql: Sql, cur: Any, kind: str, values: Sequence[str]) -> dict[Key, Claim]:
    """Active claims on any of ``values`` (in any system), by key."""
    out: dict[Key, Claim] = {}
    for part in chunks(values):
        cur.execute(sql(f"SELECT id, system, namespace, value, canonical_id, valid_from, valid_to FROM xrefs "
                        f"WHERE kind = ? AND value IN ({marks(len(part))}) AND active"), (kind, *part))
        for xid, system, namespace, value, cid, vf, vt in cur.fetchall():
            out[(system, namespace, value)] = Claim(int(xid), cid, day(vf), day(vt))
    return out


def resolve_many(sql: Sql, cur: Any, kind: str, keys: Sequence[Key], on: date | None) -> dict[Key, str]:
    claims = active_claims(sql, cur, kind, sorted({k[2] for k in keys}))
    return {k: c.canonical_id for k in keys if (c := claims.get(k)) is not None
            and (on is None or covers(c.valid_from, c.valid_to, on))}


def has_claims(sql: Sql, cur: Any, kind: str) -> bool:
    cur.execute(sql("SELECT 1 FROM xrefs WHERE kind = ? AND active LIMIT 1"), (kind,))
    return cur.fetchone() is not None


def load_claims(sql: Sql, cur: Any, kind: str) -> list[tuple[Any, ...]]:
    cur.execute(sql("SELECT canonical_id, system, namespace, value, valid_from, valid_to FROM xrefs "
                    "WHERE kind = ? AND active ORDER BY id"), (kind,))
    return list(cur.fetchall())


@dataclass
class ClaimPlan:
    """The xref changes of one bulk batch, checked against the database's active claims and earlier rows."""

    claims: dict[Key, Claim]
    adds: dict[Key, Claim] = field(default_factory=dict)
    retire_ids: list[int] = field(default_factory=list)
    retired: list[tuple[Key, str]] = field(default_factory=list)

    @classmethod
    def load(cls, sql: Sql, cur: Any, kind: str, exts: Iterable[ExternalId]) -> ClaimPlan:
        return cls(active_claims(sql, cur, kind, sorted({e.value for e in exts})))

    def conflicts(self, canonical_id: str | None, exts: Sequence[ExternalId]) -> list[tuple[ExternalId, str]]:
        """(external id, holder) for each of ``exts`` another record holds."""
        out = []
        for e in exts:
            held = self.claims.get((e.system, e.namespace, e.value))
            if held is not None and held.canonical_id != canonical_id:
                out.append((e, held.canonical_id))
        return out

    def claim(self, canonical_id: str, exts: Sequence[ExternalId]) -> bool:
        """Plan claims for ``exts`` (checked with :meth:`conflicts` first). True when anything changes."""
        changed = False
        for e in exts:
            key = (e.system, e.namespace, e.value)
            held = self.claims.get(key)
            if held is not None and (held.valid_from, held.valid_to) == (e.valid_from, e.valid_to):
                continue
            if held is not None and held.xref_id is not None:
                self.retire_ids.append(held.xref_id)
                self.retired.append((key, canonical_id))
            self.claims[key] = self.adds[key] = Claim(None, canonical_id, e.valid_from, e.valid_to)
            changed = True
        return changed

    def write(self, sql: Sql, cur: Any, kind: str, by: str, message_id: str | None, now: float) -> None:
        if self.retire_ids:
            cur.executemany(sql(RETIRE_BY_ID), [(now, by, "validity changed", i) for i in self.retire_ids])
        if self.adds:
            cur.executemany(sql(INSERT_XREF), [
                (kind, c.canonical_id, k[0], k[1], k[2], iso(c.valid_from), iso(c.valid_to), now, by, message_id)
                for k, c in self.adds.items()])


def claim_batch(sql: Sql, rows: list[tuple[str, str, ExternalId]], by: str, message_id: str | None, now: float,
                cur: Any) -> tuple[list[XrefOutcome], dict[str, tuple[list[Retired], list[Added]]]]:
    """Claims for many (kind, canonical id, external id) in one transaction: an outcome per row ("added",
    "updated", "unchanged", "conflict", "missing") and, per kind, the changes for the cache."""
    outcomes: list[XrefOutcome | None] = [None] * len(rows)
    changes: dict[str, tuple[list[Retired], list[Added]]] = {}
    for kind in sorted({r[0] for r in rows}):
        mine = [(i, cid, e) for i, (k, cid, e) in enumerate(rows) if k == kind]
        existing = current_versions(sql, cur, kind, sorted({cid for _, cid, _ in mine}))
        plan = ClaimPlan.load(sql, cur, kind, (e for _, _, e in mine))
        for i, cid, e in mine:
            outcomes[i] = _claim_one(sql, cur, kind, plan, cid in existing, cid, e, by, message_id, now)
        plan.write(sql, cur, kind, by, message_id, now)
        changes[kind] = (plan.retired, [(k, c.canonical_id, c.valid_from, c.valid_to) for k, c in plan.adds.items()])
    return [o for o in outcomes if o is not None], changes


def _claim_one(sql: Sql, cur: Any, kind: str, plan: ClaimPlan, exists: bool, cid: str, e: ExternalId,
               by: str, message_id: str | None, now: float) -> XrefOutcome:
    if not exists:
        return XrefOutcome("missing")
    conflicts = plan.conflicts(cid, (e,))
    if conflicts:
        holder = conflicts[0][1]
        exc = record_conflict(sql, cur, kind, cid, e, holder, by, message_id, now)
        return XrefOutcome("conflict", claimed_by=holder, exception_id=exc)
    held = (e.system, e.namespace, e.value) in plan.claims
    if not plan.claim(cid, (e,)):
        return XrefOutcome("unchanged")
    return XrefOutcome("updated" if held else "added")


# -- the cache ---------------------------------------------------------------------------------------------
Span = tuple[date | None, date | None]


class _Map:
    """One kind's crosswalk. Forward: (system, namespace) -> value -> canonical id, plain strings so a hit
    touches as little memory as possible; validity only for the claims that have any; reverse: id -> keys."""

    __slots__ = ("ids", "rev", "spans")

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], dict[str, str]] = {}
        self.spans: dict[Key, Span] = {}
        self.rev: dict[str, list[Key]] = {}

    def add(self, key: Key, cid: str, valid_from: date | None, valid_to: date | None) -> None:
        inner = self.ids.setdefault((key[0], key[1]), {})
        old = inner.get(key[2])
        if old is not None:
            self._unlink(old, key)
        inner[key[2]] = cid
        if valid_from is None and valid_to is None:
            self.spans.pop(key, None)
        else:
            self.spans[key] = (valid_from, valid_to)
        self.rev.setdefault(cid, []).append(key)

    def retire(self, key: Key, cid: str) -> None:
        inner = self.ids.get((key[0], key[1]))
        if inner is not None and inner.get(key[2]) == cid:
            del inner[key[2]]
            self.spans.pop(key, None)
            self._unlink(cid, key)

    def _unlink(self, cid: str, key: Key) -> None:
        keys = self.rev.get(cid)
        if keys is not None and key in keys:
            keys.remove(key)

    def __len__(self) -> int:
        return sum(len(inner) for inner in self.ids.values())


class CrosswalkCache:
    """Warm in-memory crosswalk, both directions, for the kinds loaded.

    >>> cache = CrosswalkCache(journal)           # doctest: +SKIP
    >>> await cache.load("item")                  # doctest: +SKIP
    >>> store = MasterStore(journal, cache=cache)  # doctest: +SKIP
    >>> cache.resolve("item", "GS1", "GTIN", "00312345678906")  # doctest: +SKIP
    'item-000042'
    """

    def __init__(self, journal: JournalPort) -> None:
        self._journal = journal
        self._maps: dict[str, _Map] = {}
        self._ids: dict[str, dict[tuple[str, str], dict[str, str]]] = {}  # the hot path's shortcut into _maps
        self._loading: dict[str, list[tuple[list[Retired], list[Added]]]] = {}
        self._lock = asyncio.Lock()

    async def load(self, kind: str) -> int:
        """(Re)load one kind's active claims; returns how many. Changes committed meanwhile are replayed."""
        async with self._lock:
            self._loading[kind] = []
            try:
                rows = await self._journal.read(load_claims, kind)
            except BaseException:
                del self._loading[kind]
                raise
            fresh = _Map()
            for cid, system, namespace, value, vf, vt in rows:
                fresh.add((system, namespace, value), cid, day(vf), day(vt))
            self._maps[kind], self._ids[kind] = fresh, fresh.ids
            for retired, added in self._loading.pop(kind):
                self._apply(fresh, retired, added)
            return len(fresh)

    def loaded(self, kind: str) -> bool:
        return kind in self._maps

    def size(self, kind: str) -> int:
        return len(self._maps[kind]) if kind in self._maps else 0

    def changed(self, kind: str, retired: Sequence[Retired], added: Sequence[Added]) -> None:
        """Hook: committed retirements, then additions (a changed validity is both, in that order)."""
        if kind in self._loading:
            self._loading[kind].append((list(retired), list(added)))
        if kind in self._maps:
            self._apply(self._maps[kind], retired, added)

    @staticmethod
    def _apply(target: _Map, retired: Sequence[Retired], added: Sequence[Added]) -> None:
        for key, cid in retired:
            target.retire(key, cid)
        for key, cid, vf, vt in added:
            target.add(key, cid, vf, vt)

    def _map(self, kind: str) -> _Map:
        try:
            return self._maps[kind]
        except KeyError:
            raise CrosswalkNotLoaded(f"crosswalk for {kind} is not loaded") from None

    def resolve(self, kind: str, system: str, namespace: str, value: str, on: date | None = None) -> str | None:
        """The canonical id claiming (system, namespace, value), honouring validity when ``on`` is given."""
        try:
            inner = self._ids[kind].get((system, namespace))
        except KeyError:
            raise CrosswalkNotLoaded(f"crosswalk for {kind} is not loaded") from None
        if inner is None:
            return None
        cid = inner.get(value)
        if cid is None or on is None:
            return cid
        span = self._maps[kind].spans.get((system, namespace, value))
        return cid if span is None or covers(span[0], span[1], on) else None

    def external_ids(self, kind: str, canonical_id: str, on: date | None = None) -> tuple[ExternalId, ...]:
        """Every active external id of a record (in claim order), those valid on ``on`` when given."""
        target = self._map(kind)
        out = []
        for key in target.rev.get(canonical_id, ()):
            vf, vt = target.spans.get(key, (None, None))
            if on is None or covers(vf, vt, on):
                out.append(ExternalId.model_construct(system=key[0], namespace=key[1], value=key[2], valid_from=vf,
                                                      valid_to=vt))
        return tuple(out)

    def external_value(self, kind: str, canonical_id: str, system: str, namespace: str = "",
                       on: date | None = None) -> str | None:
        """The reverse look-up: the record's id in ``system``/``namespace`` (first claimed), or ``None``."""
        target = self._map(kind)
        for key in target.rev.get(canonical_id, ()):
            if key[0] == system and key[1] == namespace:
                span = target.spans.get(key)
                if on is None or span is None or covers(span[0], span[1], on):
                    return key[2]
        return None
