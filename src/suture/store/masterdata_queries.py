"""Records and SQL for master data (versions, observations, change requests, the exceptions worklist).

Same conventions as :mod:`suture.store.queries`: one SQL text for SQLite and PostgreSQL (``sql`` adapts the
placeholders), write functions take the group-commit cursor last, read functions get ``(sql, cur, ...)``.
Dates are ISO text and JSON is text on both backends, so one row decoder serves both. Validity ranges are
inclusive at both ends; a version superseded on its own first day ends the day before (an empty range).
The crosswalk's SQL lives in :mod:`suture.store.crosswalk`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, Protocol, TypeVar

import orjson

from suture.canonical.base import Canonical, Provenance
from suture.canonical.models import MODELS
from suture.store.dialect import Dialect

Sql = Callable[[str], str]


class JournalPort(Protocol):
    """What master data needs of :class:`~suture.store.journal.Journal`: its dialect and its two hooks."""

    @property
    def dialect(self) -> Dialect: ...
    async def write(self, op: Any) -> Any: ...
    async def read(self, fn: Any, *args: Any) -> Any: ...


T = TypeVar("T")
C = TypeVar("C")
CHUNK = 900  # values per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


# -- records ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RecordVersion:
    """One version of a canonical record. ``current`` marks the latest version recorded (which may take
    effect in the future: ``valid_from`` says from when)."""

    kind: str
    id: str
    version: int
    valid_from: date
    valid_to: date | None
    current: bool
    data: dict[str, Any]
    provenance: Provenance
    recorded_at: float

    def model(self) -> Canonical:
        """The canonical model (``Item``, ``Vendor``, ...) for this version's data."""
        return MODELS[self.kind].model_validate(self.data)


@dataclass(frozen=True, slots=True)
class Observation:
    """The latest values one system reported for one record (kept for the divergence report)."""

    kind: str
    canonical_id: str
    system: str
    data: dict[str, Any]
    observed_at: float
    message_id: str | None


@dataclass(frozen=True, slots=True)
class ObservationSet:
    """A record's current version (if any) next to what each asked-for system last reported."""

    kind: str
    canonical_id: str
    current: RecordVersion | None
    observed: dict[str, Observation]


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """A proposed change ``{field: [old, new]}`` waiting for a person (``open`` -> approved/rejected/applied)."""

    id: int
    kind: str
    canonical_id: str
    system: str
    diff: dict[str, list[Any]]
    state: str
    message_id: str | None
    created_at: float
    decided_at: float | None
    decided_by: str | None
    reason: str
    applied_version: int | None


