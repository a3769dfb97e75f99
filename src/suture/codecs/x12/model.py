"""The parsed interchange: Interchange -> FunctionalGroup -> Transaction -> Segment.

Segments are cut once at parse time (their ids steer the envelope checks); Segment objects and their
elements are made only when asked for. ``to_bytes()`` gives back the exact input; ``serialize()`` rebuilds
it from the segments and the whitespace kept between them, and equals it.
"""

from __future__ import annotations

from collections.abc import Iterator

from .delimiters import Delimiters
from .isa import PADDING, IsaHeader
from .lexer import Cut, line_numbers
from .path import compile_path
from .problems import Problem
from .segment import Segment


class Interchange:
    """An ISA..IEA envelope. Build one with :func:`suture.codecs.x12.parse` or ``build_interchange``.

    >>> from suture.codecs.x12 import parse
    >>> data = (b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*"
    ...         b"000000007*0*P*>~GS*PO*S*R*20240101*1200*7*X*004010~ST*850*0001~BEG*00*SA*PO1**20240101~"
    ...         b"SE*3*0001~GE*1*7~IEA*1*000000007~")
    >>> ix = parse(data)
    >>> ix.sender, ix.control_number, ix.groups[0].transactions[0].set_id, ix.to_bytes() == data
    (('ZZ', 'SENDER'), '000000007', '850', True)
    """

    __slots__ = (
        "_bom",
        "_cache",
        "_first_line",
        "_gaps",
        "_ids",
        "_lines",
        "_prefix",
        "_terminated",
        "_texts",
        "delimiters",
        "encoding",
        "envelope_problems",
        "fixed_width_header",
        "groups",
        "raw",
    )

    def __init__(
        self, *, raw: bytes, encoding: str, bom: bool, prefix: str, header: IsaHeader, cut: Cut, first_line: int
    ) -> None:
        self.raw = raw
        self.encoding = encoding
        self.delimiters: Delimiters = header.delimiters
        self.fixed_width_header = header.fixed_width
        self.groups: list[FunctionalGroup] = []
        self.envelope_problems: list[Problem] = []  # interchange level (IEA01/IEA02), for a TA1
        self._bom = bom
        self._prefix = prefix  # whitespace before the ISA
        self._texts = cut.texts
        self._ids = cut.ids
        self._gaps = cut.gaps
        self._terminated = cut.terminated
        self._first_line = first_line
        self._lines: list[int] | None = None
        self._cache: dict[int, Segment] = {}

    def __repr__(self) -> str:
        return f"<Interchange {self.control_number} groups={len(self.groups)} segments={len(self._texts)}>"

    # -- segments -------------------------------------------------------------------------------------------
    def line_of(self, index: int) -> int:
        """The line the ``index``-th (0-based) segment of the interchange starts on."""
        lines = self._lines
        if lines is None:
            lines = self._lines = line_numbers(self._first_line, self.delimiters.segment, self._gaps, len(self._texts))
        return lines[index]

    def segment_at(self, index: int, position: int | None = None) -> Segment:
        """The ``index``-th (0-based) segment of the interchange; ``position`` is its place in its set."""
        seg = self._cache.get(index)
        if seg is None:
            seg = self._cache[index] = Segment(
                self._texts[index], self.delimiters, id=self._ids[index], position=position, source=self, index=index
            )
        return seg

    def segment_id(self, index: int) -> str:
        """The id of the ``index``-th segment, without building the segment."""
        return self._ids[index]

    def __len__(self) -> int:
        """Number of segments, ISA and IEA included."""
        return len(self._texts)

    @property
    def segments(self) -> list[Segment]:
        """Every segment, ISA to IEA (envelope segments have no ``position``)."""
        return [self.segment_at(i) for i in range(len(self._texts))]

    @property
    def header(self) -> Segment:
        """The ISA segment."""
        return self.segment_at(0)

    @property
    def trailer(self) -> Segment:
        """The IEA segment."""
        return self.segment_at(len(self._texts) - 1)

    @property
    def transactions(self) -> list[Transaction]:
        """Every transaction set of every group, in order."""
        return [tx for group in self.groups for tx in group.transactions]

    @property
    def problems(self) -> list[Problem]:
        """Every problem found at parse time: the interchange's, then each group's and its sets'."""
        found: list[Problem] = list(self.envelope_problems)
        for group in self.groups:
            found += group.problems
            for tx in group.transactions:
                found += tx.problems
        return found

    # -- ISA fields -----------------------------------------------------------------------------------------
    def _isa(self, n: int) -> str:
        return self.header.raw(n).strip(PADDING)

    @property
    def sender(self) -> tuple[str, str]:
        """(ISA05 qualifier, ISA06 id), padding removed."""
        return self._isa(5), self._isa(6)

    @property
    def receiver(self) -> tuple[str, str]:
        """(ISA07 qualifier, ISA08 id), padding removed."""
        return self._isa(7), self._isa(8)

    @property
    def date(self) -> str:
        """ISA09, YYMMDD."""
        return self._isa(9)

    @property
    def time(self) -> str:
        """ISA10, HHMM."""
        return self._isa(10)

    @property
    def version(self) -> str:
        """ISA12 interchange control version, e.g. 00401 or 00501."""
        return self._isa(12)

    @property
    def control_number(self) -> str:
        """ISA13, nine digits."""
        return self._isa(13)

    @property
    def acknowledgment_requested(self) -> bool:
        """ISA14 = 1: the sender asks for a TA1."""
        return self._isa(14) == "1"

    @property
    def usage(self) -> str:
        """ISA15: P production, T test, I information."""
        return self._isa(15)

    # -- bytes ----------------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The interchange's exact bytes."""
        return self.raw

    def serialize(self) -> bytes:
        """Rebuild the bytes from the segments and the whitespace kept around them (equals ``raw``)."""
        term = self.delimiters.segment
        pieces = [self._prefix]
        for text, gap in zip(self._texts, self._gaps, strict=True):
            pieces += (text, term, gap)
        if not self._terminated:
            pieces[-2] = ""
        body = "".join(pieces).encode(self.encoding)
        return b"\xef\xbb\xbf" + body if self._bom else body


