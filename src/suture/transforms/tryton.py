"""Tryton ERP records <-> canonical master data.

Pure mappings over the records Tryton's JSON-RPC ``search_read`` returns (decoded: ``Decimal`` and aware
UTC ``datetime`` values, dotted fields nested as ``"template.": {...}``). The connector asks for the fields
listed here, so the mapping and what is read stay side by side.

Pull (Tryton -> canonical), each returning the model and its external ids, the ERP key first:

* ``product.product`` (+ its template) -> :class:`Item`: name, code, default/purchase UoM, list price,
  active, GTINs (``ean`` identifiers), the supplier's product code, ``lot_required``
* ``party.party`` -> :class:`Vendor`: name, code, identifiers, supplier payment term, active
* ``stock.location`` -> :class:`Location`: name, code, type, warehouse, active
* ``analytic_account.account`` -> :class:`CostCenter`: name, code, company, parent, state, active

Push (canonical field updates -> Tryton write values) covers only the fields with a Tryton home; any other
field is refused with :class:`PermanentError`, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Literal

from suture.canonical.base import ExternalId
from suture.canonical.models import CostCenter, FinancialDimensions, Item, Location, UnitConversion, Vendor
from suture.errors import PermanentError

Record = Mapping[str, Any]
LocationKind = Literal["facility", "department", "inventory", "procedure_room", "dock"]

# Tryton UoM symbols -> the codes Suture uses elsewhere (HL7 v2 / UCUM style); others pass through.
UOM_CODES: Final[dict[str, str]] = {"u": "EA"}
# Tryton location types Suture pulls, and what each is canonically. Supplier, customer, lost-and-found and
# drop locations are bookkeeping places, not somewhere supplies are kept.
LOCATION_KINDS: Final[dict[str, LocationKind]] = {
    "warehouse": "facility", "storage": "inventory", "production": "procedure_room", "view": "department"}
GTIN_TYPE: Final = "ean"  # Tryton's identifier type for EAN/GTIN codes (stdnum.ean accepts GTIN-8/12/13/14)

_STAMPS = ("write_date", "create_date")
PRODUCT_FIELDS: Final[tuple[str, ...]] = (
    "code", "active", "write_date", "create_date",
    "default_uom.symbol", "default_uom.factor",
    "identifiers.type", "identifiers.code", "identifiers.write_date", "identifiers.create_date",
    "template.name", "template.code", "template.type", "template.active", "template.list_price",
    "template.write_date", "template.create_date",
)
PURCHASE_FIELDS: Final[tuple[str, ...]] = (
    "template.purchase_uom.symbol", "template.purchase_uom.factor",
    "template.product_suppliers.code", "template.product_suppliers.party", "template.product_suppliers.product",
    "template.product_suppliers.write_date", "template.product_suppliers.create_date",
)
STOCK_LOT_FIELDS: Final[tuple[str, ...]] = ("template.lot_required",)
PARTY_FIELDS: Final[tuple[str, ...]] = (
    "name", "code", "active", "write_date", "create_date",
    "identifiers.type", "identifiers.code", "identifiers.write_date", "identifiers.create_date",
)
PARTY_INVOICE_FIELDS: Final[tuple[str, ...]] = ("supplier_payment_term.name",)
LOCATION_FIELDS: Final[tuple[str, ...]] = (
    "name", "code", "type", "active", "warehouse", "write_date", "create_date")
ANALYTIC_FIELDS: Final[tuple[str, ...]] = (
    "name", "code", "type", "state", "active", "write_date", "create_date",
    "company.rec_name", "parent.name", "parent.type",
)


def product_fields(modules: Iterable[str]) -> tuple[str, ...]:
    """The ``product.product`` fields to read, given Tryton's activated modules.

    >>> "template.lot_required" in product_fields({"product", "stock_lot"})
    True
    """
    active = set(modules)
    return (PRODUCT_FIELDS + (PURCHASE_FIELDS if "purchase" in active else ())
            + (STOCK_LOT_FIELDS if "stock_lot" in active else ()))


def party_fields(modules: Iterable[str]) -> tuple[str, ...]:
    return PARTY_FIELDS + (PARTY_INVOICE_FIELDS if "account_invoice" in set(modules) else ())


def changed_at(record: Record) -> datetime | None:
    """The latest ``write_date``/``create_date`` in a record and everything nested in it (template,
    identifiers, supplier codes): a change to any part is a change to the canonical record.

    >>> from datetime import UTC
    >>> changed_at({"write_date": None, "create_date": datetime(2026, 1, 1, tzinfo=UTC), "template.": {
    ...     "write_date": datetime(2026, 2, 1, tzinfo=UTC)}}).month
    2
    """
    stamps = list(_stamps(record))
    return max(stamps) if stamps else None


def _stamps(value: Any) -> Iterable[datetime]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key in _STAMPS and isinstance(inner, datetime):
                yield inner
            elif isinstance(inner, Mapping | list):
                yield from _stamps(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _stamps(inner)


def product_to_item(record: Record, system: str) -> tuple[Item, list[ExternalId]]:
    """A ``product.product`` record (read with :func:`product_fields`) as an :class:`Item`."""
    template: Record = record["template."]
    product_id = str(record["id"])
    gtins = tuple(_gtin(i["code"]) for i in record.get("identifiers.", []) if i.get("type") == GTIN_TYPE)
    suppliers = _suppliers(template, record["id"])
    item = Item(
        description=template["name"],
        base_uom=uom_code(record["default_uom."]["symbol"]),
        conversions=_conversions(record, template),
        gtins=gtins,
        vendor_catalog_number=next((s["code"] for s in suppliers if s.get("code")), None),
        lot_controlled=bool(template.get("lot_required")),
        price=template.get("list_price"),
        status="active" if record.get("active") and template.get("active", True) else "inactive",
    )
    ids = [ExternalId(system=system, namespace="item", value=product_id)]
    if record.get("code"):
        ids.append(ExternalId(system=system, namespace="item_code", value=record["code"]))
    ids.extend(ExternalId(system="GS1", namespace="GTIN", value=g) for g in gtins)
    ids.extend(ExternalId(system=f"vendor:{s['party']}", namespace="catalog", value=s["code"])
               for s in suppliers if s.get("code") and s.get("party"))
    return item, _unique(ids)


def uom_code(symbol: str) -> str:
    """Tryton's UoM symbol as Suture's unit code.

    >>> uom_code("u"), uom_code("kg")
    ('EA', 'kg')
    """
    return UOM_CODES.get(symbol, symbol)


def _conversions(record: Record, template: Record) -> tuple[UnitConversion, ...]:
    """The purchase UoM as a conversion when it differs from the default: ``1 purchase = f default``."""
    purchase, default = template.get("purchase_uom."), record["default_uom."]
    if not purchase or purchase.get("id") == default.get("id"):
        return ()
    factor = Decimal(str(purchase["factor"])) / Decimal(str(default["factor"]))
    return (UnitConversion(uom=uom_code(purchase["symbol"]), factor=factor.normalize()),)


def _suppliers(template: Record, product_id: int) -> list[Record]:
    """The template's supplier entries that apply to this variant (all variants, or this one)."""
    entries: list[Record] = template.get("product_suppliers.", [])
    return [s for s in entries if s.get("product") in (None, product_id)]


