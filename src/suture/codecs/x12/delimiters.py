"""Delimiters: element, component, repetition separators and segment terminator, plus the line break
written after each terminator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The delimiters of one interchange. Every interchange declares its own in its ISA.

    ``repetition`` is None where the interchange has none (ISA11 is the standards identifier ``U`` before
    version 00402, and some later senders still write ``U``). ``line_break`` is what follows each segment
    terminator when writing ("" for none, "\\n" or "\\r\\n"); a parsed interchange keeps its own exact
    whitespace per segment, and this field only records the style seen after the ISA.

    >>> Delimiters().segment_end
    '~\\n'
    """

    element: str = "*"
    component: str = ":"
    repetition: str | None = "^"
    segment: str = "~"
    line_break: str = "\n"

    @property
    def segment_end(self) -> str:
        """Terminator plus line break: what ends every written segment."""
        return self.segment + self.line_break

    def check(self) -> None:
        """Raise ValueError unless the delimiters can frame an interchange (single, distinct characters,
        none a letter, digit or space; only the terminator may be a line break)."""
        chars = [self.element, self.component, self.segment]
        if self.repetition is not None:
            chars.append(self.repetition)
        for char in chars:
            if len(char) != 1 or char.isalnum() or char in " \t":
                raise ValueError("each delimiter must be one character, not a letter, digit or blank")
        if len(set(chars)) != len(chars):
            raise ValueError("delimiters must differ from one another")
        if any(c in "\r\n" for c in chars[:2] + chars[3:]):
            raise ValueError("only the segment terminator may be a line break")
        if self.line_break not in ("", "\n", "\r\n", "\r"):
            raise ValueError("line_break must be '', '\\n', '\\r\\n' or '\\r'")
        if (self.segment == "\n" and self.line_break) or (self.segment == "\r" and self.line_break not in ("", "\n")):
            raise ValueError("a line-break segment terminator takes no other line_break than CR + LF")


DEFAULT_DELIMITERS = Delimiters()
