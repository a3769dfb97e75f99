"""856 Ship Notice/Manifest: BSN header and the HL hierarchy (shipment, order, tare, pack, item).

Each HL level keeps what follows it up to the next HL: references, dates, N1 parties, MAN marks, the PRF
purchase order (order level) and, when LIN or SN1 appear, the shipped item with its lots and serials.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..model import Transaction
from ..segment import Segment
from .collect import Loops, Segments, elements, walk
from .common import (
    GTIN_QUALIFIERS,
    VENDOR_QUALIFIERS,
    DateTime,
    ItemId,
    Pack,
    Party,
    Reference,
    find_date,
    item_ids,
    number,
    pick,
    require,
)

# Qualifiers that carry lot and serial numbers, in LIN (X12 235) and REF (X12 128).
LOT_ID_QUALIFIERS = frozenset({"LT"})
SERIAL_ID_QUALIFIERS = frozenset({"SN"})
LOT_REF_QUALIFIERS = frozenset({"LT"})
SERIAL_REF_QUALIFIERS = frozenset({"SE", "SN", "LS"})  # serial number, serial number, bar-coded serial number


@dataclass(frozen=True, slots=True)
class ShippedItem:
    """LIN/SN1 of an item level: line number (LIN01), ids, quantity shipped and unit (SN102/SN103), lots and
    serials (from LIN and REF), PID descriptions, PO4 packs, and DTM dates (036 = expiration)."""

    line_number: str
    ids: tuple[ItemId, ...]
    quantity: Decimal | None
    unit: str
    lots: tuple[str, ...]
    serials: tuple[str, ...]
    descriptions: tuple[str, ...]
    packs: tuple[Pack, ...]
    dates: tuple[DateTime, ...]

    @property
    def vendor_item_number(self) -> str | None:
        """VN, else VC, else VP."""
        return pick(self.ids, VENDOR_QUALIFIERS)

    @property
    def gtin(self) -> str | None:
        """UK, EN, UP or UA, as written."""
        return pick(self.ids, GTIN_QUALIFIERS)

    @property
    def expiration_date(self) -> str | None:
        """DTM*036."""
        return find_date(self.dates, "036")


@dataclass(frozen=True, slots=True)
class HierarchyLevel:
    """One HL: id (HL01), parent id (HL02, "" at the top), level code (HL03: S shipment, O order, T tare,
    P pack, I item, ...) and what its segments say."""

    id: str
    parent_id: str
    code: str
    references: tuple[Reference, ...]
    dates: tuple[DateTime, ...]
    parties: tuple[Party, ...]
    marks: tuple[tuple[str, str], ...]  # MAN01 qualifier (GM = SSCC-18, ...), MAN02
    order_number: str  # PRF01
    item: ShippedItem | None


@dataclass(frozen=True, slots=True)
class ShipNotice:
    """An 856. ``purpose`` is BSN01, ``shipment_id`` BSN02, ``date``/``time`` BSN03/BSN04, ``structure``
    BSN05 (hierarchical structure code, e.g. 0001 = S-O-P-I). ``declared_level_count`` is CTT01."""

    purpose: str
    shipment_id: str
    date: str
    time: str
    structure: str
    levels: tuple[HierarchyLevel, ...]
    declared_level_count: int | None

    def level(self, level_id: str) -> HierarchyLevel | None:
        """The HL whose HL01 is ``level_id``."""
        return next((lv for lv in self.levels if lv.id == level_id), None)

    def children(self, level: HierarchyLevel) -> list[HierarchyLevel]:
        """The levels whose parent is ``level``."""
        return [lv for lv in self.levels if lv.parent_id == level.id]

    def ancestors(self, level: HierarchyLevel) -> list[HierarchyLevel]:
        """``level``'s parent, grandparent, ... up to the top (stops on a cycle or unknown parent)."""
        found: list[HierarchyLevel] = []
        current = self.level(level.parent_id) if level.parent_id else None
        while current is not None and current not in found:
            found.append(current)
            current = self.level(current.parent_id) if current.parent_id else None
        return found

    def order_number_for(self, level: HierarchyLevel) -> str:
        """The PRF01 of ``level`` or of its nearest ancestor that has one ("" when none)."""
        for candidate in [level, *self.ancestors(level)]:
            if candidate.order_number:
                return candidate.order_number
        return ""

    @property
    def items(self) -> list[HierarchyLevel]:
        """The levels that carry an item (LIN or SN1), in order."""
        return [lv for lv in self.levels if lv.item is not None]


