"""Writing segments: element values -> segment text, refusing values that would break the framing."""

from __future__ import annotations

from collections.abc import Sequence

from .delimiters import Delimiters

# An element is a simple value (str), a composite (tuple of component values), or repeated (list of
# simple or composite values). A segment is its id followed by its elements.
Component = str
Composite = tuple[str, ...]
Element = str | Composite | list[str | Composite]
SegmentSpec = Sequence[Element]


def write_segment(spec: SegmentSpec, d: Delimiters) -> str:
    """The text of one segment (no terminator); trailing empty elements and components are dropped.

    >>> write_segment(["SV1", ("HC", "99211", ""), "12.25", "", ["A", "B"], ""], Delimiters())
    'SV1*HC:99211*12.25**A^B'
    """
    seg_id = spec[0]
    if not isinstance(seg_id, str) or not (2 <= len(seg_id) <= 3 and seg_id.isascii() and seg_id.isalnum()):
        raise ValueError("a segment starts with its id: 2 or 3 letters or digits")
    parts = [seg_id]
    for n, element in enumerate(spec[1:], 1):
        parts.append(_element(element, d, seg_id, n))
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return d.element.join(parts)


def _element(element: Element, d: Delimiters, seg_id: str, n: int) -> str:
    if isinstance(element, str):
        return _value(element, d, seg_id, n)
    if isinstance(element, tuple):
        return _composite(element, d, seg_id, n)
    if d.repetition is None:
        raise ValueError(f"{seg_id}{n:02d} repeats, but the interchange has no repetition separator")
    return d.repetition.join(
        _composite(r, d, seg_id, n) if isinstance(r, tuple) else _value(r, d, seg_id, n) for r in element
    )


def _composite(components: Composite, d: Delimiters, seg_id: str, n: int) -> str:
    parts = [_value(c, d, seg_id, n) for c in components]
    while parts and not parts[-1]:
        parts.pop()
    return d.component.join(parts)


def _value(value: str, d: Delimiters, seg_id: str, n: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{seg_id}{n:02d} must be a string")
    specials = (d.element, d.component, d.segment, d.repetition or "", "\r", "\n")
    if any(s and s in value for s in specials):  # X12 has no escape: a delimiter in data cannot be written
        raise ValueError(f"{seg_id}{n:02d} contains a delimiter or line break character")
    return value
