"""810 Invoice: BIG header, N1 loops, ITD terms, one line per IT1 loop, TDS total and SAC charges."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..model import Transaction
from ..segment import Segment
from .collect import Loops, Segments, count, elements
from .common import (
    VENDOR_QUALIFIERS,
    DateTime,
    ItemId,
    Party,
    Reference,
    find_party,
    item_ids,
    number,
    pick,
    require,
)


@dataclass(frozen=True, slots=True)
class Charge:
    """SAC: allowance or charge indicator (SAC01: A allowance, C charge, N no charge), code (SAC02, e.g.
    D240 freight, H850 tax), amount (SAC05, two implied decimals), percent (SAC06 qualifier, SAC07), and
    description (SAC15)."""

    indicator: str
    code: str
    amount: Decimal | None
    percent_qualifier: str
    percent: Decimal | None
    description: str


def charge(seg: Segment) -> Charge:
    return Charge(seg.get(1), seg.get(2), number(seg, 5, 2), seg.get(6), number(seg, 7), seg.get(15))


@dataclass(frozen=True, slots=True)
class Terms:
    """ITD terms of sale: type (ITD01), basis date code (ITD02), discount percent (ITD03), discount due
    date and days (ITD04/ITD05), net due date and days (ITD06/ITD07), description (ITD12)."""

    type: str
    basis: str
    discount_percent: Decimal | None
    discount_due_date: str
    discount_days: Decimal | None
    net_due_date: str
    net_days: Decimal | None
    description: str


def terms(seg: Segment) -> Terms:
    return Terms(
        seg.get(1), seg.get(2), number(seg, 3), seg.get(4), number(seg, 5), seg.get(6), number(seg, 7), seg.get(12)
    )


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One IT1 loop: line number (IT101), quantity invoiced (IT102), unit (IT103), unit price (IT104),
    price basis (IT105), ids (IT106.. pairs), PID descriptions, REF, DTM and SAC charges."""

    line_number: str
    quantity: Decimal | None
    unit: str
    unit_price: Decimal | None
    price_basis: str
    ids: tuple[ItemId, ...]
    descriptions: tuple[str, ...]
    references: tuple[Reference, ...]
    dates: tuple[DateTime, ...]
    charges: tuple[Charge, ...]

    @property
    def vendor_item_number(self) -> str | None:
        """VN, else VC, else VP."""
        return pick(self.ids, VENDOR_QUALIFIERS)


@dataclass(frozen=True, slots=True)
class Invoice:
    """An 810. ``date``/``number`` are BIG01/BIG02, ``po_date``/``po_number`` BIG03/BIG04,
    ``transaction_type`` BIG07 (DI debit invoice, CR credit memo, ...), ``purpose`` BIG08. ``total`` is
    TDS01 (two implied decimals), ``charges`` the summary SAC segments."""

    date: str
    number: str
    po_date: str
    po_number: str
    release_number: str
    transaction_type: str
    purpose: str
    currency: str
    references: tuple[Reference, ...]
    dates: tuple[DateTime, ...]
    parties: tuple[Party, ...]
    terms: tuple[Terms, ...]
    lines: tuple[InvoiceLine, ...]
    total: Decimal | None
    charges: tuple[Charge, ...]
    declared_line_count: int | None

    def party(self, *roles: str) -> Party | None:
        """The first N1 loop with one of ``roles`` (RI remit-to, BT bill-to, ST ship-to, SF ship-from, ...)."""
        return find_party(self.parties, *roles)


class _Line(Segments):
    def __init__(self, it1: Segment) -> None:
        super().__init__("PID", "REF", "DTM")  # IT1-level N1 loops (ship-from per line) are read past, not kept
        self.it1 = it1
        self.charges: list[Charge] = []

    def add(self, seg: Segment) -> None:
        if not self.take(seg) and seg.id == "SAC":
            self.charges.append(charge(seg))

    def build(self) -> InvoiceLine:
        it1 = self.it1
        return InvoiceLine(
            it1.get(1), number(it1, 2), it1.get(3), number(it1, 4), it1.get(5), item_ids(it1, 6),
            tuple(self.descriptions), tuple(self.references), tuple(self.dates), tuple(self.charges),
        )  # fmt: skip


class _Header(Segments):
    def __init__(self) -> None:
        super().__init__("CUR", "REF", "DTM")
        self.terms: list[Terms] = []

    def add(self, seg: Segment) -> None:
        if not self.take(seg) and seg.id == "ITD":
            self.terms.append(terms(seg))


def read_invoice(tx: Transaction) -> Invoice:
    """Read an 810 transaction set.

    >>> from suture.codecs.x12 import parse
    >>> ix = parse(b"ISA*00*          *00*          *ZZ*VENDOR         *ZZ*HOSPITAL       *240101*1200*U*00401*"
    ...     b"000000001*0*P*>~GS*IN*VENDOR*HOSPITAL*20240101*1200*1*X*004010~ST*810*0001~"
    ...     b"BIG*20240105*INV-1*20240101*PO-77~IT1*1*4*BX*85**VN*ST-100~TDS*34500~SAC*C*D240***500~CTT*1~"
    ...     b"SE*8*0001~GE*1*1~IEA*1*000000001~")
    >>> inv = read_invoice(ix.transactions[0])
    >>> inv.number, inv.po_number, inv.total, inv.charges[0].amount, inv.lines[0].unit_price
    ('INV-1', 'PO-77', Decimal('345.00'), Decimal('5.00'), Decimal('85'))
    """
    require(tx, "810")
    big = tx.segment("BIG")
    header = _Header()
    lines = Loops(_Line, _Line.build)
    summary = False
    total: Decimal | None = None
    charges: list[Charge] = []
    declared: int | None = None
    for seg in tx.body:
        if seg.id == "IT1" and not summary:
            lines.open(seg)
        elif seg.id == "TDS":
            summary, total = True, number(seg, 1, 2)
        elif seg.id == "CTT":
            declared = count(number(seg, 1))
        elif summary:
            if seg.id == "SAC":
                charges.append(charge(seg))
        elif lines.current is not None:
            lines.current.add(seg)
        else:
            header.add(seg)
    built = lines.close()
    get = elements(big)
    return Invoice(
        get(1), get(2), get(3), get(4), get(5), get(7), get(8), header.currency, tuple(header.references),
        tuple(header.dates), header.parties.close(), tuple(header.terms), built, total, tuple(charges), declared,
    )  # fmt: skip
