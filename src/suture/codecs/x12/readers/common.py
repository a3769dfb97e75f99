"""Building blocks shared by the readers: numbers, identifier pairs, N1 loops, REF, DTM, CTP, PO4."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from suture.errors import Location

from ..errors import X12ReadError
from ..model import Transaction
from ..segment import Segment

_REAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:E-?[0-9]+)?")

# Product/service id qualifiers (X12 element 235) grouped by what they identify.
GTIN_QUALIFIERS = ("UK", "EN", "UP", "UA")  # GTIN-14, EAN-13, U.P.C. (12), U.P.C./EAN case code
NDC_QUALIFIERS = ("N4", "ND", "N1", "N2", "N3")  # NDC 5-4-2, NDC, 4-4-2, 5-3-2, 5-4-1
VENDOR_QUALIFIERS = ("VN", "VC", "VP")  # vendor's item, catalog and part numbers


def require(tx: Transaction, set_id: str) -> None:
    """Raise X12ReadError unless ``tx`` is a ``set_id`` transaction set."""
    if tx.set_id != set_id:
        where = Location("ST", 1, 1, line=tx.header.line)
        raise X12ReadError(f"expected transaction set {set_id}, not the one ST01 names", where)


def number(seg: Segment, n: int, implied_decimals: int = 0) -> Decimal | None:
    """Element ``n`` as a Decimal (None when empty). ``implied_decimals`` is 2 for N2 elements such as
    TDS01 and SAC05 ("41192" -> 411.92)."""
    value = seg.get(n).strip()
    if not value:
        return None
    if _REAL.fullmatch(value) is None or (implied_decimals and not value.lstrip("-").isdigit()):
        kind = f"an N{implied_decimals} number" if implied_decimals else "a number"
        where = Location(seg.id, seg.position, n, line=seg.line)
        raise X12ReadError(f"{seg.id}{n:02d} is not {kind}", where)
    result = Decimal(value)
    return result.scaleb(-implied_decimals) if implied_decimals else result


@dataclass(frozen=True, slots=True)
class ItemId:
    """A product/service id with its qualifier (X12 235): VN vendor item, UK GTIN-14, N4 NDC, ..."""

    qualifier: str
    value: str


def item_ids(seg: Segment, first: int) -> tuple[ItemId, ...]:
    """The (qualifier, value) pairs starting at element ``first``; pairs with an empty value are skipped."""
    ids = []
    for n in range(first, len(seg), 2):
        qualifier, value = seg.get(n), seg.get(n + 1)
        if qualifier and value:
            ids.append(ItemId(qualifier, value))
    return tuple(ids)


def pick(ids: tuple[ItemId, ...], qualifiers: tuple[str, ...]) -> str | None:
    """The value of the first id whose qualifier is in ``qualifiers`` (in the order given)."""
    for qualifier in qualifiers:
        for item_id in ids:
            if item_id.qualifier == qualifier:
                return item_id.value
    return None


@dataclass(frozen=True, slots=True)
class Reference:
    """REF: qualifier (REF01), identification (REF02), description (REF03)."""

    qualifier: str
    value: str
    description: str


def reference(seg: Segment) -> Reference:
    return Reference(seg.get(1), seg.get(2), seg.get(3))


@dataclass(frozen=True, slots=True)
class DateTime:
    """DTM: qualifier (DTM01, e.g. 002 delivery requested, 007 effective, 036 expiration), date, time."""

    qualifier: str
    date: str
    time: str


def date_time(seg: Segment) -> DateTime:
    return DateTime(seg.get(1), seg.get(2), seg.get(3))


def find_date(dates: tuple[DateTime, ...], qualifier: str) -> str | None:
    """The date of the first DTM with ``qualifier``."""
    return next((d.date for d in dates if d.qualifier == qualifier), None)


@dataclass(frozen=True, slots=True)
class Contact:
    """PER: function (PER01), name, and (qualifier, number) pairs such as (TE, ...), (EM, ...)."""

    function: str
    name: str
    channels: tuple[tuple[str, str], ...]


def contact(seg: Segment) -> Contact:
    channels = tuple((seg.get(n), seg.get(n + 1)) for n in range(3, len(seg), 2) if seg.get(n + 1))
    return Contact(seg.get(1), seg.get(2), channels)


@dataclass(frozen=True, slots=True)
class Party:
    """An N1 loop: role (N101: ST ship-to, BT bill-to, BY buyer, VN vendor, SU supplier, ...), name, id
    (N103 qualifier, N104), N2 names, N3 address lines, N4 place, and the loop's REF and PER."""

    role: str
    name: str
    id_qualifier: str
    id: str
    extra_names: tuple[str, ...] = ()
    address_lines: tuple[str, ...] = ()
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    references: tuple[Reference, ...] = ()
    contacts: tuple[Contact, ...] = ()


