"""Bulk import of master data and crosswalk entries from CSV files.

Items (:func:`import_items_csv`) and vendors (:func:`import_vendors_csv`): a header row, then one record per
row, in the column layout of :mod:`suture.transforms.csv_master` (shared with the ``csv-items`` and
``csv-vendors`` channel feeds, so a file means the same either way): ``id`` (the canonical id; empty: the
row is matched through its external ids, else new), the canonical fields, ``gtin``, ``xref:<system>:<namespace>``.
Crosswalk entries (:func:`import_xrefs_csv`): ``kind``, ``canonical_id``, ``system``, ``namespace``, ``value``,
``valid_from``, ``valid_to`` (ISO dates).

A column present in the header says what the field is: an empty cell sets the field to its default (none,
false, empty), except a required field, which keeps the existing record's value. A column absent from the
header leaves the field as it was. Fields CSV cannot express (conversions, par levels, substitutes) are
kept. External ids dropped from a row are not retired (retire them explicitly).

Good rows are imported, bad rows reported as ``(line, column, message)`` with the line where the row starts;
an unknown column refuses the whole file. A row whose external id another record holds is refused and an
``xref_conflict`` exception opened. Rows go to :meth:`MasterStore.bulk_put` ``batch_size`` per transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from suture.canonical.base import ExternalId, Provenance
from suture.canonical.models import MODELS
from suture.store.crosswalk import Key, XrefOutcome
from suture.store.masterdata import BulkRow, MasterStore, model_for
from suture.transforms.csv_master import (
    GTIN_NAMESPACE,
    GTIN_SYSTEM,
    ITEM_COLUMNS,
    VENDOR_COLUMNS,
    Columns,
    CsvLayout,
    Line,
    Problem,
    csv_layout,
    csv_lines,
    gtin_check_digit,
)

Source = Path | str  # a file (UTF-8, BOM allowed): a Path, or a one-line str naming a file; else CSV text
XREF_COLUMNS = ("kind", "canonical_id", "system", "namespace", "value", "valid_from", "valid_to")
__all__ = ["GTIN_NAMESPACE", "GTIN_SYSTEM", "ITEM_COLUMNS", "VENDOR_COLUMNS", "ImportReport", "gtin_check_digit",
           "import_items_csv", "import_records_csv", "import_vendors_csv", "import_xrefs_csv"]


@dataclass
class ImportReport:
    """Rows created, updated (new version or new external ids), unchanged; errors as (line, column, message)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)
    exception_ids: list[int] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """How many rows had an error (and were not imported)."""
        return len({line for line, _, _ in self.errors})


async def import_items_csv(store: MasterStore, source: Source, *, system: str, message_id: str | None = None,
                           batch_size: int = 5000) -> ImportReport:
    """Import items. ``system`` is the provenance (and creator of the external ids)."""
    return await import_records_csv(store, "item", source, ITEM_COLUMNS, system=system, message_id=message_id,
                                    batch_size=batch_size)


async def import_vendors_csv(store: MasterStore, source: Source, *, system: str, message_id: str | None = None,
                             batch_size: int = 5000) -> ImportReport:
    return await import_records_csv(store, "vendor", source, VENDOR_COLUMNS, system=system, message_id=message_id,
                                    batch_size=batch_size)


def _text(source: Source) -> str:
    if isinstance(source, str) and "\n" not in source and source and Path(source).is_file():
        source = Path(source)
    text = source.read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
    return text.removeprefix("\ufeff")


