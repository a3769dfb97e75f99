"""850 Purchase Order: BEG header, REF/DTM/PER/N1 loops, one line per PO1 loop, CTT/AMT summary."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..model import Transaction
from ..segment import Segment
from .collect import Loops, Segments, count, elements
from .common import (
    GTIN_QUALIFIERS,
    VENDOR_QUALIFIERS,
    Contact,
    DateTime,
    ItemId,
    Pack,
    Party,
    Price,
    Reference,
    find_party,
    item_ids,
    number,
    pick,
    require,
)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One PO1 loop: line number (PO101), quantity (PO102), unit (PO103), unit price (PO104), price basis
    (PO105), ids (PO106.. pairs), PID descriptions, REF, DTM, PO4 packs, line-level N1 parties, MSG notes
    and CTP prices."""

    line_number: str
    quantity: Decimal | None
    unit: str
    unit_price: Decimal | None
    price_basis: str
    ids: tuple[ItemId, ...]
    descriptions: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DateTime, ...] = ()
    packs: tuple[Pack, ...] = ()
    parties: tuple[Party, ...] = ()
    notes: tuple[str, ...] = ()
    prices: tuple[Price, ...] = ()

    def id(self, *qualifiers: str) -> str | None:
        """The value of the first id with one of ``qualifiers``, in the order given."""
        return pick(self.ids, qualifiers)

    @property
    def vendor_item_number(self) -> str | None:
        """VN, else VC, else VP."""
        return pick(self.ids, VENDOR_QUALIFIERS)

    @property
    def buyer_item_number(self) -> str | None:
        """BP (buyer's part number), else IN (buyer's item number)."""
        return pick(self.ids, ("BP", "IN"))

    @property
    def gtin(self) -> str | None:
        """UK, EN, UP or UA, as written."""
        return pick(self.ids, GTIN_QUALIFIERS)


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """An 850. ``purpose`` is BEG01 (00 original, 05 replace, ...), ``order_type`` BEG02 (SA stand-alone,
    NE new, ...), ``date`` BEG05. ``declared_line_count`` is CTT01, ``amounts`` the AMT (qualifier, amount)
    pairs of the summary."""

    purpose: str
    order_type: str
    po_number: str
    release_number: str
    date: str
    contract_number: str
    currency: str
    references: tuple[Reference, ...]
    dates: tuple[DateTime, ...]
    contacts: tuple[Contact, ...]
    parties: tuple[Party, ...]
    notes: tuple[str, ...]
    lines: tuple[OrderLine, ...]
    declared_line_count: int | None
    declared_quantity_total: Decimal | None
    amounts: tuple[tuple[str, Decimal | None], ...]

    def party(self, *roles: str) -> Party | None:
        """The first N1 loop with one of ``roles`` (ST ship-to, BT bill-to, BY buyer, VN/SU vendor)."""
        return find_party(self.parties, *roles)


class _Line(Segments):
    def __init__(self, po1: Segment) -> None:
        super().__init__("CTP", "PID", "REF", "DTM", "PO4", "MSG")
        self.po1 = po1

    def build(self) -> OrderLine:
        po1 = self.po1
        return OrderLine(
            po1.get(1), number(po1, 2), po1.get(3), number(po1, 4), po1.get(5), item_ids(po1, 6),
            tuple(self.descriptions), tuple(self.references), tuple(self.dates), tuple(self.packs),
            self.parties.close(), tuple(self.notes), tuple(self.prices),
        )  # fmt: skip


def read_purchase_order(tx: Transaction) -> PurchaseOrder:
    """Read an 850 transaction set.

    >>> from suture.codecs.x12 import parse
    >>> ix = parse(b"ISA*00*          *00*          *ZZ*HOSPITAL       *ZZ*VENDOR         *240101*1200*U*00401*"
    ...     b"000000001*0*P*>~GS*PO*HOSPITAL*VENDOR*20240101*1200*1*X*004010~ST*850*0001~BEG*00*SA*PO-77**20240101~"
    ...     b"N1*ST*MAIN OR*92*OR1~PO1*1*4*BX*85.00**VN*ST-100*BP*4471~PID*F****SUTURE 3-0~CTT*1*4~SE*7*0001~GE*1*1~"
    ...     b"IEA*1*000000001~")
    >>> po = read_purchase_order(ix.transactions[0])
    >>> line = po.lines[0]
    >>> po.po_number, po.party("ST").name, line.quantity, line.unit, line.unit_price, line.vendor_item_number
    ('PO-77', 'MAIN OR', Decimal('4'), 'BX', Decimal('85.00'), 'ST-100')
    """
    require(tx, "850")
    beg = tx.segment("BEG")
    header = Segments("CUR", "REF", "DTM", "PER", "MSG")
    lines = Loops(_Line, _Line.build)
    ctt: Segment | None = None
    amounts: list[tuple[str, Decimal | None]] = []
    for seg in tx.body:
        if seg.id == "PO1":
            lines.open(seg)
        elif seg.id == "CTT":
            ctt = seg
        elif seg.id == "AMT" and (ctt is not None or lines.current is None):
            amounts.append((seg.get(1), number(seg, 2)))
        elif lines.current is not None and ctt is None:
            lines.current.add(seg)
        elif lines.current is None:
            header.add(seg)
    built = lines.close()
    get = elements(beg)
    declared = count(number(ctt, 1)) if ctt is not None else None
    return PurchaseOrder(
        get(1), get(2), get(3), get(4), get(5), get(6), header.currency, tuple(header.references),
        tuple(header.dates), tuple(header.contacts), header.parties.close(), tuple(header.notes), built,
        declared, number(ctt, 2) if ctt is not None else None, tuple(amounts),
    )  # fmt: skip