@dataclass(frozen=True, slots=True)
class ExceptionItem:
    """One entry of the exceptions worklist: a business problem for a person to resolve.

    ``occurrences`` counts how often the same problem (same ``dedup_key``) was raised while open.
    """

    id: int
    type: str
    subject_kind: str
    subject_id: str | None
    detail: dict[str, Any]
    state: str
    occurrences: int
    created_at: float
    last_seen_at: float
    resolved_at: float | None
    resolved_by: str | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class Page(Generic[T, C]):
    """A page of results; pass ``next`` as ``after`` for the following page (``None``: no more)."""

    items: list[T]
    next: C | None


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A validated version ready to store (data as canonical JSON text)."""

    data_json: str
    status: str
    search: str
    valid_from: date
    provenance: Provenance
    recorded_at: float


# -- helpers ---------------------------------------------------------------------------------------------
def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, so equal data gives equal text (how "unchanged" is detected)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()


def loads(text: str) -> Any:
    return orjson.loads(text)


def iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def format_id(kind: str, n: int) -> str:
    """Readable generated ids: ``item-000042``, ``cost-center-000007``."""
    return f"{kind.replace('_', '-')}-{n:06d}"


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def marks(n: int) -> str:
    return ", ".join("?" * n)


def search_text(data: dict[str, Any]) -> str:
    """Lower-cased text a ``list(text=...)`` search matches (the id is added when stored): every top-level
    string value, and the strings of top-level lists (GTINs)."""
    parts = []
    for value in data.values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(v for v in value if isinstance(v, str))
    return "\n".join(parts).lower()


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# -- record reads ----------------------------------------------------------------------------------------
REC_COLS = "kind, id, version, valid_from, valid_to, is_current, data, system, message_id, note, recorded_at"


def _version(row: Any) -> RecordVersion:
    valid_from = day(row[3])
    assert valid_from is not None
    return RecordVersion(row[0], row[1], int(row[2]), valid_from, day(row[4]), bool(row[5]), loads(row[6]),
                         Provenance(system=row[7], message_id=row[8], note=row[9]), float(row[10]))


def get_current(sql: Sql, cur: Any, kind: str, record_id: str) -> RecordVersion | None:
    cur.execute(sql(f"SELECT {REC_COLS} FROM master_records WHERE kind = ? AND id = ? AND is_current"),
                (kind, record_id))
    row = cur.fetchone()
    return None if row is None else _version(row)


def get_on(sql: Sql, cur: Any, kind: str, record_id: str, on: date) -> RecordVersion | None:
    """The version in effect on ``on`` (the latest recorded one when several claim the day)."""
    cur.execute(sql(f"SELECT {REC_COLS} FROM master_records WHERE kind = ? AND id = ? AND valid_from <= ? "
                    "AND (valid_to IS NULL OR valid_to >= ?) ORDER BY version DESC LIMIT 1"),
                (kind, record_id, on.isoformat(), on.isoformat()))
    row = cur.fetchone()
    return None if row is None else _version(row)


def history(sql: Sql, cur: Any, kind: str, record_id: str) -> list[RecordVersion]:
    cur.execute(sql(f"SELECT {REC_COLS} FROM master_records WHERE kind = ? AND id = ? ORDER BY version"),
                (kind, record_id))
    return [_version(r) for r in cur.fetchall()]


def list_records(sql: Sql, cur: Any, kind: str, status: str | None, text: str | None, after: str | None,
                 limit: int) -> Page[RecordVersion, str]:
    where, args = ["kind = ?", "is_current"], [kind]
    if status is not None:
        where.append("status = ?")
        args.append(status)
    if text:
        where.append("search LIKE ? ESCAPE '\\'")
        args.append(like_pattern(text))
    if after is not None:
        where.append("id > ?")
        args.append(after)
    cur.execute(sql(f"SELECT {REC_COLS} FROM master_records WHERE {' AND '.join(where)} ORDER BY id LIMIT ?"),
                (*args, limit + 1))
    rows = [_version(r) for r in cur.fetchall()]
    return Page(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


@dataclass(frozen=True, slots=True)
class CurrentRow:
    version: int
    valid_from: date
    data_json: str


def current_rows(sql: Sql, cur: Any, kind: str, ids: Sequence[str]) -> dict[str, CurrentRow]:
    """Current version, start and JSON text of each of ``ids`` that exists."""
    out: dict[str, CurrentRow] = {}
    for part in chunks(ids):
        cur.execute(sql(f"SELECT id, version, valid_from, data FROM master_records WHERE kind = ? AND is_current "
                        f"AND id IN ({marks(len(part))})"), (kind, *part))
        for rid, version, valid_from, data in cur.fetchall():
            out[rid] = CurrentRow(int(version), date.fromisoformat(valid_from), data)
    return out


def current_versions(sql: Sql, cur: Any, kind: str, ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in chunks(ids):
        cur.execute(sql(f"SELECT id, version FROM master_records WHERE kind = ? AND is_current "
                        f"AND id IN ({marks(len(part))})"), (kind, *part))
        out.update((rid, int(version)) for rid, version in cur.fetchall())
    return out


# -- record writes ---------------------------------------------------------------------------------------
def next_ids(sql: Sql, cur: Any, kind: str, n: int) -> list[str]:
    """``n`` fresh ids from the kind's counter, skipping any a caller already chose for itself."""
    if n == 0:
        return []
    cur.execute(sql("INSERT INTO master_counters (kind, issued) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE "
                    "SET issued = master_counters.issued + excluded.issued RETURNING issued"), (kind, n))
    last = int(cur.fetchone()[0])
    ids = [format_id(kind, i) for i in range(last - n + 1, last + 1)]
    taken = _taken(sql, cur, kind, ids)
    if not taken:
        return ids
    return [i for i in ids if i not in taken] + next_ids(sql, cur, kind, len(taken))


