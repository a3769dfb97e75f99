"""CSV rows -> canonical master data: the one column layout shared by the bulk importer and CSV feeds.

The bulk importer (:mod:`suture.store.csv_import`) and the ``csv-items`` / ``csv-vendors`` channel feeds read
a file through this module, so the same file gives the same fields and external ids either way. A header
row, then one record per row. Item columns, all optional but ``description`` for new items, in any order:

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

Vendor columns: ``id``, ``name``, ``duns``, ``gln``, ``status``, ``payment_terms``, ``xref:...``.

A column present in the header says what the field is: an empty cell sets the field to its default (none,
false, empty), except a required field, which is left out (the existing record keeps its value). A column
absent from the header leaves the field out. Cells are checked against the canonical model's field types
here; rules across fields and required fields need the whole record and are checked where it is stored.

Problems are ``(line, column, message)`` with the line where the row starts (a quoted cell may span
lines); messages never carry cell values. An unknown or repeated column refuses the whole file.

>>> file = csv_to_records("description,price,gtin\\nStent,12.50,614141999996\\n", "item")
>>> record = file.records[0]
>>> record.line, record.fields["price"], record.fields["gtins"]
(2, Decimal('12.50'), ('00614141999996',))
>>> [(x.system, x.namespace) for x in record.external_ids]
[('GS1', 'GTIN')]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from suture.canonical.base import ExternalId, ObjectKind
from suture.canonical.models import MODELS
from suture.errors import Location, RejectedInput
from suture.transforms.master_update import MasterUpdate

Problem = tuple[int, str, str]  # (line, column, message)
Line = tuple[int, list[str]]  # (line where the row starts, cells)
Columns = dict[str, tuple[str, bool]]  # column -> (field, several values separated by '|')

ITEM_TEXT = ("description", "clinical_description", "base_uom", "manufacturer", "manufacturer_catalog_number",
             "vendor_catalog_number", "implantable", "lot_controlled", "serial_controlled", "chargeable",
             "charge_code", "price", "gl_account", "status")
ITEM_COLUMNS: Columns = {**{c: (c, False) for c in ITEM_TEXT}, "gtin": ("gtins", True), "gtins": ("gtins", True)}
VENDOR_COLUMNS: Columns = {c: (c, False) for c in ("name", "duns", "gln", "status", "payment_terms")}
COLUMNS: dict[str, Columns] = {"item": ITEM_COLUMNS, "vendor": VENDOR_COLUMNS}
GTIN_SYSTEM, GTIN_NAMESPACE = "GS1", "GTIN"


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One row: the canonical ``id`` it names (or None), its typed ``fields`` and its ``external_ids``
    (the ``xref:`` columns in header order, then one GS1 GTIN id per GTIN)."""

    line: int
    id: str | None
    fields: dict[str, Any]
    external_ids: tuple[ExternalId, ...]


class CsvRejected(RejectedInput):
    """A CSV file with bad rows; ``problems`` lists every one, the text names the first."""

    def __init__(self, problems: list[Problem], header: list[str]) -> None:
        self.problems = problems
        line, column, message = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        number = header.index(column) + 1 if column in header else None
        reason = f"column {column!r}: {message}{more}" if column else f"{message}{more}"
        super().__init__(reason, Location(line=line, field=number))