@dataclass
class PartyBuilder:
    """Collects one N1 loop's segments."""

    n1: Segment
    names: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    place: Segment | None = None
    references: list[Reference] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    def add(self, seg: Segment) -> bool:
        """Take ``seg`` into the loop; False when it does not belong to an N1 loop."""
        if seg.id == "N2":
            self.names += [v for v in (seg.get(1), seg.get(2)) if v]
        elif seg.id == "N3":
            self.lines += [v for v in (seg.get(1), seg.get(2)) if v]
        elif seg.id == "N4":
            self.place = seg
        elif seg.id == "REF":
            self.references.append(reference(seg))
        elif seg.id == "PER":
            self.contacts.append(contact(seg))
        else:
            return False
        return True

    def build(self) -> Party:
        n1, place = self.n1, self.place
        return Party(
            n1.get(1), n1.get(2), n1.get(3), n1.get(4), tuple(self.names), tuple(self.lines),
            place.get(1) if place else "", place.get(2) if place else "", place.get(3) if place else "",
            place.get(4) if place else "", tuple(self.references), tuple(self.contacts),
        )  # fmt: skip


def find_party(parties: tuple[Party, ...], *roles: str) -> Party | None:
    """The first party whose role is in ``roles`` (in the order given)."""
    for role in roles:
        for party in parties:
            if party.role == role:
                return party
    return None


@dataclass(frozen=True, slots=True)
class Price:
    """CTP: class of trade (CTP01), price qualifier (CTP02: CAT catalog, CON contract, DSC discount, RES
    resale, UCP unit cost, ...), unit price (CTP03), quantity (CTP04, the break it applies from), unit
    (CTP05-1), and a multiplier (CTP06 qualifier, CTP07 factor) such as DIS 0.67."""

    class_of_trade: str
    qualifier: str
    amount: Decimal | None
    quantity: Decimal | None
    unit: str
    multiplier_qualifier: str
    multiplier: Decimal | None


def price(seg: Segment) -> Price:
    return Price(
        seg.get(1), seg.get(2), number(seg, 3), number(seg, 4), seg.get(5, component=1), seg.get(6), number(seg, 7)
    )


@dataclass(frozen=True, slots=True)
class Pack:
    """PO4: inner packs per outer pack (PO401), size of each (PO402) and its unit (PO403)."""

    pack: Decimal | None
    size: Decimal | None
    unit: str


def pack(seg: Segment) -> Pack:
    return Pack(number(seg, 1), number(seg, 2), seg.get(3))


def description(seg: Segment) -> str:
    """PID05 (free-form description), "" when the PID carries only a code."""
    return seg.get(5)


class Parties:
    """Collects N1 loops as segments go by: an N1 opens a loop, N2/N3/N4/REF/PER extend it, anything else
    closes it."""

    def __init__(self) -> None:
        self.current: PartyBuilder | None = None
        self.found: list[Party] = []

    def take(self, seg: Segment) -> bool:
        """True when ``seg`` belongs to an N1 loop (and was taken)."""
        if seg.id == "N1":
            self.close()
            self.current = PartyBuilder(seg)
            return True
        if self.current is not None and self.current.add(seg):
            return True
        self.close()
        return False

    def close(self) -> tuple[Party, ...]:
        """Close the open loop; return every party so far."""
        if self.current is not None:
            self.found.append(self.current.build())
            self.current = None
        return tuple(self.found)