def _batches(rows: Iterator[Line], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def import_records_csv(store: MasterStore, kind: str, source: Source, columns: Columns | None = None, *,
                             system: str, message_id: str | None = None, batch_size: int = 5000,
                             gtin_xrefs: bool = True) -> ImportReport:
    """Import one kind of record from CSV (see the module docstring for the layout)."""
    model_for(kind)
    header, rows = csv_lines(_text(source))
    layout, errors = csv_layout(kind, header, columns, gtin_xrefs=gtin_xrefs)
    report = ImportReport(errors=errors)
    if layout is None:
        return report
    provenance = Provenance(system=system, message_id=message_id, note="csv import")
    claimed: dict[str, int] = {}  # record id -> first line naming it
    matcher = await _Matcher.start(store, kind)
    for batch in _batches(rows, batch_size):
        # one batch at a time: overlapping batches only makes the GIL thrash between the threads
        parsed = await _parse_batch(matcher, layout, batch, claimed, report)
        await _put_batch(store, matcher, layout, *parsed, provenance, report)
    report.errors.sort(key=lambda e: e[0])
    return report


async def _parse_batch(matcher: _Matcher, layout: CsvLayout, batch: list[Line], claimed: dict[str, int],
                       report: ImportReport) -> tuple[list[BulkRow], list[int]]:
    parsed: list[tuple[int, BulkRow]] = []
    for line, cells in batch:
        record, errors = layout.record(line, cells)
        report.errors.extend(errors)
        if record is not None:
            parsed.append((line, (record.id, record.fields, record.external_ids)))
    matched = await matcher.match([row for _, row in parsed])
    rows: list[BulkRow] = []
    lines: list[int] = []
    for (line, (rid, data, exts)), found in zip(parsed, matched, strict=True):
        rid = rid or found
        if rid is not None and rid in claimed:
            report.errors.append((line, "id", f"same record as line {claimed[rid]}"))
            continue
        if rid is not None:
            claimed[rid] = line
        rows.append((rid, data, exts))
        lines.append(line)
    return rows, lines


async def _put_batch(store: MasterStore, matcher: _Matcher, layout: CsvLayout, rows: list[BulkRow], lines: list[int],
                     provenance: Provenance, report: ImportReport) -> None:
    result = await store.bulk_put(layout.kind, rows, provenance, merge=True, batch_size=max(1, len(rows)))
    matcher.learn(rows, result.ids, result.outcomes)
    report.created += result.count("created")
    report.updated += result.count("updated")
    report.unchanged += result.count("unchanged")
    report.exception_ids.extend(result.exception_ids)
    report.errors.extend((lines[index], layout.column(name), message) for index, name, message in result.errors)


@dataclass
class _Matcher:
    """Finds the record an id-less row's external ids already name (the first match wins).

    The store's crosswalk cache answers when it holds the kind. Otherwise the database does, unless the kind
    had no claims when the import began (a first load): then only this import's own claims can match, and
    they are kept here. Matching only decides update-or-create; the write re-checks every claim, so one made
    meanwhile by another writer is refused as a conflict, never overwritten.
    """

    store: MasterStore
    kind: str
    use_db: bool
    local: dict[Key, str] = field(default_factory=dict)

    @classmethod
    async def start(cls, store: MasterStore, kind: str) -> _Matcher:
        cache = store.cache
        use_db = (cache is None or not cache.loaded(kind)) and await store.has_xrefs(kind)
        return cls(store, kind, use_db)

    async def match(self, rows: Sequence[BulkRow]) -> list[str | None]:
        keys: list[Key] = [(e.system, e.namespace, e.value) for rid, _, exts in rows if rid is None for e in exts]
        found = await self._lookup(keys) if keys else {}
        out: list[str | None] = []
        for rid, _, exts in rows:
            hits = [found[k] for e in exts if (k := (e.system, e.namespace, e.value)) in found] if rid is None else []
            out.append(hits[0] if hits else None)
        return out

    async def _lookup(self, keys: list[Key]) -> dict[Key, str]:
        cache = self.store.cache
        if cache is not None and cache.loaded(self.kind):
            return {k: cid for k in keys if (cid := cache.resolve(self.kind, *k)) is not None}
        found = {k: self.local[k] for k in keys if k in self.local}
        if self.use_db:
            found.update(await self.store.resolve_many(self.kind, [k for k in keys if k not in found]))
        return found

    def learn(self, rows: Sequence[BulkRow], ids: Sequence[str | None], outcomes: Sequence[str]) -> None:
        for (_, _, exts), rid, outcome in zip(rows, ids, outcomes, strict=True):
            if rid is not None and outcome != "refused":
                self.local.update(((e.system, e.namespace, e.value), rid) for e in exts)


async def import_xrefs_csv(store: MasterStore, source: Source, *, system: str, message_id: str | None = None,
                           batch_size: int = 5000) -> ImportReport:
    """Import crosswalk entries (kind, canonical_id, system, namespace, value, valid_from, valid_to).
    ``created``: new claims; ``updated``: new validity dates; errors: conflicts, unknown records, bad cells."""
    header, rows = csv_lines(_text(source))
    errors = [(1, h, "unknown column") for h in header if h not in XREF_COLUMNS]
    missing = [c for c in ("kind", "canonical_id", "system", "value") if c not in header]
    errors += [(1, c, "column missing") for c in missing]
    report = ImportReport(errors=errors)
    if errors:
        return report
    col = {name: i for i, name in enumerate(header)}
    for batch in _batches(rows, batch_size):
        parsed: list[tuple[int, tuple[str, str, ExternalId]]] = []
        for line, cells in batch:
            entry, problems = _xref_row(col, line, cells, len(header))
            report.errors.extend(problems)
            if entry is not None:
                parsed.append((line, entry))
        outcomes = await store.bulk_add_xrefs([e for _, e in parsed], system_of_caller=system, message_id=message_id,
                                              batch_size=max(1, len(parsed)))
        for (line, (kind, cid, _)), out in zip(parsed, outcomes, strict=True):
            _count_xref(report, line, kind, cid, out)
    report.errors.sort(key=lambda e: e[0])
    return report


def _xref_row(col: dict[str, int], line: int, cells: list[str],
              width: int) -> tuple[tuple[str, str, ExternalId] | None, list[tuple[int, str, str]]]:
    if len(cells) != width:
        return None, [(line, "", f"has {len(cells)} cells, the header has {width}")]

    def cell(name: str) -> str:
        return cells[col[name]].strip() if name in col else ""

    kind, cid = cell("kind"), cell("canonical_id")
    problems = [(line, name, "must not be empty") for name, v in (("kind", kind), ("canonical_id", cid)) if not v]
    dates: dict[str, date | None] = {}
    for name in ("valid_from", "valid_to"):
        try:
            dates[name] = date.fromisoformat(cell(name)) if cell(name) else None
        except ValueError:
            problems.append((line, name, "expected a date as YYYY-MM-DD"))
    if kind and kind not in MODELS:
        problems.append((line, "kind", "unknown kind"))
    try:
        ext = ExternalId(system=cell("system"), namespace=cell("namespace"), value=cell("value"), **dates)
    except ValidationError as exc:
        return None, problems + [(line, str(e["loc"][0]), e["msg"]) for e in exc.errors()]
    return (None if problems else (kind, cid, ext)), problems


def _count_xref(report: ImportReport, line: int, kind: str, cid: str, out: XrefOutcome) -> None:
    if out.status == "added":
        report.created += 1
    elif out.status == "updated":
        report.updated += 1
    elif out.status == "unchanged":
        report.unchanged += 1
    elif out.status == "missing":
        report.errors.append((line, "canonical_id", f"no {kind} {cid}"))
    else:
        report.errors.append((line, "value", f"already claimed by {out.claimed_by} (exception {out.exception_id})"))
        if out.exception_id is not None:
            report.exception_ids.append(out.exception_id)