class _Level(Segments):
    def __init__(self, hl: Segment) -> None:
        super().__init__("REF", "DTM", "PID", "PO4")
        self.hl = hl
        self.marks: list[tuple[str, str]] = []
        self.order_number = ""
        self.lin: Segment | None = None
        self.sn1: Segment | None = None

    def add(self, seg: Segment) -> None:
        if self.take(seg):
            return
        if seg.id == "MAN":
            self.marks.append((seg.get(1), seg.get(2)))
        elif seg.id == "PRF":
            self.order_number = seg.get(1)
        elif seg.id == "LIN":
            self.lin = seg
        elif seg.id == "SN1":
            self.sn1 = seg

    def build(self) -> HierarchyLevel:
        hl = self.hl
        item = self._item() if self.lin is not None or self.sn1 is not None else None
        return HierarchyLevel(
            hl.get(1), hl.get(2), hl.get(3), tuple(self.references), tuple(self.dates), self.parties.close(),
            tuple(self.marks), self.order_number, item,
        )  # fmt: skip

    def _item(self) -> ShippedItem:
        ids = item_ids(self.lin, 2) if self.lin is not None else ()
        lots = [i.value for i in ids if i.qualifier in LOT_ID_QUALIFIERS]
        lots += [r.value for r in self.references if r.qualifier in LOT_REF_QUALIFIERS]
        serials = [i.value for i in ids if i.qualifier in SERIAL_ID_QUALIFIERS]
        serials += [r.value for r in self.references if r.qualifier in SERIAL_REF_QUALIFIERS]
        sn1 = self.sn1
        return ShippedItem(
            self.lin.get(1) if self.lin is not None else "", ids, number(sn1, 2) if sn1 else None,
            sn1.get(3) if sn1 else "", tuple(lots), tuple(serials), tuple(self.descriptions), tuple(self.packs),
            tuple(self.dates),
        )  # fmt: skip


def read_ship_notice(tx: Transaction) -> ShipNotice:
    """Read an 856 transaction set.

    >>> from suture.codecs.x12 import parse
    >>> ix = parse(b"ISA*00*          *00*          *ZZ*VENDOR         *ZZ*HOSPITAL       *240101*1200*U*00401*"
    ...     b"000000001*0*P*>~GS*SH*VENDOR*HOSPITAL*20240101*1200*1*X*004010~ST*856*0001~BSN*00*SHIP-9*20240101*1200~"
    ...     b"HL*1**S~HL*2*1*O~PRF*PO-77~HL*3*2*I~LIN*1*VN*IMPLANT-5*LT*L2024A~SN1**2*EA~REF*SE*SN001~REF*SE*SN002~"
    ...     b"DTM*036*20270101~CTT*3~SE*13*0001~GE*1*1~IEA*1*000000001~")
    >>> asn = read_ship_notice(ix.transactions[0])
    >>> level = asn.items[0]
    >>> level.item.lots, level.item.serials, level.item.expiration_date, asn.order_number_for(level)
    (('L2024A',), ('SN001', 'SN002'), '20270101', 'PO-77')
    """
    require(tx, "856")
    bsn = tx.segment("BSN")
    levels = Loops(_Level, _Level.build)
    declared = walk(tx.body, "HL", levels)
    built = levels.close()
    get = elements(bsn)
    return ShipNotice(get(1), get(2), get(3), get(4), get(5), built, declared)
