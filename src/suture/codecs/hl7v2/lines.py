"""Finding the message inside the bytes and cutting it into lines, keeping what is needed to rebuild it."""

from __future__ import annotations

import re

BOM = b"\xef\xbb\xbf"
_WHITESPACE = frozenset(b" \t\r\n")
_LEADING = re.compile(rb"[ \t\r\n]*")
_BREAK = re.compile(r"(\r\n|\r|\n)")


def bounds(data: bytes) -> tuple[int, int]:
    """Start and end of the message proper: after a UTF-8 BOM and leading whitespace, before trailing
    whitespace (as python-hl7 does; the bytes are kept aside so the round trip stays exact).

    >>> bounds(b"\\xef\\xbb\\xbf\\r\\nMSH|x\\r\\n")
    (5, 10)
    """
    start = 3 if data.startswith(BOM) else 0
    end = len(data)
    if start < end and data[start] in _WHITESPACE:
        leading = _LEADING.match(data, start)
        start = leading.end() if leading else start
    if end > start and data[end - 1] in _WHITESPACE:
        end = max(start, len(data.rstrip(b" \t\r\n")))
    return start, end


def is_blank(line: str) -> bool:
    """A line of nothing but spaces and tabs (str.strip() would also eat \\x1c and friends)."""
    return not line.strip(" \t")


def first_break(data: bytes, start: int, end: int) -> int:
    """Offset of the first CR or LF in data[start:end], or ``end``."""
    cr = data.find(b"\r", start, end)
    lf = data.find(b"\n", start, end)
    if cr < 0:
        return end if lf < 0 else lf
    return cr if lf < 0 else min(cr, lf)


def split_lines(body: str) -> tuple[list[str], str, list[str] | None]:
    """Split on CR, LF or CRLF: (lines, main terminator, every terminator when they are mixed else None).

    >>> split_lines("A\\r\\nB\\r\\nC")
    (['A', 'B', 'C'], '\\r\\n', None)
    >>> split_lines("A\\rB\\nC")
    (['A', 'B', 'C'], '\\r', ['\\r', '\\n'])
    """
    if "\n" not in body:
        return body.split("\r"), "\r", None
    if "\r" not in body:
        return body.split("\n"), "\n", None
    crlf = body.count("\r\n")
    if crlf == body.count("\r") == body.count("\n"):
        return body.split("\r\n"), "\r\n", None
    parts = _BREAK.split(body)
    return parts[0::2], parts[1], parts[1::2]


def lines_with_offsets(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """(offset, line) for every line of text[start:end], blank ones included."""
    out: list[tuple[int, str]] = []
    pos = start
    while pos < end:
        cr = text.find("\r", pos, end)
        lf = text.find("\n", pos, end)
        stop = end if cr < 0 and lf < 0 else (lf if cr < 0 else cr if lf < 0 else min(cr, lf))
        out.append((pos, text[pos:stop]))
        pos = stop + (2 if text.startswith("\r\n", stop) else 1)
    return out
