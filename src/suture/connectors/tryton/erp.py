"""Tryton ERP 7.0 behind Suture's :class:`~suture.connectors.erp.ErpPort`, over JSON-RPC only.

What is pulled (mappings in :mod:`suture.transforms.tryton`):

* ``item``: ``product.product`` whose template type is in ``item_types`` (goods and assets by default)
* ``vendor``: ``party.party`` that supply something: named in a product's supplier list
  (``purchase.product_supplier``) or in the party category ``vendor_category``
* ``location``: ``stock.location`` of type warehouse, storage, production or view
* ``cost_center``: ``analytic_account.account`` of type normal, when the analytic module is activated

Tryton has no change events, so ``pull(kind, since)`` asks for records whose ``write_date``/``create_date``
(or that of a part: template, identifiers, supplier codes) is at or after ``since``. Inactive records are
included (``active_test: False``), so a deactivation reaches Suture as ``status="inactive"``.

A deleted record leaves nothing to pull: ``existing_ids(kind)`` lists the ids (and active flags) of every row
of the kind's model, deactivated ones included, a large page at a time.

``push`` writes an item's template, variant and supplier code in one ``product.template.write`` call, so an
update applies whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from suture.canonical.base import ExternalId
from suture.canonical.ownership import OwnershipMatrix
from suture.connectors.erp import ErpKind, ErpRecord
from suture.connectors.tryton.client import Record, TrytonClient
from suture.errors import PermanentError
from suture.transforms import tryton as tx

ALL: dict[str, bool] = {"active_test": False}  # context: see deactivated records too
MODULES_OF_INTEREST = ("product", "purchase", "stock", "stock_lot", "account_invoice", "analytic_account")
# The Tryton model behind each kind (``pull`` narrows it further: template type, supplier role, location type).
MODEL_OF: dict[ErpKind, str] = {"item": "product.product", "vendor": "party.party", "location": "stock.location",
                                "cost_center": "analytic_account.account"}
ID_PAGE_SIZE = 10_000  # rows of (id, active) per call when listing what exists: small rows, few calls


class TrytonErp:
    """An :class:`~suture.connectors.erp.ErpPort` on a :class:`TrytonClient`.

    ``matrix``: when given, ``push`` refuses fields it does not let Suture write to ``system``.
    """

    def __init__(self, client: TrytonClient, *, system: str = "erp", matrix: OwnershipMatrix | None = None,
                 item_types: Sequence[str] = ("goods", "assets"), vendor_category: str | None = "Supplier",
                 page_size: int = 500) -> None:
        self.client, self.system, self.matrix = client, system, matrix
        self.item_types, self.vendor_category, self.page_size = tuple(item_types), vendor_category, page_size
        self._modules: frozenset[str] | None = None

    async def __aenter__(self) -> TrytonErp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.client.close()

    async def modules(self) -> frozenset[str]:
        """The activated Tryton modules Suture cares about (read once)."""
        if self._modules is None:
            rows = await self.client.search_read(
                "ir.module", [("name", "in", list(MODULES_OF_INTEREST)), ("state", "=", "activated")], ["name"])
            self._modules = frozenset(r["name"] for r in rows)
        return self._modules

    async def kinds(self) -> frozenset[ErpKind]:
        modules = await self.modules()
        kinds: set[ErpKind] = {"vendor"}
        if "product" in modules:
            kinds.add("item")
        if "stock" in modules:
            kinds.add("location")
        if "analytic_account" in modules:
            kinds.add("cost_center")
        return frozenset(kinds)

    # --- pull ------------------------------------------------------------------------------------------------

    async def pull(self, kind: ErpKind, since: datetime | None = None) -> list[ErpRecord]:
        since = _utc(since)
        if kind not in await self.kinds():
            raise PermanentError(f"tryton: this database holds no {kind} records (module not activated)")
        if kind == "item":
            records = await self._pull_items(since)
        elif kind == "vendor":
            records = await self._pull_vendors(since)
        elif kind == "location":
            records = await self._pull_locations(since)
        else:
            records = await self._pull_cost_centers(since)
        return sorted(records, key=lambda r: (r.write_date, int(r.erp_id)))

    async def _pull_items(self, since: datetime | None) -> list[ErpRecord]:
        modules = await self.modules()
        parts = ["", "template.", "identifiers."]
        if "purchase" in modules:
            parts.append("template.product_suppliers.")
        domain: list[Any] = [("template.type", "in", list(self.item_types)), *_changed_since(since, parts)]
        rows = await self._read_all("product.product", domain, tx.product_fields(modules))
        return [self._record("item", row, tx.product_to_item) for row in rows]

    async def _pull_vendors(self, since: datetime | None) -> list[ErpRecord]:
        modules = await self.modules()
        suppliers, new_links = await self._supplier_parties(since, "purchase" in modules)
        is_supplier: list[Any] = [("id", "in", sorted(suppliers))]
        if self.vendor_category:
            is_supplier = ["OR", *is_supplier, ("categories.name", "=", self.vendor_category)]
        changed = _changed_since(since, ["", "identifiers."])
        if changed and new_links:  # a party that just became a supplier is new to Suture
            changed = [["OR", *changed, ("id", "in", sorted(new_links))]]
        rows = await self._read_all("party.party", [is_supplier, *changed], tx.party_fields(modules))
        return [self._record("vendor", row, tx.party_to_vendor) for row in rows]

    async def _supplier_parties(self, since: datetime | None, purchase: bool) -> tuple[set[int], set[int]]:
        """Parties named in any product's supplier list, and those named in entries made since ``since``."""
        if not purchase:
            return set(), set()
        rows = await self._read_all("purchase.product_supplier", [], ["party", "create_date", "write_date"])
        parties = {r["party"] for r in rows if r.get("party")}
        new = {r["party"] for r in rows
               if r.get("party") and since is not None and (tx.changed_at(r) or since) >= since}
        return parties, new

    async def _pull_locations(self, since: datetime | None) -> list[ErpRecord]:
        domain = [("type", "in", sorted(tx.LOCATION_KINDS)), *_changed_since(since, [""])]
        rows = await self._read_all("stock.location", domain, tx.LOCATION_FIELDS)
        return [self._record("location", row, tx.location_to_location) for row in rows]

    async def _pull_cost_centers(self, since: datetime | None) -> list[ErpRecord]:
        domain = [("type", "=", "normal"), *_changed_since(since, [""])]
        rows = await self._read_all("analytic_account.account", domain, tx.ANALYTIC_FIELDS)
        return [self._record("cost_center", row, tx.analytic_to_cost_center) for row in rows]

    async def _read_all(self, model: str, domain: list[Any], fields: Sequence[str],
                        page_size: int | None = None) -> list[Record]:
        """Every matching row, a page at a time, keyed on id so rows changing meanwhile are neither skipped
        nor repeated."""
        size = page_size or self.page_size
        rows: list[Record] = []
        last = 0
        while True:
            page = await self.client.search_read(model, [*domain, ("id", ">", last)], fields, limit=size,
                                                 order=[("id", "ASC")], context=ALL)
            rows.extend(page)
            if len(page) < size:
                return rows
            last = page[-1]["id"]

    # --- what exists -----------------------------------------------------------------------------------------

    async def existing_ids(self, kind: ErpKind) -> dict[str, bool]:
        if kind not in await self.kinds():
            raise PermanentError(f"tryton: this database holds no {kind} records (module not activated)")
        rows = await self._read_all(MODEL_OF[kind], [], ["active"], page_size=ID_PAGE_SIZE)
        return {str(row["id"]): bool(row["active"]) for row in rows}  # SQLite hands booleans out as 0/1

    def _record(self, kind: ErpKind, row: Record, mapping: Callable[[Record, str], tuple[Any, ...]]) -> ErpRecord:
        """Map one row; a row that cannot be canonical becomes a record with a ``problem``."""
        stamp = tx.changed_at(row)
        if stamp is None:  # Tryton sets create_date on every record; a row without one is not a record
            raise PermanentError(f"tryton: {kind} {row['id']} has no create_date")
        key = ExternalId(system=self.system, namespace=kind, value=str(row["id"]))
        try:
            model, ids, *rest = mapping(row, self.system)
        except ValidationError as exc:
            return ErpRecord(kind, str(row["id"]), stamp, None, (key,), problem=_problem(exc))
        return ErpRecord(kind, str(row["id"]), stamp, model, tuple(ids), dict(rest[0]) if rest else {})

    # --- push ------------------------------------------------------------------------------------------------

    async def push(self, kind: ErpKind, erp_id: str, fields: Mapping[str, Any]) -> None:
        self._check_allowed(kind, fields)
        tx.refuse_unmapped(kind, fields)
        if not fields:
            return
        record_id = _tryton_id(erp_id)
        if kind == "item":
            await self._push_item(record_id, fields)
        else:
            model = MODEL_OF[kind]
            values = tx.simple_fields_to_tryton(kind, fields)
            await self._require(model, record_id, kind)
            await self.client.write(model, [record_id], values, context=ALL)

    async def _push_item(self, product_id: int, fields: Mapping[str, Any]) -> None:
        await self._require("product.product", product_id, "item")
        [current] = await self.client.read("product.product", [product_id], tx.ITEM_PUSH_READ, context=ALL)
        plan = tx.item_fields_to_tryton(fields, current)
        values: dict[str, Any] = dict(plan.template)
        if plan.product:
            values["products"] = [["write", [product_id], plan.product]]
        if plan.suppliers:
            values["product_suppliers"] = [["write", [sid], {"code": code}] for sid, code in plan.suppliers.items()]
        if values:
            await self.client.write("product.template", [current["template"]], values, context=ALL)

    def _check_allowed(self, kind: ErpKind, fields: Mapping[str, Any]) -> None:
        if self.matrix is None:
            return
        refused = sorted(f for f in fields if not self.matrix.may_write(self.system, kind, f))
        if refused:
            raise PermanentError(f"tryton: the matrix does not let Suture write {kind} field(s) "
                                 f"{', '.join(refused)} to {self.system}")

    async def _require(self, model: str, record_id: int, kind: str) -> None:
        found = await self.client.search(model, [("id", "=", record_id)], limit=1, context=ALL)
        if not found:
            raise PermanentError(f"tryton: no {kind} with id {record_id}")


def _changed_since(since: datetime | None, parts: list[str]) -> list[Any]:
    """A domain clause: the record, or one of its ``parts`` (``"template."``), written or created since."""
    if since is None:
        return []
    clauses: list[Any] = ["OR"]
    for part in parts:
        clauses += [(f"{part}write_date", ">=", since), (f"{part}create_date", ">=", since)]
    return [clauses]


def _problem(exc: ValidationError) -> str:
    """Which canonical fields refused the ERP's values, and why in general terms: never the values."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['type']}" for e in exc.errors())


def _utc(since: datetime | None) -> datetime | None:
    """A naive ``since`` is taken as UTC, the clock Tryton's stamps use."""
    return since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since


def _tryton_id(erp_id: str) -> int:
    try:
        value = int(erp_id)
    except ValueError:
        value = 0
    if value <= 0:
        raise PermanentError("tryton: an ERP id is a positive integer")
    return value
