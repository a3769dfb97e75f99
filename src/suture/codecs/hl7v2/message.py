"""A parsed HL7 v2 message: lazy segments, path access, edits, and byte-exact serialization.

Choices:

* ``get("PID-3")`` (no component) returns the field's first repetition with its component and subcomponent
  delimiters left as they are and its escape sequences decoded. That is lossy when a component holds an
  escaped delimiter (``\\S\\``); ask for components (``PID-3.1``) or use ``get_raw`` to keep the structure.
* ``get`` returns ``default`` both for absent and for empty values (HL7 does not tell them apart). The
  explicit null ``""`` comes back as the two characters ``""``.
* ``to_bytes()`` is ``raw`` until ``set()`` is called; afterwards the message is rebuilt from its lines
  with the original BOM, leading/trailing bytes, segment terminators and blank lines kept.
"""

from __future__ import annotations

from .escape import escape, unescape
from .path import Path, compile_path
from .segment import Segment
from .separators import Separators


class Message:
    """Build one with :func:`suture.codecs.hl7v2.parse`.

    >>> from suture.codecs.hl7v2 import parse
    >>> msg = parse(b"MSH|^~\\\\&|LAB||EHR||20240101||ORU^R01|42|P|2.5\\rPID|1||7^^^H~8^^^S\\r")
    >>> msg.control_id, msg.get("PID-3[2].4"), msg.segment("PID").index
    ('42', 'S', 2)
    """

    __slots__ = (
        "_dirty",
        "_heads",
        "_index",
        "_lines",
        "_positions",
        "_prefix",
        "_segment_lines",
        "_segments",
        "_suffix",
        "_terms",
        "charset",
        "raw",
        "separators",
    )

    def __init__(
        self,
        *,
        raw: bytes,
        separators: Separators,
        charset: str,
        lines: list[str],
        terms: list[str] | None,
        segment_lines: list[str],
        heads: list[str],
        positions: list[int] | None,
        prefix: bytes,
        suffix: bytes,
    ) -> None:
        self.raw = raw
        self.separators = separators
        self.charset = charset
        self._lines = lines  # every line, blank ones included, for serialization
        self._terms = terms  # one terminator per line break when they are mixed, else None
        self._segment_lines = segment_lines  # the non-blank lines (the same list when there are no blanks)
        self._heads = heads  # segment id + field separator, per segment
        self._positions = positions  # segment number -> line number when blank lines exist, else None
        self._index: dict[str, list[int]] | None = None  # segment id -> segment numbers, built on demand
        self._prefix = prefix
        self._suffix = suffix
        self._segments: list[Segment | None] = [None] * len(segment_lines)
        self._dirty = False

    def __repr__(self) -> str:  # no content: it may be PHI
        return f"<Message {self.message_type}^{self.trigger_event} segments={len(self._segments)}>"

    def _segment_at(self, number: int) -> Segment:
        seg = self._segments[number]
        if seg is None:
            seg = self._segments[number] = Segment(self._segment_lines[number], self.separators, number + 1)
        return seg

    def _numbers(self, name: str) -> list[int]:
        if self._index is None:
            index: dict[str, list[int]] = {}
            for number, head in enumerate(self._heads):
                index.setdefault(head[:3], []).append(number)
            self._index = index
        return self._index.get(name, [])

    @property
    def segments(self) -> list[Segment]:
        """All segments in order (blank lines are not segments)."""
        return [self._segment_at(n) for n in range(len(self._segments))]

    def segment(self, name: str, occurrence: int = 1) -> Segment | None:
        """The ``occurrence``-th (1-based) segment called ``name``, or None."""
        if occurrence == 1:
            try:
                return self._segment_at(self._heads.index(name + self.separators.field))
            except ValueError:
                return None
        numbers = self._numbers(name)
        return self._segment_at(numbers[occurrence - 1]) if 0 < occurrence <= len(numbers) else None

    def segments_named(self, name: str) -> list[Segment]:
        """Every segment called ``name``, in order."""
        return [self._segment_at(n) for n in self._numbers(name)]

    def _value(self, path: Path) -> str | None:
        seg = self.segment(path.segment, path.occurrence)
        return None if seg is None else seg.value(path.field, path.repetition, path.component, path.subcomponent)

    def get_raw(self, path: str, default: str = "") -> str:
        """The value at ``path`` as written in the message (escape sequences kept)."""
        return self._value(compile_path(path)) or default

    def get(self, path: str, default: str = "") -> str:
        """The value at ``path`` with escape sequences decoded; ``default`` when absent or empty.

        MSH-1 and MSH-2 come back verbatim (they are the delimiters, not escaped text).
        """
        p = compile_path(path)
        value = self._value(p)
        if not value:
            return default
        if self.separators.escape not in value or (p.segment == "MSH" and p.field <= 2):
            return value
        return unescape(value, self.separators, self.charset)

    def get_all(self, path: str) -> list[str]:
        """The unescaped value at ``path`` in every repetition of its field (the path's repetition is ignored).

        >>> from suture.codecs.hl7v2 import parse
        >>> parse(b"MSH|^~\\\\&|||||||ADT^A01|1|P|2.5\\rPID|1||7^^^H~8^^^S").get_all("PID-3.4")
        ['H', 'S']
        """
        p = compile_path(path)
        seg = self.segment(p.segment, p.occurrence)
        if seg is None:
            return []
        count = len(seg.repetitions(p.field))
        values = (seg.value(p.field, r, p.component, p.subcomponent) or "" for r in range(1, count + 1))
        return [unescape(v, self.separators, self.charset) for v in values]

    def copy(self) -> Message:
        """An independent copy to edit, much cheaper than parsing the bytes again (segments are split again
        on demand). Edits to either never show in the other.

        >>> from suture.codecs.hl7v2 import parse
        >>> msg = parse(b"MSH|^~\\\\&|LAB||EHR||20240101||ORU^R01|42|P|2.5\\rPID|1||7\\r")
        >>> twin = msg.copy(); twin.set("PID-3", "8")
        >>> msg.get("PID-3"), twin.get("PID-3")
        ('7', '8')
        """
        lines = list(self._lines)
        segment_lines = lines if self._segment_lines is self._lines else list(self._segment_lines)
        twin = Message(raw=self.raw, separators=self.separators, charset=self.charset, lines=lines,
                       terms=self._terms, segment_lines=segment_lines, heads=self._heads,
                       positions=self._positions, prefix=self._prefix, suffix=self._suffix)
        twin._index = self._index  # both derived from the segment ids, which edits never change
        twin._dirty = self._dirty
        return twin

    def set(self, path: str, value: str) -> None:
        """Write ``value`` (escaped here) at ``path``, creating missing fields, repetitions and components.

        Raises KeyError when the segment does not exist, ValueError for MSH-1/MSH-2 (changing delimiters
        would rewrite the whole message) or when ``value`` cannot be written in the message's charset.
        """
        p = compile_path(path)
        if p.segment == "MSH" and p.field <= 2:
            raise ValueError("MSH-1 and MSH-2 define the delimiters and cannot be set")
        seg = self.segment(p.segment, p.occurrence)
        if seg is None:
            raise KeyError(f"message has no {p.segment} segment occurrence {p.occurrence} (path {path!r})")
        escaped = escape(value, self.separators)
        try:
            escaped.encode(self.charset)
        except UnicodeEncodeError:
            raise ValueError(f"value for {path} cannot be written in the message charset {self.charset}") from None
        line = seg._assign(p.field, p.repetition, p.component, p.subcomponent, escaped)
        number = seg.index - 1
        self._segment_lines[number] = line
        if self._positions is not None:
            self._lines[self._positions[number]] = line
        self._dirty = True

    def to_bytes(self) -> bytes:
        """The message as bytes: ``raw`` itself until ``set()`` changed something."""
        return self.serialize() if self._dirty else self.raw

    def serialize(self) -> bytes:
        """Rebuild the bytes from the segments (equal to ``raw`` for an unmodified message)."""
        if self._terms is None:
            text = self.separators.segment_terminator.join(self._lines)
        else:
            pieces = [self._lines[0]]
            for term, line in zip(self._terms, self._lines[1:], strict=True):
                pieces += (term, line)
            text = "".join(pieces)
        return self._prefix + text.encode(self.charset) + self._suffix

    @property
    def control_id(self) -> str:
        """MSH-10."""
        return self.get("MSH-10")

    @property
    def message_type(self) -> str:
        """MSH-9.1, e.g. ADT."""
        return self.get("MSH-9.1")

    @property
    def trigger_event(self) -> str:
        """MSH-9.2, e.g. A01."""
        return self.get("MSH-9.2")

    @property
    def version(self) -> str:
        """MSH-12.1, e.g. 2.5.1."""
        return self.get("MSH-12.1")

    @property
    def sending_application(self) -> str:
        """MSH-3.1."""
        return self.get("MSH-3.1")

    @property
    def sending_facility(self) -> str:
        """MSH-4.1."""
        return self.get("MSH-4.1")

    @property
    def processing_id(self) -> str:
        """MSH-11.1 (P, T, D)."""
        return self.get("MSH-11.1")

    @property
    def accept_ack_type(self) -> str:
        """MSH-15 (AL, NE, ER, SU), whitespace stripped."""
        return self.get("MSH-15").strip()

    @property
    def application_ack_type(self) -> str:
        """MSH-16 (AL, NE, ER, SU), whitespace stripped."""
        return self.get("MSH-16").strip()
