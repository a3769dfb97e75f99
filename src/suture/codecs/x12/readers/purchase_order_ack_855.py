"""855 Purchase Order Acknowledgment: BAK header and, per PO1 loop, the ACK line statuses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..model import Transaction
from ..segment import Segment
from .collect import Loops, Segments, elements, walk
from .common import (
    VENDOR_QUALIFIERS,
    DateTime,
    ItemId,
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
class LineAck:
    """ACK: line status (ACK01: IA accepted, IR rejected, IB backordered, IC changed, IP price changed,
    IQ quantity changed, DR date rescheduled, IS substituted, ...), quantity and unit (ACK02/03), date
    (ACK04 qualifier, ACK05), and ids (ACK07.. pairs, e.g. a substitute's part number)."""

    status: str
    quantity: Decimal | None
    unit: str
    date_qualifier: str
    date: str
    ids: tuple[ItemId, ...]


@dataclass(frozen=True, slots=True)
class PurchaseOrderAckLine:
    """One PO1 loop of an 855 with its ACK statuses (a line may carry several, one per change) and CTP
    prices (a changed price, with ACK IP)."""

    line_number: str
    quantity: Decimal | None
    unit: str
    unit_price: Decimal | None
    price_basis: str
    ids: tuple[ItemId, ...]
    descriptions: tuple[str, ...]
    acks: tuple[LineAck, ...]
    prices: tuple[Price, ...]

    @property
    def status(self) -> str:
        """The first ACK01 of the line, "" when the line carries no ACK."""
        return self.acks[0].status if self.acks else ""

    @property
    def vendor_item_number(self) -> str | None:
        """VN, else VC, else VP."""
        return pick(self.ids, VENDOR_QUALIFIERS)


@dataclass(frozen=True, slots=True)
class PurchaseOrderAck:
    """An 855. ``ack_type`` is BAK02 (AC acknowledge with detail and change, AD with detail no change, AK no
    detail, RJ rejected, ...); ``po_number``/``po_date`` are BAK03/BAK04 (the order acknowledged)."""

    purpose: str
    ack_type: str
    po_number: str
    po_date: str
    release_number: str
    seller_order_number: str
    references: tuple[Reference, ...]
    dates: tuple[DateTime, ...]
    parties: tuple[Party, ...]
    lines: tuple[PurchaseOrderAckLine, ...]
    declared_line_count: int | None

    def party(self, *roles: str) -> Party | None:
        """The first N1 loop with one of ``roles``."""
        return find_party(self.parties, *roles)


class _Line(Segments):
    def __init__(self, po1: Segment) -> None:
        super().__init__("PID", "CTP", parties=False)
        self.po1 = po1
        self.acks: list[LineAck] = []

    def add(self, seg: Segment) -> None:
        if not self.take(seg) and seg.id == "ACK":
            ack = LineAck(seg.get(1), number(seg, 2), seg.get(3), seg.get(4), seg.get(5), item_ids(seg, 7))
            self.acks.append(ack)

    def build(self) -> PurchaseOrderAckLine:
        po1 = self.po1
        return PurchaseOrderAckLine(
            po1.get(1), number(po1, 2), po1.get(3), number(po1, 4), po1.get(5), item_ids(po1, 6),
            tuple(self.descriptions), tuple(self.acks), tuple(self.prices),
        )  # fmt: skip


def read_purchase_order_ack(tx: Transaction) -> PurchaseOrderAck:
    """Read an 855 transaction set.

    >>> from suture.codecs.x12 import parse
    >>> ix = parse(b"ISA*00*          *00*          *ZZ*VENDOR         *ZZ*HOSPITAL       *240101*1200*U*00401*"
    ...     b"000000001*0*P*>~GS*PR*VENDOR*HOSPITAL*20240101*1200*1*X*004010~ST*855*0001~BAK*00*AC*PO-77*20240101~"
    ...     b"PO1*1*4*BX*85**VN*ST-100~ACK*IB*4*BX*068*20240110~CTT*1~SE*6*0001~GE*1*1~IEA*1*000000001~")
    >>> ack = read_purchase_order_ack(ix.transactions[0])
    >>> ack.po_number, ack.lines[0].status, ack.lines[0].acks[0].date
    ('PO-77', 'IB', '20240110')
    """
    require(tx, "855")
    bak = tx.segment("BAK")
    header = Segments("REF", "DTM")
    lines = Loops(_Line, _Line.build)
    declared = walk(tx.body, "PO1", lines, header)
    built = lines.close()
    get = elements(bak)
    return PurchaseOrderAck(
        get(1), get(2), get(3), get(4), get(5), get(8), tuple(header.references), tuple(header.dates),
        header.parties.close(), built, declared,
    )  # fmt: skip
