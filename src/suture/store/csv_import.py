"""Bulk import of master data and crosswalk entries from CSV files.

Items (:func:`import_items_csv`): a header row, then one item per row. Columns, all optional but
``description`` for new items, in any order:

=============================  ================================================================
``id``                         canonical id; empty: matched through the row's external ids, else new
``description``                ``clinical_description``, ``base_uom``, ``manufacturer``,
                               ``manufacturer_catalog_number``, ``vendor_catalog_number``,
                               ``charge_code``, ``gl_account``: text
``gtin`` (or ``gtins``)        one or more GTINs separated by ``|`` (8, 12, 13 or 14 digits, check
                               digit verified; stored padded to 14); each also claims the crosswalk
                               id (``GS1``, ``GTIN``, value)
``implantable``                ``lot_controlled``, ``serial_controlled``, ``chargeable``: true/false,
                               yes/no, 1/0 (empty: false)
``price``                      decimal, per base unit
``status``                     active, inactive, blocked, discontinued (empty: active)
``xref:<system>:<namespace>``  external ids in that system/namespace (``xref:erp:product``), ``|``
                               between several
=============================  ================================================================

Vendors (:func:`import_vendors_csv`): ``id``, ``name``, ``duns``, ``gln``, ``status``, ``payment_terms``,
``xref:...``. Crosswalk entries (:func:`import_xrefs_csv`): ``kind``, ``canonical_id``, ``system``,
``namespace``, ``value``, ``valid_from``, ``valid_to`` (ISO dates).

A column present in the header says what the field is: an empty cell sets the field to its default (none,
false, empty), except a required field, which keeps the existing record's value. A column absent from the
header leaves the field as it was. Fields CSV cannot express (conversions, par levels, substitutes) are
kept. External ids dropped from a row are not retired (retire them explicitly).

Good rows are imported, bad rows reported as ``(line, column, message)`` with the line where the row starts;
an unknown column refuses the whole file. A row whose external id another record holds is refused and an
``xref_conflict`` exception opened. Rows go to :meth:`MasterStore.bulk_put` ``batch_size`` per transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticUndefined

from suture.canonical.base import ExternalId, Provenance
from suture.canonical.models import MODELS
from suture.store.crosswalk import Key, XrefOutcome
from suture.store.masterdata import BulkRow, MasterStore, model_for

Source = Path | str  # a file (UTF-8, BOM allowed): a Path, or a one-line str naming a file; else CSV text
Line = tuple[int, list[str]]

ITEM_TEXT = ("description", "clinical_description", "base_uom", "manufacturer", "manufacturer_catalog_number",
             "vendor_catalog_number", "implantable", "lot_controlled", "serial_controlled", "chargeable",
             "charge_code", "price", "gl_account", "status")
ITEM_COLUMNS: dict[str, tuple[str, bool]] = {  # column -> (field, several values separated by '|')
    **{c: (c, False) for c in ITEM_TEXT}, "gtin": ("gtins", True), "gtins": ("gtins", True),
}
VENDOR_COLUMNS: dict[str, tuple[str, bool]] = {c: (c, False) for c in ("name", "duns", "gln", "status",
                                                                          "payment_terms")}
XREF_COLUMNS = ("kind", "canonical_id", "system", "namespace", "value", "valid_from", "valid_to")
GTIN_SYSTEM, GTIN_NAMESPACE = "GS1", "GTIN"


@dataclass
class ImportReport:
    """Rows created, updated (new version or new external ids), unchanged; errors as (line, column, message)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
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


