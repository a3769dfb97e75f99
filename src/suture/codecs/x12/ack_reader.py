"""Reading a received 997 or 999: which of our transaction sets the partner accepted or rejected, and why."""

from __future__ import annotations

from dataclasses import dataclass

from suture.errors import Location

from .errors import X12ReadError
from .model import Interchange, Transaction
from .segment import Segment


@dataclass(frozen=True, slots=True)
class ElementNote:
    """AK4/IK4: an element in error (position in its segment, component, repetition) and the error code."""

    position: int | None
    component: int | None
    repetition: int | None
    element_ref: str
    code: str


@dataclass(frozen=True, slots=True)
class SegmentNote:
    """AK3/IK3: a segment in error, by id and position in the set (ST = 1), with its element notes."""

    segment_id: str
    position: int | None
    loop_id: str
    code: str
    elements: tuple[ElementNote, ...]


@dataclass(frozen=True, slots=True)
class SetAck:
    """AK2..AK5 / AK2..IK5: the verdict on one of our transaction sets."""

    set_id: str
    control_number: str
    implementation_reference: str
    status: str  # A accepted, E accepted with errors noted, R/M/W/X rejected
    codes: tuple[str, ...]
    segments: tuple[SegmentNote, ...]

    @property
    def accepted(self) -> bool:
        """A or E: the set was accepted (with or without noted errors)."""
        return self.status in ("A", "E")


@dataclass(frozen=True, slots=True)
class Acknowledgment:
    """One 997/999 transaction set: the group it answers (AK1), the per-set verdicts and the group's (AK9).

    Partners often send AK2 loops only for sets in error; :meth:`accepted` reads a set absent from the
    list as accepted unless the whole group was rejected.
    """

    kind: str
    functional_id: str
    group_control_number: str
    version: str
    status: str  # AK901: A, E, P (partially accepted), R
    included: int | None
    received: int | None
    accepted_count: int | None
    codes: tuple[str, ...]
    sets: tuple[SetAck, ...]

    def accepted(self, control_number: str) -> bool:
        """Whether our set with ST02 ``control_number`` was accepted."""
        for s in self.sets:
            if s.control_number == control_number:
                return s.accepted
        return self.status in ("A", "E", "P")


def read_acknowledgments(interchange: Interchange) -> list[Acknowledgment]:
    """Every 997/999 set in ``interchange``, read."""
    return [read_acknowledgment(tx) for tx in interchange.transactions if tx.set_id in ("997", "999")]


def read_acknowledgment(tx: Transaction) -> Acknowledgment:
    """Read one 997 or 999 transaction set. Raises X12ReadError when it is neither or lacks AK1/AK9.

    >>> from suture.codecs.x12 import parse
    >>> ix = parse(b"ISA*00*          *00*          *ZZ*SELLER         *ZZ*BUYER          *240102*0800*U*00401*"
    ...     b"000000005*0*P*>~GS*FA*SELLER*BUYER*20240102*0800*5*X*004010~ST*997*0001~AK1*PO*1~AK2*850*0001~"
    ...     b"AK3*PO1*4**8~AK4*2*330*1~AK5*R*5~AK9*R*1*1*0~SE*8*0001~GE*1*5~IEA*1*000000005~")
    >>> ack = read_acknowledgment(ix.transactions[0])
    >>> ack.status, ack.accepted("0001"), ack.sets[0].segments[0].elements[0].code
    ('R', False, '1')
    """
    if tx.set_id not in ("997", "999"):
        raise X12ReadError("not a 997 or 999 transaction set", Location("ST", 1, 1, line=tx.header.line))
    ak1: Segment | None = None
    ak9: Segment | None = None
    sets: list[SetAck] = []
    loop: _Loop | None = None
    for seg in tx.body:
        if seg.id == "AK1":
            ak1 = seg
        elif seg.id == "AK2":
            loop = _Loop(seg)
        elif seg.id in ("AK3", "IK3") and loop is not None:
            loop.segment(seg)
        elif seg.id in ("AK4", "IK4") and loop is not None:
            loop.element(seg)
        elif seg.id in ("AK5", "IK5") and loop is not None:
            sets.append(loop.close(seg))
            loop = None
        elif seg.id == "AK9":
            ak9 = seg
    if ak1 is None or ak9 is None:
        missing = "AK1" if ak1 is None else "AK9"
        raise X12ReadError(f"{tx.set_id} has no {missing} segment", Location(missing, line=tx.header.line))
    return Acknowledgment(
        kind=tx.set_id,
        functional_id=ak1.get(1),
        group_control_number=ak1.get(2),
        version=ak1.get(3),
        status=ak9.get(1),
        included=_int(ak9.get(2)),
        received=_int(ak9.get(3)),
        accepted_count=_int(ak9.get(4)),
        codes=tuple(c for c in (ak9.get(n) for n in range(5, 10)) if c),
        sets=tuple(sets),
    )


class _Loop:
    """One AK2 loop being read."""

    def __init__(self, ak2: Segment) -> None:
        self.ak2 = ak2
        self.notes: list[SegmentNote] = []
        self.elements: list[ElementNote] = []
        self.current: Segment | None = None

    def segment(self, seg: Segment) -> None:
        self._flush()
        self.current = seg

    def element(self, seg: Segment) -> None:
        self.elements.append(
            ElementNote(_int(seg.get(1, component=1)), _int(seg.get(1, component=2)), _int(seg.get(1, component=3)),
                        seg.get(2), seg.get(3))
        )  # fmt: skip

    def _flush(self) -> None:
        if self.current is not None:
            c = self.current
            self.notes.append(SegmentNote(c.get(1), _int(c.get(2)), c.get(3), c.get(4), tuple(self.elements)))
        self.current = None
        self.elements = []

    def close(self, end: Segment) -> SetAck:
        self._flush()
        codes = tuple(c for c in (end.get(n) for n in range(2, 7)) if c)
        a = self.ak2
        return SetAck(a.get(1), a.get(2), a.get(3), end.get(1), codes, tuple(self.notes))


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None