def csv_lines(text: str) -> tuple[list[str], Iterator[Line]]:
    """The header and an iterator of (first line number, cells) for the non-blank rows.

    A malformed file raises :class:`~suture.errors.RejectedInput` with the line, while iterating.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise RejectedInput(f"unreadable CSV: {exc}", Location(line=reader.line_num)) from None

    def rows() -> Iterator[Line]:
        end = reader.line_num
        try:
            for cells in reader:
                start, end = end + 1, reader.line_num
                if any(c.strip() for c in cells):
                    yield start, cells
        except csv.Error as exc:  # the csv module's messages name no cell values
            raise RejectedInput(f"unreadable CSV: {exc}", Location(line=end + 1)) from None
    return header, rows()


@dataclass(frozen=True)
class CsvLayout:
    """What each header column means (a field, the id, or external ids) and how to read a row of it."""

    kind: str
    header: list[str]
    fields: dict[int, tuple[str, bool]]
    xrefs: dict[int, tuple[str, str]]
    id_col: int | None
    gtin_xrefs: bool
    cells: TypeAdapter[dict[str, Any]]  # the single-valued fields as the canonical model types them
    # derived from the above, once per file rather than once per row
    _single: tuple[tuple[int, str], ...] = dc_field(init=False)
    _several: tuple[tuple[int, str], ...] = dc_field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_single", tuple((i, f) for i, (f, many) in self.fields.items() if not many))
        object.__setattr__(self, "_several", tuple((i, f) for i, (f, many) in self.fields.items() if many))

    def record(self, line: int, cells: list[str]) -> tuple[CsvRecord | None, list[Problem]]:
        """One row as a record, or its problems (every one found; then no record)."""
        if len(cells) != len(self.header):
            return None, [(line, "", f"has {len(cells)} cells, the header has {len(self.header)}")]
        data, errors = self._fields(line, cells)
        exts = self._external_ids(line, cells, data.get("gtins", ()), errors)
        if errors:
            return None, sorted(errors, key=self._position)
        rid = (cells[self.id_col].strip() or None) if self.id_col is not None else None
        return CsvRecord(line, rid, data, exts), errors

    def column(self, name: str) -> str:
        """The header column a field (or ``xref:<system>:<namespace>``) problem belongs to; ``row`` for the
        whole record. Used for the problems found later, on the whole record or at the crosswalk."""
        base = name.split(".", 1)[0]
        if base.startswith("xref:"):
            system, _, namespace = base.removeprefix("xref:").partition(":")
            column = next((self.header[i] for i, pair in self.xrefs.items() if pair == (system, namespace)), None)
            if column is not None:
                return column
            if (system, namespace) == (GTIN_SYSTEM, GTIN_NAMESPACE) and self.gtin_xrefs:
                base = "gtins"  # the GTIN column's values claim these ids
        for i, (field, _) in self.fields.items():
            if field == base:
                return self.header[i]
        return name or "row"

    def _position(self, problem: Problem) -> int:
        """Problems of a row in the order of their columns."""
        return self.header.index(problem[1]) if problem[1] in self.header else len(self.header)

    def _fields(self, line: int, cells: list[str]) -> tuple[dict[str, Any], list[Problem]]:
        # empty cells are left out here and come back as the field's default (none for required fields)
        given = {name: cell for i, name in self._single if (cell := cells[i].strip())}
        errors: list[Problem] = []
        try:
            data = self.cells.validate_python(given)
        except ValidationError as exc:
            data = {}
            errors += [(line, self.column(str(e["loc"][0])), e["msg"]) for e in exc.errors()]
        for i, name in self._several:
            values = _values(cells[i])
            if name == "gtins":
                data[name], problems = _gtins(values)
                errors += [(line, self.header[i], p) for p in problems]
            else:
                data[name] = tuple(values)
        return data, errors

    def _external_ids(self, line: int, cells: list[str], gtins: tuple[str, ...],
                      errors: list[Problem]) -> tuple[ExternalId, ...]:
        exts = []
        for i, (system, namespace) in self.xrefs.items():
            for value in _values(cells[i]):
                try:
                    exts.append(ExternalId(system=system, namespace=namespace, value=value))
                except ValidationError as exc:
                    errors.append((line, self.header[i], exc.errors()[0]["msg"]))
        if self.gtin_xrefs:  # checked 14-digit values: always valid ids
            exts += [ExternalId(system=GTIN_SYSTEM, namespace=GTIN_NAMESPACE, value=g) for g in gtins]
        return tuple(exts)


def csv_layout(kind: str, header: list[str], columns: Columns | None = None, *,
               gtin_xrefs: bool = True) -> tuple[CsvLayout | None, list[Problem]]:
    """The layout of a header row of ``kind`` records, or the problems with it (all on line 1)."""
    columns = COLUMNS[kind] if columns is None else columns
    fields: dict[int, tuple[str, bool]] = {}
    xrefs: dict[int, tuple[str, str]] = {}
    errors: list[Problem] = []
    id_col = None
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
    single = {f for f, several in fields.values() if not several}
    return CsvLayout(kind, header, fields, xrefs, id_col, gtin_xrefs, _cell_types(kind, single)), []


def _cell_types(kind: str, names: set[str]) -> TypeAdapter[dict[str, Any]]:
    """A validator for just these fields of the kind's model, with the model's types, constraints and
    defaults (in the model's field order, so problems come in a stable order)."""
    model_fields = MODELS[kind].model_fields
    annotated = {n: Annotated[f.annotation, f] for n, f in model_fields.items() if n in names}
    make_type: Any = TypedDict  # a type built at run time, which type checkers cannot follow
    return TypeAdapter[dict[str, Any]](make_type(f"{kind}_cells", annotated, total=False))


@dataclass(frozen=True)
class CsvFile:
    """A whole file read without a problem: its layout (to name columns later) and its records."""

    layout: CsvLayout
    records: list[CsvRecord]


def csv_to_records(text: str, kind: str, *, gtin_xrefs: bool = True) -> CsvFile:
    """Every row of a CSV text as a record, all or nothing: any problem raises :class:`CsvRejected`
    (naming the first problem's line and column; ``problems`` holds them all)."""
    header, rows = csv_lines(text)
    layout, problems = csv_layout(kind, header, gtin_xrefs=gtin_xrefs)
    if layout is None:
        raise CsvRejected(problems, header)
    records = []
    for line, cells in rows:
        record, found = layout.record(line, cells)
        problems += found
        if record is not None:
            records.append(record)
    if problems:
        raise CsvRejected(problems, header)
    return CsvFile(layout, records)


def record_to_update(record: CsvRecord, kind: ObjectKind, system: str) -> MasterUpdate:
    """A row as a feed update from ``system``, keyed by the sender's own id: the row's first external id in
    ``system`` (an ``xref:<system>:...`` column), else its ``id`` as ``(system, kind, id)``. Its other
    external ids are claimed too. A row with neither is refused."""
    own = next((x for x in record.external_ids if x.system == system), None)
    if own is not None:
        others = tuple(x for x in record.external_ids if x is not own)
        return MasterUpdate(kind, own, record.fields, others)
    if record.id is not None:
        return MasterUpdate(kind, ExternalId(system=system, namespace=kind, value=record.id), record.fields,
                            record.external_ids)
    raise RejectedInput(f"the row has no {system} id (an id or xref:{system}:<namespace> column)",
                        Location(line=record.line))


def _values(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def _gtins(values: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """GTIN-8/12/13/14 padded to the 14 digits the crosswalk keys on (as the UDI parser and ERP transforms
    do); a value of another shape or with a wrong check digit is a problem (named by position, not value)."""
    out, problems = [], []
    for n, value in enumerate(values, 1):
        if not (value.isascii() and value.isdigit()) or len(value) not in (8, 12, 13, 14):
            problems.append(f"GTIN {n} is not 8, 12, 13 or 14 digits")
        elif gtin_check_digit(value[:-1]) != int(value[-1]):
            problems.append(f"GTIN {n} has a wrong check digit")
        else:
            out.append(value.zfill(14))
    return tuple(out), problems


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it (weights 3, 1, 3, ... from the right).

    >>> gtin_check_digit("0031234567890")
    6
    """
    total = 3 * sum(map(int, body[::-2])) + sum(map(int, body[-2::-2]))
    return (10 - total % 10) % 10
