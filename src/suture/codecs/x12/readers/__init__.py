"""Typed readers: one transaction set -> a small frozen dataclass, one module per set.

Readers are pure functions over a parsed ``Transaction``. They read what the standard puts where and keep
identifiers as (qualifier, value) pairs, leaving partner-specific meaning to transforms. A number that
does not parse raises ``X12ReadError`` naming segment, element and line (never the value).
"""

from .common import Contact, DateTime, ItemId, Pack, Party, Price, Reference
from .invoice_810 import Charge, Invoice, InvoiceLine, Terms, read_invoice
from .price_catalog_832 import CatalogItem, PriceCatalog, read_price_catalog
from .purchase_order_850 import OrderLine, PurchaseOrder, read_purchase_order
from .purchase_order_ack_855 import LineAck, PurchaseOrderAck, PurchaseOrderAckLine, read_purchase_order_ack
from .ship_notice_856 import HierarchyLevel, ShipNotice, ShippedItem, read_ship_notice

__all__ = [
    "CatalogItem",
    "Charge",
    "Contact",
    "DateTime",
    "HierarchyLevel",
    "Invoice",
    "InvoiceLine",
    "ItemId",
    "LineAck",
    "OrderLine",
    "Pack",
    "Party",
    "Price",
    "PriceCatalog",
    "PurchaseOrder",
    "PurchaseOrderAck",
    "PurchaseOrderAckLine",
    "Reference",
    "ShipNotice",
    "ShippedItem",
    "Terms",
    "read_invoice",
    "read_price_catalog",
    "read_purchase_order",
    "read_purchase_order_ack",
    "read_ship_notice",
]
