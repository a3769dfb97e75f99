"""Cutting an interchange into segments, keeping the whitespace between them for byte-exact output.

After each terminator, any run of spaces, tabs, CR and LF is kept as that segment's "gap": line breaks
after terminators, and the indentation some tools put before segments, are tolerated and written back.
A line break *inside* a segment (when the terminator is not itself a line break) is rejected: it means the
terminator is not the one the ISA declared, and segments can no longer be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import NoReturn

from suture.errors import Location

from .errors import INVALID_SEGMENT_TERMINATOR, X12ParseError
from .isa import IsaHeader

WHITESPACE = " \t\r\n"


@dataclass(slots=True)
class Cut:
    """An interchange cut into segments: ``texts[i]`` (no terminator), ``ids[i]``, and ``gaps[i]``, the
    whitespace after segment i's terminator. ``terminated`` is False when the last segment lacks its
    terminator (tolerated at end of input). ``end`` is the offset just past the interchange and its gap.
    When no terminated IEA is found, the cut runs to the end of the input (and the envelope check rejects
    it unless its last segment is an unterminated IEA)."""

    texts: list[str]
    ids: list[str]
    gaps: list[str]
    terminated: bool
    end: int


def cut(text: str, header: IsaHeader, first_line: int) -> Cut:
    """Cut ``text`` from the end of ``header`` up to and including the first IEA segment.

    The common case runs as a handful of C-level passes (split, strip, partition); blank lines under a
    line-break terminator and line breaks inside segments take slower paths.
    """
    d = header.delimiters
    term, es = d.segment, d.element
    pieces = text[header.end :].split(term)
    bodies = [piece.lstrip(WHITESPACE) for piece in pieces]
    if term in "\r\n" and "" in bodies[:-1]:
        _merge_blank_lines(pieces, bodies, term)
    ids = [body.partition(es)[0] for body in bodies]
    try:
        last = ids.index("IEA", 0, len(ids) - 1)  # the final piece has no terminator after it
        terminated = True
    except ValueError:
        last, terminated = len(ids) - 1, False
    gaps = [p[: len(p) - len(b)] for p, b in zip(pieces[: last + 1], bodies, strict=False)]
    tail = bodies[last] if terminated else bodies[last].rstrip(WHITESPACE)
    texts = [header.text, *bodies[:last], tail]
    if term not in "\r\n" and _has_break("".join(texts)):
        _line_break_inside(texts, gaps, es, term, first_line)
    end = header.end + sum(map(len, pieces[: last + 1])) + len(term) * (last + 1 if terminated else last)
    if not terminated:
        ids[last] = tail.partition(es)[0]
        return _unterminated(texts, ["ISA", *ids[: last + 1]], gaps, bodies[last][len(tail) :], end)
    following = end
    while following < len(text) and text[following] in WHITESPACE:
        following += 1
    gaps.append(text[end:following])
    return Cut(texts, ["ISA", *ids[: last + 1]], gaps, True, following)


def _unterminated(texts: list[str], ids: list[str], gaps: list[str], trailing: str, end: int) -> Cut:
    """The input ended without a terminated IEA. Its last piece is either whitespace after the last
    terminator or a segment without terminator (plus trailing whitespace)."""
    gaps.append(trailing)
    if texts[-1]:
        return Cut(texts, ids, gaps, False, end)
    texts.pop()
    ids.pop()
    gaps[-2:] = [gaps[-2] + gaps[-1]]
    return Cut(texts, ids, gaps, True, end)


def _has_break(text: str) -> bool:
    return "\n" in text or "\r" in text


def _merge_blank_lines(pieces: list[str], bodies: list[str], term: str) -> None:
    """With a line-break terminator, blank lines are empty pieces: fold each into the next piece's leading
    whitespace, so that it is kept as part of the gap rather than read as an empty segment."""
    k = 0
    while k < len(bodies) - 1:
        if bodies[k]:
            k += 1
            continue
        pieces[k + 1] = pieces[k] + term + pieces[k + 1]
        del pieces[k], bodies[k]


def breaks(text: str) -> int:
    """Line breaks in ``text``, CRLF counting once."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def line_numbers(first_line: int, terminator: str, gaps: list[str], count: int) -> list[int]:
    """The 1-based line each of the first ``count`` segments starts on."""
    known: dict[str, int] = {}
    steps = [first_line]
    for gap in gaps[: count - 1]:
        step = known.get(gap)
        if step is None:
            step = known[gap] = breaks(terminator + gap)
        steps.append(step)
    return list(accumulate(steps))


def _line_break_inside(texts: list[str], gaps: list[str], es: str, term: str, first_line: int) -> NoReturn:
    n = next(i for i, t in enumerate(texts) if _has_break(t))
    seg_id = texts[n].partition(es)[0]
    line = line_numbers(first_line, term, gaps, n + 1)[n]
    known = seg_id.isascii() and seg_id.isalnum() and len(seg_id) <= 3
    raise X12ParseError(
        "line break inside a segment: segments must end with the terminator the ISA declares",
        Location(segment=seg_id if known else None, segment_index=n + 1, line=line),
        INVALID_SEGMENT_TERMINATOR,
    )