def _gtin(code: str) -> str:
    """GTIN-8/12/13 padded to the 14 digits the crosswalk keys on; anything else unchanged.

    >>> _gtin("0614141999996")
    '00614141999996'
    """
    return code.zfill(14) if code.isdigit() and len(code) in (8, 12, 13) else code


def _unique(ids: list[ExternalId]) -> list[ExternalId]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for ext in ids:
        key = (ext.system, ext.namespace, ext.value)
        if key not in seen:
            seen.add(key)
            out.append(ext)
    return out


def party_to_vendor(record: Record, system: str) -> tuple[Vendor, list[ExternalId]]:
    """A supplier ``party.party`` record (read with :func:`party_fields`) as a :class:`Vendor`."""
    term = record.get("supplier_payment_term.")
    vendor = Vendor(
        name=record["name"],
        payment_terms=term.get("name") if term else None,
        status="active" if record.get("active") else "inactive",
    )
    ids = [ExternalId(system=system, namespace="vendor", value=str(record["id"]))]
    if record.get("code"):
        ids.append(ExternalId(system=system, namespace="vendor_code", value=record["code"]))
    for ident in record.get("identifiers.", []):
        namespace = f"party_identifier:{ident['type']}" if ident.get("type") else "party_identifier"
        ids.append(ExternalId(system=system, namespace=namespace, value=ident["code"]))
    return vendor, _unique(ids)


