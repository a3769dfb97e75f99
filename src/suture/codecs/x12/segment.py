"""One segment: its text, split into elements on first access; components and repetitions on demand."""

from __future__ import annotations

from typing import Protocol

from .delimiters import Delimiters


class LineSource(Protocol):
    """Where a segment's line number comes from when it is first asked for (line tables cost a pass)."""

    def line_of(self, index: int) -> int: ...


class Segment:
    """A segment of a parsed interchange. Element 1 is the first after the segment id, as X12 numbers them.

    ``position`` is the segment's position in its transaction set (ST = 1; None for ISA/GS/GE/IEA) and
    ``line`` the 1-based line of the file it starts on.

    >>> seg = Segment("PO1*1*120*EA*9.25**VN*AB3542*UP*0123~45", Delimiters(component="~", segment="\\n"))
    >>> seg.get(2), seg.get(8), seg.get(9, component=2), seg.get(99)
    ('120', 'UP', '45', '')
    """

    __slots__ = ("_delimiters", "_elements", "_index", "_line", "_source", "id", "position", "text")

    def __init__(
        self,
        text: str,
        delimiters: Delimiters,
        *,
        id: str | None = None,
        position: int | None = None,
        line: int = 0,
        source: LineSource | None = None,
        index: int = 0,
    ) -> None:
        self.text = text
        self._delimiters = delimiters
        self._elements: list[str] | None = None
        self.id = text.partition(delimiters.element)[0] if id is None else id
        self.position = position
        self._line = line
        self._source = source  # asked for the line (with ``index``) on first use, then dropped
        self._index = index

    @property
    def line(self) -> int:
        """The 1-based line of the input the segment starts on (0 for a segment made outside a parse)."""
        if self._source is not None:
            self._line = self._source.line_of(self._index)
            self._source = None
        return self._line

    def __repr__(self) -> str:  # never the content: prices, names, even PHI
        where = f" position={self.position}" if self.position is not None else ""
        return f"<Segment {self.id}{where} line={self.line}>"

    @property
    def elements(self) -> list[str]:
        """Raw elements, ``elements[0]`` being the segment id (so ``elements[n]`` is element n)."""
        elements = self._elements
        if elements is None:
            elements = self._elements = self.text.split(self._delimiters.element)
        return elements

    def __len__(self) -> int:
        """The number of the last element written (trailing empty elements included)."""
        return len(self.elements) - 1

    def raw(self, n: int) -> str:
        """Element ``n`` exactly as written; "" when absent."""
        elements = self._elements or self.elements
        return elements[n] if 0 < n < len(elements) else ""

    def get(self, n: int, component: int | None = None, repetition: int | None = None) -> str:
        """Element ``n`` (1-based); "" when absent.

        Without ``component`` and ``repetition`` the whole element comes back (repetition separators left
        in), with trailing empty components dropped: X12 gives them no meaning. ``repetition`` picks one
        repetition; ``component`` picks a component of the first (or the chosen) repetition. ISA elements
        come back raw: ISA11 and ISA16 *are* delimiters.
        """
        elements = self._elements or self.elements
        value = elements[n] if 0 < n < len(elements) else ""
        if not value or self.id == "ISA":
            return value
        d = self._delimiters
        if component is None and repetition is None:
            return value.rstrip(d.component) if value[-1] == d.component else value
        if repetition is not None:
            value = _nth(value, d.repetition, repetition) if d.repetition else (value if repetition == 1 else "")
        elif d.repetition:
            value = _nth(value, d.repetition, 1)
        if component is not None:
            return _nth(value, d.component, component)
        return value.rstrip(d.component) if value.endswith(d.component) else value

    def components(self, n: int, repetition: int = 1) -> list[str]:
        """The components of element ``n`` (of its ``repetition``-th repetition); [] when absent."""
        value = self.raw(n)
        d = self._delimiters
        if d.repetition and self.id != "ISA":
            value = _nth(value, d.repetition, repetition)
        elif repetition != 1:
            value = ""
        return value.split(d.component) if value else []

    def repetitions(self, n: int) -> list[str]:
        """The repetitions of element ``n``; [] when absent. One item when the interchange has no repetition
        separator."""
        value = self.raw(n)
        if not value:
            return []
        sep = self._delimiters.repetition
        return value.split(sep) if sep and self.id != "ISA" else [value]


def _nth(text: str, separator: str, n: int) -> str:
    """The n-th (1-based) part of ``text`` split on ``separator``; "" when there are fewer parts."""
    if n == 1:
        end = text.find(separator)
        return text if end < 0 else text[:end]
    parts = text.split(separator, n)
    return parts[n - 1] if len(parts) >= n else ""