def _taken(sql: Sql, cur: Any, kind: str, ids: list[str]) -> set[str]:
    """Which of ``ids`` exist: one range query per id width (ids of one width sort like their numbers)."""
    taken: set[str] = set()
    wanted = set(ids)
    for width in sorted({len(i) for i in ids}):
        same = [i for i in ids if len(i) == width]
        cur.execute(sql("SELECT id FROM master_records WHERE kind = ? AND is_current AND id >= ? AND id <= ?"),
                    (kind, same[0], same[-1]))
        taken.update(r[0] for r in cur.fetchall() if r[0] in wanted)
    return taken


def _row(kind: str, record_id: str, version: int, v: NewVersion) -> tuple[Any, ...]:
    p = v.provenance
    return (kind, record_id, version, v.valid_from.isoformat(), v.status, f"{record_id.lower()}\n{v.search}",
            v.data_json, p.system, p.message_id, p.note, v.recorded_at)


INSERT_VERSION = ("INSERT INTO master_records (kind, id, version, valid_from, valid_to, is_current, status, search, "
                  "data, system, message_id, note, recorded_at) VALUES (?, ?, ?, ?, NULL, TRUE, ?, ?, ?, ?, ?, ?, ?)")
SUPERSEDE = "UPDATE master_records SET is_current = FALSE, valid_to = ? WHERE kind = ? AND id = ? AND version = ?"


def supersede_args(kind: str, record_id: str, version: int, new_from: date) -> tuple[Any, ...]:
    return ((new_from - timedelta(days=1)).isoformat(), kind, record_id, version)


def insert_versions(sql: Sql, cur: Any, kind: str, items: list[tuple[str, int, NewVersion]],
                    superseded: list[tuple[str, int, date]]) -> None:
    """Close the superseded versions, then add the new current ones (the current-row index needs that order)."""
    if superseded:
        cur.executemany(sql(SUPERSEDE), [supersede_args(kind, rid, ver, vf) for rid, ver, vf in superseded])
    if items:
        cur.executemany(sql(INSERT_VERSION), [_row(kind, rid, ver, v) for rid, ver, v in items])


def put_version(sql: Sql, kind: str, record_id: str | None, v: NewVersion, cur: Any) -> tuple[str, RecordVersion]:
    """Store ``v`` as the next version. Returns ``("written" | "unchanged" | "backdated", version)``:
    equal data is "unchanged" (no new version), a start before the current version's is "backdated"."""
    old = None if record_id is None else get_current(sql, cur, kind, record_id)
    if record_id is None:
        record_id = next_ids(sql, cur, kind, 1)[0]
    if old is not None:
        if dumps(old.data) == v.data_json:
            return "unchanged", old
        if v.valid_from < old.valid_from:
            return "backdated", old
        cur.execute(sql(SUPERSEDE), supersede_args(kind, record_id, old.version, v.valid_from))
    version = 1 if old is None else old.version + 1
    cur.execute(sql(INSERT_VERSION), _row(kind, record_id, version, v))
    return "written", RecordVersion(kind, record_id, version, v.valid_from, None, True, loads(v.data_json),
                                    v.provenance, v.recorded_at)


def record_exists(sql: Sql, cur: Any, kind: str, record_id: str) -> bool:
    cur.execute(sql("SELECT 1 FROM master_records WHERE kind = ? AND id = ? AND is_current"), (kind, record_id))
    return cur.fetchone() is not None


# -- observations ----------------------------------------------------------------------------------------
def upsert_observation(sql: Sql, kind: str, record_id: str, system: str, data_json: str, message_id: str | None,
                       now: float, cur: Any) -> None:
    cur.execute(sql("INSERT INTO observations (kind, canonical_id, system, data, observed_at, message_id) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, canonical_id, system) DO UPDATE SET "
                    "data = excluded.data, observed_at = excluded.observed_at, message_id = excluded.message_id"),
                (kind, record_id, system, data_json, now, message_id))