def location_to_location(record: Record, system: str) -> tuple[Location, list[ExternalId], dict[str, str]]:
    """A ``stock.location`` record as a :class:`Location`, plus links to other ERP records
    (``{"facility": <warehouse id>}`` for a location inside a warehouse)."""
    location = Location(
        name=record["name"],
        kind=LOCATION_KINDS.get(record["type"], "inventory"),
        status="active" if record.get("active") else "inactive",
    )
    ids = [ExternalId(system=system, namespace="location", value=str(record["id"]))]
    if record.get("code"):
        ids.append(ExternalId(system=system, namespace="location_code", value=record["code"]))
    warehouse = record.get("warehouse")
    links = {"facility": str(warehouse)} if warehouse and warehouse != record["id"] else {}
    return location, ids, links


def analytic_to_cost_center(record: Record, system: str) -> tuple[CostCenter, list[ExternalId]]:
    """An ``analytic_account.account`` record as a :class:`CostCenter`; a closed account is inactive."""
    company = record.get("company.") or {}
    parent = record.get("parent.") or {}
    dimensions = FinancialDimensions(
        company=company.get("rec_name") or str(company.get("id", "")) or "-",
        account=record.get("code") or None,
        department=parent.get("name") if parent.get("type") == "view" else None,
    )
    active = bool(record.get("active")) and record.get("state") != "closed"
    center = CostCenter(name=record["name"], dimensions=dimensions, status="active" if active else "inactive")
    ids = [ExternalId(system=system, namespace="cost_center", value=str(record["id"]))]
    if record.get("code"):
        ids.append(ExternalId(system=system, namespace="cost_center_code", value=record["code"]))
    return center, ids


# --- push: canonical field updates -> Tryton write values ---------------------------------------------------

# Canonical item fields Suture can write to Tryton, and where they go.
ITEM_WRITABLE: Final[dict[str, str]] = {
    "description": "product.template name",
    "price": "product.template list_price",
    "status": "product.product active",
    "gtins": "product.identifier (type ean)",
    "vendor_catalog_number": "purchase.product_supplier code",
}
# For the other kinds: canonical field -> Tryton field of the record itself.
SIMPLE_WRITABLE: Final[dict[str, dict[str, str]]] = {
    "vendor": {"name": "name", "status": "active"},
    "location": {"name": "name", "status": "active"},
    "cost_center": {"name": "name", "status": "active"},
}
# What to read of a product before pushing gtins or vendor_catalog_number (their current Tryton rows).
ITEM_PUSH_READ: Final[tuple[str, ...]] = (
    "template", "identifiers.type", "identifiers.code",
    "template.product_suppliers.product", "template.product_suppliers.code",
)


@dataclass(frozen=True)
class ItemWrite:
    """The Tryton writes for one item update: values for the template, for the product (variant), and
    ``suppliers``: ``purchase.product_supplier`` id -> new code."""

    template: dict[str, Any] = field(default_factory=dict)
    product: dict[str, Any] = field(default_factory=dict)
    suppliers: dict[int, str] = field(default_factory=dict)


