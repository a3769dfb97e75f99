"""parse() / parse_all(): bytes -> Interchange(s).

Text handling: X12 delimiters and envelope fields are ASCII. The input is decoded as UTF-8 when it is
valid UTF-8 (so that a multi-byte padding character counts as one ISA position) and as Latin-1 otherwise
(a byte-for-byte view); either way ``to_bytes()`` returns the input unchanged.
"""

from __future__ import annotations

from typing import NoReturn

from suture.errors import Location

from . import errors as e
from .checks import has_control_characters
from .envelope import assemble
from .isa import read_isa
from .lexer import WHITESPACE, breaks, cut
from .model import Interchange

BOM = b"\xef\xbb\xbf"


def parse(data: bytes, *, strict: bool = False) -> Interchange:
    """Parse one interchange (ISA..IEA).

    A UTF-8 BOM and whitespace before the ISA, line breaks and indentation between segments, and
    whitespace after the IEA are tolerated and kept. Fatal problems raise ``X12ParseError``; the others are
    collected as ``Problem``\\s on their group or transaction set, for a 997/999. With ``strict=True`` the
    first problem that would reject a set or group raises as well.

    >>> ix = parse(b"ISA*00* *00* *ZZ*S *ZZ*R *240101*1200*U*00401*000000001*0*T*>~\\n"
    ...            b"GS*PO*S*R*20240101*1200*1*X*004010~\\nST*850*0001~\\nBEG*00*SA*42**20240101~\\n"
    ...            b"SE*4*0001~\\nGE*1*1~\\nIEA*1*000000001~\\n")
    >>> tx = ix.transactions[0]
    >>> [(p.code, p.segment, p.element) for p in tx.problems], tx.rejected
    ([('4', 'SE', 1)], True)
    """
    found = _parse(data, strict, single=True)
    return found[0]


def parse_all(data: bytes, *, strict: bool = False) -> list[Interchange]:
    """Parse input holding one or more interchanges back to back (each may declare its own delimiters).
    ``b"".join(ix.to_bytes() for ix in parse_all(data)) == data``."""
    return _parse(data, strict, single=False)


def _parse(data: bytes, strict: bool, single: bool) -> list[Interchange]:
    bom = data.startswith(BOM)
    body = data[3:] if bom else data
    try:
        text, encoding = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = body.decode("latin-1"), "latin-1"
    controls = has_control_characters(body)
    found: list[Interchange] = []
    pos = 0
    while True:
        start = _skip_whitespace(text, pos)
        if start == len(text):
            if not found:
                raise e.X12ParseError("empty input: no ISA segment", None, e.PREMATURE_END)
            return found
        line = 1 + breaks(text[:start])
        _check_start(text, start, line, bool(found), single)
        header = read_isa(text, start, line)
        pieces = cut(text, header, line)
        whole = single or (pos == 0 and pieces.end == len(text))
        raw = data if whole else (BOM if bom and pos == 0 else b"") + text[pos : pieces.end].encode(encoding)
        ix = Interchange(
            raw=raw,
            encoding=encoding,
            bom=bom and pos == 0,
            prefix=text[pos:start],
            header=header,
            cut=pieces,
            first_line=line,
        )
        assemble(ix, controls)
        if strict:
            _raise_first_rejection(ix)
        found.append(ix)
        pos = pieces.end


def _skip_whitespace(text: str, pos: int) -> int:
    end = len(text)
    while pos < end and text[pos] in WHITESPACE:
        pos += 1
    return pos


def _check_start(text: str, start: int, line: int, after_one: bool, single: bool) -> None:
    head = text[start : start + 3]
    if head == "ISA" and after_one and single:
        _fail("input holds more than one interchange: use parse_all()", "ISA", line, e.INVALID_CONTROL_STRUCTURE)
    if head == "ISA":
        return
    if after_one:
        _fail("data after the IEA is not another interchange", None, line, e.INVALID_CONTROL_STRUCTURE)
    seg_id = text[start : start + 2] if text.startswith("GS", start) else None
    reason = (
        "input starts with GS: the ISA envelope is missing" if seg_id else "input does not start with an ISA segment"
    )
    _fail(reason, seg_id, line, e.INVALID_CONTROL_STRUCTURE)


def _fail(reason: str, segment: str | None, line: int, code: str) -> NoReturn:
    raise e.X12ParseError(
        reason, Location(segment=segment, segment_index=1 if segment != "ISA" else None, line=line), code
    )


def _raise_first_rejection(ix: Interchange) -> None:
    for problem in ix.problems:
        if problem.rejects:
            raise e.X12ParseError(problem.reason, problem.location, e.INVALID_CONTENT)
