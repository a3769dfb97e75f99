"""Collecting segments as the readers walk a transaction set: a header's or a loop's common segments, and
repeated loops (one builder per LIN, PO1, IT1 or HL)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Generic, TypeVar

from ..segment import Segment
from .common import (
    Contact,
    DateTime,
    Pack,
    Parties,
    Price,
    Reference,
    contact,
    date_time,
    description,
    number,
    pack,
    price,
    reference,
)

B = TypeVar("B")
S = TypeVar("S", bound="Segments")
T = TypeVar("T")


class Segments:
    """Collects what a header or a loop says: N1 loops first (unless ``parties`` is False), then the kinds
    named in ``kinds`` among CUR (CUR02), REF, DTM, PER, MSG (MSG01), PID (PID05, when not empty), CTP and
    PO4. Segments of other kinds are left to the caller."""

    def __init__(self, *kinds: str, parties: bool = True) -> None:
        self.kinds = frozenset(kinds)
        self.n1_loops = parties
        self.parties = Parties()
        self.currency = ""
        self.references: list[Reference] = []
        self.dates: list[DateTime] = []
        self.contacts: list[Contact] = []
        self.notes: list[str] = []
        self.descriptions: list[str] = []
        self.prices: list[Price] = []
        self.packs: list[Pack] = []

    def take(self, seg: Segment) -> bool:
        """True when ``seg`` was taken (into an N1 loop or as one of ``kinds``)."""
        if self.n1_loops and self.parties.take(seg):
            return True
        if seg.id not in self.kinds:
            return False
        if seg.id == "CUR":
            self.currency = seg.get(2)
        elif seg.id == "REF":
            self.references.append(reference(seg))
        elif seg.id == "DTM":
            self.dates.append(date_time(seg))
        elif seg.id == "PER":
            self.contacts.append(contact(seg))
        elif seg.id == "MSG":
            self.notes.append(seg.get(1))
        elif seg.id == "PID":
            if description(seg):
                self.descriptions.append(description(seg))
        elif seg.id == "CTP":
            self.prices.append(price(seg))
        elif seg.id == "PO4":
            self.packs.append(pack(seg))
        return True

    def add(self, seg: Segment) -> None:
        """Take ``seg`` if it is one of the common kinds; subclasses also read their own."""
        self.take(seg)


class Loops(Generic[B, T]):
    """Repeated loops: ``open`` builds the open loop (if any) with ``build`` and starts another with
    ``start``; ``close`` builds the last and returns them all."""

    def __init__(self, start: Callable[[Segment], B], build: Callable[[B], T]) -> None:
        self.start = start
        self.finish = build
        self.current: B | None = None
        self.done: list[T] = []

    def open(self, seg: Segment) -> None:
        self._finish()
        self.current = self.start(seg)

    def close(self) -> tuple[T, ...]:
        """Build the open loop; return every loop so far."""
        self._finish()
        return tuple(self.done)

    def _finish(self) -> None:
        if self.current is not None:
            self.done.append(self.finish(self.current))
            self.current = None


def elements(seg: Segment | None) -> Callable[[int], str]:
    """``seg.get``, or a getter that answers "" when the segment is missing."""
    return seg.get if seg is not None else (lambda n: "")


def count(value: Decimal | None) -> int | None:
    """A declared count (CTT01) as an int."""
    return int(value) if value is not None else None


def walk(segments: Iterable[Segment], opener: str, loops: Loops[S, T], header: Segments | None = None) -> int | None:
    """Feed ``segments`` to ``loops`` (an ``opener`` segment starts a loop), the ones before the first loop to
    ``header``; return the declared count (CTT01). The caller closes ``loops``."""
    declared: int | None = None
    for seg in segments:
        if seg.id == opener:
            loops.open(seg)
        elif seg.id == "CTT":
            declared = count(number(seg, 1))
        elif loops.current is not None:
            loops.current.add(seg)
        elif header is not None:
            header.add(seg)
    return declared
