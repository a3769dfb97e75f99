"""X12 832 price catalog -> item master updates from the procurement side.

Each LIN item is keyed by the vendor's catalog number (VN/VC/VP) in the vendor's own namespace; GTINs go to
the crosswalk; the description and the catalog (CAT) or contract (CON) unit price are reported as the
procurement system's view of the item, which the divergence report compares with the ERP's.
"""

from __future__ import annotations

from typing import Any

from suture.canonical.base import ExternalId
from suture.codecs.x12.readers.common import GTIN_QUALIFIERS, VENDOR_QUALIFIERS
from suture.codecs.x12.readers.price_catalog_832 import CatalogItem, PriceCatalog
from suture.errors import Location, RejectedInput
from suture.transforms.master_update import MasterUpdate

PRICE_QUALIFIERS = ("CON", "CAT", "UCP", "PRP", "RES")  # preferred first


def catalog_to_updates(catalog: PriceCatalog, system: str) -> list[MasterUpdate]:
    sellers = [p for p in catalog.parties if p.role in {"VN", "SU", "SE"}] or list(catalog.parties)
    vendor = sellers[0] if sellers else None
    vendor_key = (vendor.id or vendor.name) if vendor else "unknown"
    return [_item(item, system, vendor_key, catalog.currency) for item in catalog.items]


def _item(item: CatalogItem, system: str, vendor_key: str, currency: str) -> MasterUpdate:
    catalog_number = next((i.value for i in item.ids if i.qualifier in VENDOR_QUALIFIERS), None)
    gtins = [i.value.zfill(14) for i in item.ids if i.qualifier in GTIN_QUALIFIERS]
    namespace, key_value = _key(item, catalog_number, gtins)
    fields: dict[str, Any] = {}
    if catalog_number:
        fields["vendor_catalog_number"] = catalog_number
    if item.descriptions:
        fields["description"] = item.descriptions[0]
    price = _price(item)
    if price is not None:
        fields["price"], fields["base_uom"] = price
    ids = tuple(ExternalId(system="GS1", namespace="GTIN", value=g) for g in gtins)
    key = ExternalId(system=system, namespace=f"catalog:{vendor_key}{namespace}", value=key_value)
    return MasterUpdate("item", key, fields, ids)


def _key(item: CatalogItem, catalog_number: str | None, gtins: list[str]) -> tuple[str, str]:
    """Vendor catalog number, else GTIN, else the first id with its qualifier (ISBN, HCPCS, ...)."""
    if catalog_number:
        return "", catalog_number
    if gtins:
        return ":GTIN", gtins[0]
    if item.ids:
        return f":{item.ids[0].qualifier}", item.ids[0].value
    raise RejectedInput(f"832 item {item.line_number} has no product id", Location("LIN"))


def _price(item: CatalogItem) -> tuple[str, str] | None:
    for qualifier in PRICE_QUALIFIERS:
        for p in item.prices:
            if p.qualifier == qualifier and p.amount is not None and (p.quantity in (None, 0, 1)):
                return str(p.amount), p.unit or "EA"
    first = next((p for p in item.prices if p.amount is not None), None)
    return (str(first.amount), first.unit or "EA") if first else None
