"""832 Price/Sales Catalog: header (BCT, CUR, REF, DTM, N1 loops, CTP) and one item per LIN loop."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Transaction
from ..segment import Segment
from .collect import Loops, Segments, elements, walk
from .common import (
    GTIN_QUALIFIERS,
    NDC_QUALIFIERS,
    VENDOR_QUALIFIERS,
    DateTime,
    ItemId,
    Pack,
    Party,
    Price,
    Reference,
    find_date,
    find_party,
    item_ids,
    pick,
    require,
)


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One LIN loop: line number (LIN01), ids (LIN02.. pairs), PID descriptions, CTP prices, DTM dates,
    REF references, PO4 packs, a CUR currency and item-level N1 parties."""

    line_number: str
    ids: tuple[ItemId, ...]
    descriptions: tuple[str, ...]
    prices: tuple[Price, ...]
    dates: tuple[DateTime, ...]
    references: tuple[Reference, ...]
    packs: tuple[Pack, ...]
    currency: str
    parties: tuple[Party, ...]

    def id(self, *qualifiers: str) -> str | None:
        """The value of the first id with one of ``qualifiers``, in the order given."""
        return pick(self.ids, qualifiers)

    @property
    def vendor_item_number(self) -> str | None:
        """VN vendor item, else VC vendor catalog, else VP vendor part number."""
        return pick(self.ids, VENDOR_QUALIFIERS)

    @property
    def gtin(self) -> str | None:
        """UK (GTIN-14), else EN (EAN-13), UP (U.P.C.) or UA (case code), as written."""
        return pick(self.ids, GTIN_QUALIFIERS)

    @property
    def manufacturer_part_number(self) -> str | None:
        """MG."""
        return pick(self.ids, ("MG",))

    @property
    def ndc(self) -> str | None:
        """N4 (NDC 5-4-2), else ND, N1, N2 or N3."""
        return pick(self.ids, NDC_QUALIFIERS)

    @property
    def effective_date(self) -> str | None:
        """DTM*007 in the item's loop."""
        return find_date(self.dates, "007")


@dataclass(frozen=True, slots=True)
class PriceCatalog:
    """An 832. ``purpose`` is BCT01 (PC price catalog, PS price sheet, RC resale catalog, ...),
    ``transaction_purpose`` BCT10 (00 original, 05 replace, ...). ``declared_item_count`` is CTT01."""

    purpose: str
    catalog_number: str
    catalog_version: str
    catalog_revision: str
    transaction_purpose: str
    currency: str
    references: tuple[Reference, ...]
    dates: tuple[DateTime, ...]
    parties: tuple[Party, ...]
    prices: tuple[Price, ...]
    items: tuple[CatalogItem, ...]
    declared_item_count: int | None

    @property
    def vendor(self) -> Party | None:
        """The N1 loop of the vendor: role VN, else SU (supplier), SE (selling party), MF (manufacturer)."""
        return find_party(self.parties, "VN", "SU", "SE", "MF")

    @property
    def effective_date(self) -> str | None:
        """Header DTM*007."""
        return find_date(self.dates, "007")

    @property
    def expiration_date(self) -> str | None:
        """Header DTM*036."""
        return find_date(self.dates, "036")


class _Item(Segments):
    def __init__(self, lin: Segment) -> None:
        super().__init__("PID", "CTP", "DTM", "REF", "PO4", "CUR")
        self.lin = lin

    def build(self) -> CatalogItem:
        return CatalogItem(
            self.lin.get(1), item_ids(self.lin, 2), tuple(self.descriptions), tuple(self.prices), tuple(self.dates),
            tuple(self.references), tuple(self.packs), self.currency, self.parties.close(),
        )  # fmt: skip


def read_price_catalog(tx: Transaction) -> PriceCatalog:
    """Read an 832 transaction set.

    >>> from suture.codecs.x12 import parse
    >>> ix = parse(b"ISA*00*          *00*          *ZZ*VENDOR         *ZZ*HOSPITAL       *240101*1200*U*00401*"
    ...     b"000000001*0*P*>~GS*SC*VENDOR*HOSPITAL*20240101*1200*1*X*004010~ST*832*0001~BCT*PC*CAT-2024~"
    ...     b"LIN*1*VN*ST-100*UK*00812345678905~PID*F****SUTURE 3-0 NYLON~CTP**CAT*12.50*1*BX~CTP**CAT*11.75*10*BX~"
    ...     b"CTT*1~SE*8*0001~GE*1*1~IEA*1*000000001~")
    >>> catalog = read_price_catalog(ix.transactions[0])
    >>> item = catalog.items[0]
    >>> item.vendor_item_number, item.gtin, item.descriptions[0]
    ('ST-100', '00812345678905', 'SUTURE 3-0 NYLON')
    >>> [(p.qualifier, str(p.amount), str(p.quantity), p.unit) for p in item.prices]
    [('CAT', '12.50', '1', 'BX'), ('CAT', '11.75', '10', 'BX')]
    """
    require(tx, "832")
    bct = tx.segment("BCT")
    header = Segments("CUR", "REF", "DTM", "CTP")
    items = Loops(_Item, _Item.build)
    declared = walk(tx.body, "LIN", items, header)
    built = items.close()
    get = elements(bct)
    return PriceCatalog(
        get(1), get(2), get(3), get(4), get(10), header.currency, tuple(header.references), tuple(header.dates),
        header.parties.close(), tuple(header.prices), built, declared,
    )  # fmt: skip