def observation_page(sql: Sql, cur: Any, kind: str, systems: tuple[str, ...], after: str | None,
                     limit: int) -> Page[ObservationSet, str]:
    where = f"kind = ? AND system IN ({marks(len(systems))})" + (" AND canonical_id > ?" if after else "")
    args: tuple[Any, ...] = (kind, *systems, *((after,) if after else ()))
    cur.execute(sql(f"SELECT DISTINCT canonical_id FROM observations WHERE {where} ORDER BY canonical_id LIMIT ?"),
                (*args, limit + 1))
    ids = [r[0] for r in cur.fetchall()]
    more, ids = len(ids) > limit, ids[:limit]
    if not ids:
        return Page([], None)
    cur.execute(sql(f"SELECT canonical_id, system, data, observed_at, message_id FROM observations WHERE kind = ? "
                    f"AND system IN ({marks(len(systems))}) AND canonical_id IN ({marks(len(ids))})"),
                (kind, *systems, *ids))
    seen: dict[str, dict[str, Observation]] = {i: {} for i in ids}
    for cid, system, data, at, message_id in cur.fetchall():
        seen[cid][system] = Observation(kind, cid, system, loads(data), float(at), message_id)
    cur.execute(sql(f"SELECT {REC_COLS} FROM master_records WHERE kind = ? AND is_current "
                    f"AND id IN ({marks(len(ids))})"), (kind, *ids))
    currents = {r.id: r for r in map(_version, cur.fetchall())}
    items = [ObservationSet(kind, i, currents.get(i), seen[i]) for i in ids]
    return Page(items, ids[-1] if more else None)


# -- change requests -------------------------------------------------------------------------------------
CR_COLS = ("id, kind, canonical_id, system, diff, state, message_id, created_at, decided_at, decided_by, reason, "
           "applied_version")


def _change_request(row: Any) -> ChangeRequest:
    return ChangeRequest(int(row[0]), row[1], row[2], row[3], loads(row[4]), row[5], row[6], float(row[7]),
                         row[8], row[9], row[10], row[11])


def insert_change_request(sql: Sql, kind: str, record_id: str, system: str, diff_json: str, message_id: str | None,
                          now: float, cur: Any) -> ChangeRequest | None:
    """A new open request, or ``None`` when the record does not exist."""
    if not record_exists(sql, cur, kind, record_id):
        return None
    cur.execute(sql(f"INSERT INTO change_requests (kind, canonical_id, system, diff, state, message_id, created_at) "
                    f"VALUES (?, ?, ?, ?, 'open', ?, ?) RETURNING {CR_COLS}"),
                (kind, record_id, system, diff_json, message_id, now))
    return _change_request(cur.fetchone())


def get_change_request(sql: Sql, cur: Any, request_id: int) -> ChangeRequest | None:
    cur.execute(sql(f"SELECT {CR_COLS} FROM change_requests WHERE id = ?"), (request_id,))
    row = cur.fetchone()
    return None if row is None else _change_request(row)