def refuse_unmapped(kind: str, fields: Iterable[str]) -> None:
    """Raise :class:`PermanentError` naming the fields that have no Tryton home for ``kind``.

    >>> refuse_unmapped("item", ["price", "implantable"])
    Traceback (most recent call last):
    suture.errors.PermanentError: tryton: cannot write item field(s) implantable
    """
    writable = ITEM_WRITABLE if kind == "item" else SIMPLE_WRITABLE.get(kind, {})
    unknown = sorted(f for f in fields if f not in writable)
    if unknown:
        raise PermanentError(f"tryton: cannot write {kind} field(s) {', '.join(unknown)}")


def item_fields_to_tryton(fields: Mapping[str, Any], current: Record | None = None) -> ItemWrite:
    """Canonical item fields -> Tryton writes. ``current`` is the product read with :data:`ITEM_PUSH_READ`
    (needed for ``gtins`` and ``vendor_catalog_number``, which live in rows of their own).

    >>> w = item_fields_to_tryton({"description": "Hip stem", "price": "12.50", "status": "inactive"})
    >>> w.template, w.product
    ({'name': 'Hip stem', 'list_price': Decimal('12.50')}, {'active': False})
    """
    refuse_unmapped("item", fields)
    out = ItemWrite()
    if "description" in fields:
        out.template["name"] = _text(fields["description"], "description")
    if "price" in fields:
        out.template["list_price"] = _price(fields["price"])
    if "status" in fields:
        out.product["active"] = fields["status"] == "active"
    if "gtins" in fields:
        actions = _identifier_actions(_require(current, "gtins"), fields["gtins"] or ())
        if actions:
            out.product["identifiers"] = actions
    if "vendor_catalog_number" in fields:
        out.suppliers.update(_supplier_codes(_require(current, "vendor_catalog_number"),
                                             fields["vendor_catalog_number"]))
    return out


def simple_fields_to_tryton(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical vendor/location/cost-center fields -> values for ``write`` on the record itself.

    >>> simple_fields_to_tryton("vendor", {"name": "Acme", "status": "blocked"})
    {'name': 'Acme', 'active': False}
    """
    refuse_unmapped(kind, fields)
    mapping = SIMPLE_WRITABLE[kind]
    return {mapping[name]: (value == "active" if name == "status" else _text(value, name))
            for name, value in fields.items()}


def _require(current: Record | None, name: str) -> Record:
    if current is None:
        raise ValueError(f"writing {name} needs the product's current Tryton record")
    return current


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PermanentError(f"tryton: {name} must be a non-empty text")
    return value


def _price(value: Any) -> Decimal | None:
    if value is None:
        return None
    price = Decimal(str(value))
    if not price.is_finite() or price < 0:
        raise PermanentError("tryton: price must be a number >= 0")
    return price


def _identifier_actions(current: Record, gtins: Sequence[str]) -> list[list[Any]]:
    """One2Many actions that make the product's ``ean`` identifiers exactly ``gtins`` (others untouched)."""
    wanted = [_gtin(str(g)) for g in gtins]
    existing = {i["id"]: _gtin(i["code"]) for i in current.get("identifiers.", []) if i.get("type") == GTIN_TYPE}
    delete = sorted(i for i, code in existing.items() if code not in wanted)
    create = [{"type": GTIN_TYPE, "code": g} for g in dict.fromkeys(wanted) if g not in existing.values()]
    actions: list[list[Any]] = []
    if delete:
        actions.append(["delete", delete])
    if create:
        actions.append(["create", create])
    return actions


def _supplier_codes(current: Record, code: Any) -> dict[int, str]:
    """The supplier entry that carries the vendor catalog number: the first one for this variant."""
    template = current.get("template.") or {}
    suppliers = _suppliers(template, current["id"])
    if not suppliers:
        raise PermanentError("tryton: item has no supplier entry to carry vendor_catalog_number")
    return {suppliers[0]["id"]: _text(code, "vendor_catalog_number")}