def _lines(text: str) -> tuple[list[str], Iterator[Line]]:
    """The header and an iterator of (first line number, cells) for the non-blank rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]

    def rows() -> Iterator[Line]:
        end = reader.line_num
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(c.strip() for c in cells):
                yield start, cells
    return header, rows()


def _batches(rows: Iterator[Line], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class _Layout:
    """What each header column means: a field, the id, or external ids (system, namespace)."""

    kind: str
    header: list[str]
    fields: dict[int, tuple[str, bool]]
    xrefs: dict[int, tuple[str, str]]
    id_col: int | None
    defaults: dict[str, Any]


def _layout(kind: str, header: list[str], columns: dict[str, tuple[str, bool]]) -> tuple[_Layout | None,
                                                                                        list[tuple[int, str, str]]]:
    fields: dict[int, tuple[str, bool]] = {}
    xrefs: dict[int, tuple[str, str]] = {}
    errors, id_col = [], None
    for i, name in enumerate(header):
        if name == "id":
            id_col = i
        elif name in columns:
            fields[i] = columns[name]
        elif name.startswith("xref:") and name.split(":")[1]:
            parts = name.split(":", 2)
            xrefs[i] = (parts[1], parts[2] if len(parts) > 2 else "")
        else:
            errors.append((1, name, "unknown column"))
    if len(set(header)) != len(header):
        errors.append((1, "", "a column name repeats"))
    if not header or errors:
        return None, errors or [(1, "", "no header row")]
    model_fields = model_for(kind).model_fields
    defaults = {f: model_fields[f].get_default(call_default_factory=True) for f, _ in fields.values()}
    return _Layout(kind, header, fields, xrefs, id_col, defaults), []


def _row(layout: _Layout, line: int, cells: list[str],
         gtin_xrefs: bool) -> tuple[BulkRow | None, list[tuple[int, str, str]]]:
    if len(cells) != len(layout.header):
        return None, [(line, "", f"has {len(cells)} cells, the header has {len(layout.header)}")]
    data: dict[str, Any] = {}
    errors = []
    for i, (name, several) in layout.fields.items():
        cell = cells[i].strip()
        if several:
            data[name] = tuple(_values(cell))
            if name == "gtins":
                data[name], problems = _gtins(data[name])
                errors += [(line, layout.header[i], p) for p in problems]
        elif cell:
            data[name] = cell
        elif layout.defaults[name] is not PydanticUndefined:
            data[name] = layout.defaults[name]
    exts = []
    pairs = [(i, s, n, v) for i, (s, n) in layout.xrefs.items() for v in _values(cells[i])]
    if gtin_xrefs:
        pairs += [(-1, GTIN_SYSTEM, GTIN_NAMESPACE, g) for g in data.get("gtins", ())]
    for i, system, namespace, value in pairs:
        try:
            exts.append(ExternalId(system=system, namespace=namespace, value=value))
        except ValidationError as exc:
            column = layout.header[i] if i >= 0 else "gtin"
            errors.append((line, column, exc.errors()[0]["msg"]))
    rid = (cells[layout.id_col].strip() or None) if layout.id_col is not None else None
    return (None if errors else (rid, data, exts)), errors


def _values(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def _gtins(values: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """GTIN-8/12/13/14 padded to the 14 digits the crosswalk keys on (as the UDI parser and ERP transforms
    do); a value of another shape or with a wrong check digit is a problem (named by position, not value)."""
    out, problems = [], []
    for n, value in enumerate(values, 1):
        if not value.isdigit() or len(value) not in (8, 12, 13, 14):
            problems.append(f"GTIN {n} is not 8, 12, 13 or 14 digits")
        elif gtin_check_digit(value[:-1]) != int(value[-1]):
            problems.append(f"GTIN {n} has a wrong check digit")
        else:
            out.append(value.zfill(14))
    return tuple(out), problems


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it.

    >>> gtin_check_digit("0031234567890")
    6
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


async def import_records_csv(store: MasterStore, kind: str, source: Source, columns: dict[str, tuple[str, bool]], *,
                             system: str, message_id: str | None = None, batch_size: int = 5000,
                             gtin_xrefs: bool = True) -> ImportReport:
    """Import one kind of record from CSV (see the module docstring for the layout)."""
    header, rows = _lines(_text(source))
    layout, errors = _layout(kind, header, columns)
    report = ImportReport(errors=errors)
    if layout is None:
        return report
    provenance = Provenance(system=system, message_id=message_id, note="csv import")
    claimed: dict[str, int] = {}  # record id -> first line naming it
    matcher = await _Matcher.start(store, kind)
    for batch in _batches(rows, batch_size):
        # one batch at a time: overlapping batches only makes the GIL thrash between the threads
        parsed = await _parse_batch(matcher, layout, batch, gtin_xrefs, claimed, report)
        await _put_batch(store, matcher, layout, *parsed, provenance, report)
    report.errors.sort(key=lambda e: e[0])
    return report


async def _parse_batch(matcher: _Matcher, layout: _Layout, batch: list[Line], gtin_xrefs: bool,
                       claimed: dict[str, int], report: ImportReport) -> tuple[list[BulkRow], list[int]]:
    parsed: list[tuple[int, BulkRow]] = []
    for line, cells in batch:
        row, errors = _row(layout, line, cells, gtin_xrefs)
        report.errors.extend(errors)
        if row is not None:
            parsed.append((line, row))
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


async def _put_batch(store: MasterStore, matcher: _Matcher, layout: _Layout, rows: list[BulkRow], lines: list[int],
                     provenance: Provenance, report: ImportReport) -> None:
    result = await store.bulk_put(layout.kind, rows, provenance, merge=True, batch_size=max(1, len(rows)))
    matcher.learn(rows, result.ids, result.outcomes)
    report.created += result.count("created")
    report.updated += result.count("updated")
    report.unchanged += result.count("unchanged")
    report.exception_ids.extend(result.exception_ids)
    to_column = {f: layout.header[i] for i, (f, _) in layout.fields.items()}
    if "gtins" in to_column and f"xref:{GTIN_SYSTEM}:{GTIN_NAMESPACE}" not in layout.header:
        to_column[f"xref:{GTIN_SYSTEM}:{GTIN_NAMESPACE}"] = to_column["gtins"]
    for index, name, message in result.errors:
        base = name.split(".", 1)[0]
        report.errors.append((lines[index], to_column.get(base, name or "row"), message))


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
    header, rows = _lines(_text(source))
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