def list_change_requests(sql: Sql, cur: Any, filters: dict[str, Any], after: int | None,
                         limit: int) -> Page[ChangeRequest, int]:
    where, args = _filters(filters, after)
    cur.execute(sql(f"SELECT {CR_COLS} FROM change_requests {where} ORDER BY id LIMIT ?"), (*args, limit + 1))
    rows = [_change_request(r) for r in cur.fetchall()]
    return Page(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def decide_change_request(sql: Sql, request_id: int, state: str, by: str, reason: str, now: float,
                          apply: tuple[str, str, int, NewVersion] | None, cur: Any) -> tuple[str, ChangeRequest | None]:
    """Close an open request as ``state``; with ``apply`` (kind, id, expected version, new version) also write
    the record. Returns ``("ok" | "not_open" | "stale", request)``; "stale": the record moved on meanwhile.
    Nothing is written unless the answer is "ok"."""
    if apply is not None:
        kind, record_id, expected, v = apply
        if current_versions(sql, cur, kind, [record_id]).get(record_id) != expected:
            return "stale", None
    cur.execute(sql(f"UPDATE change_requests SET state = ?, decided_at = ?, decided_by = ?, reason = ?, "
                    f"applied_version = ? WHERE id = ? AND state = 'open' RETURNING {CR_COLS}"),
                (state, now, by, reason, None if apply is None else apply[2] + 1, request_id))
    row = cur.fetchone()
    if row is None:
        return "not_open", get_change_request(sql, cur, request_id)
    if apply is not None:
        insert_versions(sql, cur, kind, [(record_id, expected + 1, v)], [(record_id, expected, v.valid_from)])
    return "ok", _change_request(row)


def _filters(filters: dict[str, Any], after: int | None) -> tuple[str, list[Any]]:
    where, args = [], []
    for column, value in filters.items():
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if after is not None:
        where.append("id > ?")
        args.append(after)
    return (f"WHERE {' AND '.join(where)}" if where else ""), args


# -- exceptions worklist ---------------------------------------------------------------------------------
EXC_COLS = ("id, type, subject_kind, subject_id, detail, state, occurrences, created_at, last_seen_at, resolved_at, "
            "resolved_by, resolution")


def _exception(row: Any) -> ExceptionItem:
    return ExceptionItem(int(row[0]), row[1], row[2], row[3], loads(row[4]), row[5], int(row[6]), float(row[7]),
                         float(row[8]), row[9], row[10], row[11])


def upsert_exception(sql: Sql, cur: Any, type_: str, subject_kind: str, subject_id: str | None, detail_json: str,
                     dedup_key: str | None, now: float) -> int:
    """Open a worklist entry; the same ``dedup_key`` while still open counts another occurrence instead."""
    cur.execute(sql("INSERT INTO exceptions (type, subject_kind, subject_id, detail, state, dedup_key, occurrences, "
                    "created_at, last_seen_at) VALUES (?, ?, ?, ?, 'open', ?, 1, ?, ?) "
                    "ON CONFLICT (dedup_key) WHERE state = 'open' AND dedup_key IS NOT NULL DO UPDATE SET "
                    "occurrences = exceptions.occurrences + 1, last_seen_at = excluded.last_seen_at RETURNING id"),
                (type_, subject_kind, subject_id, detail_json, dedup_key, now, now))
    return int(cur.fetchone()[0])


def raise_exception(sql: Sql, type_: str, subject_kind: str, subject_id: str | None, detail_json: str,
                    dedup_key: str | None, now: float, cur: Any) -> int:
    return upsert_exception(sql, cur, type_, subject_kind, subject_id, detail_json, dedup_key, now)


def get_exception(sql: Sql, cur: Any, exception_id: int) -> ExceptionItem | None:
    cur.execute(sql(f"SELECT {EXC_COLS} FROM exceptions WHERE id = ?"), (exception_id,))
    row = cur.fetchone()
    return None if row is None else _exception(row)


def list_exceptions(sql: Sql, cur: Any, filters: dict[str, Any], after: int | None,
                    limit: int) -> Page[ExceptionItem, int]:
    where, args = _filters(filters, after)
    cur.execute(sql(f"SELECT {EXC_COLS} FROM exceptions {where} ORDER BY id LIMIT ?"), (*args, limit + 1))
    rows = [_exception(r) for r in cur.fetchall()]
    return Page(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def resolve_exception(sql: Sql, exception_id: int, by: str, resolution: str, now: float,
                      cur: Any) -> ExceptionItem | None:
    """Close an open entry; ``None`` when it is not open (or does not exist)."""
    cur.execute(sql(f"UPDATE exceptions SET state = 'resolved', resolved_at = ?, resolved_by = ?, resolution = ? "
                    f"WHERE id = ? AND state = 'open' RETURNING {EXC_COLS}"), (now, by, resolution, exception_id))
    row = cur.fetchone()
    return None if row is None else _exception(row)