class FunctionalGroup:
    """A GS..GE envelope inside an interchange. ``end`` is the GE's index, or None when GE is missing."""

    __slots__ = ("end", "interchange", "problems", "start", "transactions")

    def __init__(self, interchange: Interchange, start: int) -> None:
        self.interchange = interchange
        self.start = start
        self.end: int | None = None
        self.transactions: list[Transaction] = []
        self.problems: list[Problem] = []

    def __repr__(self) -> str:
        return f"<FunctionalGroup {self.functional_id} {self.control_number} transactions={len(self.transactions)}>"

    @property
    def header(self) -> Segment:
        """The GS segment."""
        return self.interchange.segment_at(self.start)

    @property
    def trailer(self) -> Segment | None:
        """The GE segment, None when it is missing."""
        return None if self.end is None else self.interchange.segment_at(self.end)

    @property
    def functional_id(self) -> str:
        """GS01, e.g. PO, IN, SH, SC, PR, FA."""
        return self.header.get(1)

    @property
    def application_sender(self) -> str:
        """GS02."""
        return self.header.get(2)

    @property
    def application_receiver(self) -> str:
        """GS03."""
        return self.header.get(3)

    @property
    def date(self) -> str:
        """GS04, CCYYMMDD."""
        return self.header.get(4)

    @property
    def time(self) -> str:
        """GS05, HHMM[SS[D..]]."""
        return self.header.get(5)

    @property
    def control_number(self) -> str:
        """GS06."""
        return self.header.get(6)

    @property
    def version(self) -> str:
        """GS08, e.g. 004010, 005010X222A1."""
        return self.header.get(8)


class Transaction:
    """An ST..SE transaction set. Segments are numbered from ST = 1, as 997/999 AK3/IK3 count them.

    ``end`` is the index of its last segment: the SE, or when SE is missing the last segment before
    whatever closed the set.
    """

    __slots__ = ("end", "group", "has_trailer", "interchange", "problems", "start")

    def __init__(self, group: FunctionalGroup, start: int) -> None:
        self.interchange = group.interchange
        self.group = group
        self.start = start
        self.end = start
        self.has_trailer = False
        self.problems: list[Problem] = []

    def __repr__(self) -> str:
        return f"<Transaction {self.set_id} {self.control_number} segments={len(self)}>"

    def __len__(self) -> int:
        """Number of segments, ST and SE included."""
        return self.end - self.start + 1

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def at(self, position: int) -> Segment:
        """The segment at ``position`` (ST = 1)."""
        if not 1 <= position <= len(self):
            raise IndexError(f"transaction set has {len(self)} segments, no position {position}")
        return self.interchange.segment_at(self.start + position - 1, position)

    @property
    def ids(self) -> list[str]:
        """The segment ids in order, ST and SE included (cheap: no Segment objects are made)."""
        return self.interchange._ids[self.start : self.end + 1]

    @property
    def segments(self) -> list[Segment]:
        """All segments, ST and SE included."""
        return [self.at(p) for p in range(1, len(self) + 1)]

    @property
    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        last = len(self) - 1 if self.has_trailer else len(self)
        return [self.at(p) for p in range(2, last + 1)]

    def segment(self, seg_id: str, occurrence: int = 1) -> Segment | None:
        """The ``occurrence``-th segment with id ``seg_id``, or None."""
        seen = 0
        for position, found in enumerate(self.ids, 1):
            if found == seg_id:
                seen += 1
                if seen == occurrence:
                    return self.at(position)
        return None

    def segments_named(self, seg_id: str) -> list[Segment]:
        """Every segment with id ``seg_id``, in order."""
        return [self.at(p) for p, found in enumerate(self.ids, 1) if found == seg_id]

    def get(self, path: str, occurrence: int = 1) -> str:
        """The value at ``path`` ("BEG03", "PO107", "SV101-2") in the ``occurrence``-th segment with that id;
        "" when absent. See :meth:`Segment.get` for what a whole element returns."""
        p = compile_path(path)
        seg = self.segment(p.segment, occurrence)
        return "" if seg is None else seg.get(p.element, component=p.component)

    @property
    def header(self) -> Segment:
        """The ST segment."""
        return self.at(1)

    @property
    def trailer(self) -> Segment | None:
        """The SE segment, None when it is missing."""
        return self.at(len(self)) if self.has_trailer else None

    @property
    def set_id(self) -> str:
        """ST01, e.g. 850."""
        return self.header.get(1)

    @property
    def control_number(self) -> str:
        """ST02."""
        return self.header.get(2)

    @property
    def implementation_reference(self) -> str:
        """ST03 (005010 and later), e.g. 005010X222A1; "" when absent."""
        return self.header.get(3)

    @property
    def rejected(self) -> bool:
        """True when a problem found at parse time rejects this set (or its group)."""
        return any(p.rejects for p in self.problems) or any(p.rejects for p in self.group.problems)
