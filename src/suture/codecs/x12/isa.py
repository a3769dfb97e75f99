"""Reading the ISA: the delimiters it declares and the checks its fixed layout allows.

The ISA is 106 characters with every element at its fixed width, so that a receiver can find the
delimiters by position (element separator at 3, ISA16 at 104, terminator at 105). Senders get this wrong
in two ways, told apart here:

* *Sloppy padding* around values: elements written at their value's length, blanks as one space or
  nothing, ids padded short or one space long. Tools that treat the ISA like any other segment do this
  (several corpus files). The ISA is then read by its element separator; the delimiters stay unambiguous,
  so it is accepted.
* *Broken* headers: a value longer than its element's width, an ID, date, time, version or control number
  of the wrong length, an ISA cut by a line break, and a blank ISA02/ISA04 of some width other than 0, 1
  or its own 10 (the mark of a fixed-width header that lost or gained a character, as in the imsweb
  fixture with a nine-space ISA02). These are rejected, naming the element. The last rule is a judgement
  call: it is where hand-edited fixed-width headers go wrong, while a stray pad after a value is harmless.

Padding may be spaces or NO-BREAK SPACE (U+00A0, seen from tools that pad in UTF-8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate, pairwise
from typing import NoReturn

from suture.errors import Location

from . import errors as e
from .delimiters import Delimiters

WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)  # ISA01..ISA15; ISA16 is one character
NAMES = (
    "authorization information qualifier",
    "authorization information",
    "security information qualifier",
    "security information",
    "interchange sender id qualifier",
    "interchange sender id",
    "interchange receiver id qualifier",
    "interchange receiver id",
    "interchange date",
    "interchange time",
    "repetition separator / standards identifier",
    "interchange control version number",
    "interchange control number",
    "acknowledgment requested",
    "usage indicator",
)
PADDING = " \xa0"
# Offsets of the 16 element separators in a fixed-width ISA (the first follows "ISA").
_FIXED_SEPARATORS = tuple(accumulate((3, *(w + 1 for w in WIDTHS))))
_FIXED_PATTERNS: dict[str, re.Pattern[str]] = {}
_SEARCH_LIMIT = 160  # an ISA longer than this has an element far past its width
_NOTE_CODES = {
    1: e.INVALID_AUTHORIZATION_QUALIFIER,
    2: e.INVALID_AUTHORIZATION_VALUE,
    3: e.INVALID_SECURITY_QUALIFIER,
    4: e.INVALID_SECURITY_VALUE,
    5: e.INVALID_SENDER_QUALIFIER,
    6: e.INVALID_SENDER_ID,
    7: e.INVALID_RECEIVER_QUALIFIER,
    8: e.INVALID_RECEIVER_ID,
    9: e.INVALID_DATE,
    10: e.INVALID_TIME,
    11: e.INVALID_STANDARDS_ID,
    12: e.INVALID_VERSION,
    13: e.INVALID_CONTROL_NUMBER,
    14: e.INVALID_ACK_REQUESTED,
    15: e.INVALID_TEST_INDICATOR,
}


@dataclass(frozen=True, slots=True)
class IsaHeader:
    """The ISA as read: its text (without terminator), elements ISA01..ISA16 (``elements[n]`` is ISAnn),
    delimiters, the offset just after its terminator, and whether it kept the fixed widths."""

    text: str
    elements: tuple[str, ...]
    delimiters: Delimiters
    end: int
    fixed_width: bool


def read_isa(text: str, start: int, line: int) -> IsaHeader:
    """Read the ISA that starts at ``text[start]`` (which holds "ISA"); raise X12ParseError when unusable.

    >>> isa = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*"
    ...        "000000001*0*P*:~")
    >>> h = read_isa(isa + "GS*", 0, 1)
    >>> h.delimiters.repetition, h.delimiters.component, h.delimiters.segment, h.end, h.fixed_width
    ('^', ':', '~', 106, True)
    """
    es = text[start + 3 : start + 4]
    if not es or es.isalnum() or es.isspace():
        _fail(
            "ISA is not followed by an element separator (a punctuation character)",
            line,
            None,
            e.INVALID_ELEMENT_SEPARATOR,
        )
    fast = _fixed_pattern(es).match(text, start) is not None
    seps = [start + o for o in _FIXED_SEPARATORS] if fast else _separators(text, start, es, line)
    elements = ("ISA", *(text[a + 1 : b] for a, b in pairwise(seps)))
    if not fast:
        for n in range(1, 16):
            if "\n" in elements[n] or "\r" in elements[n]:
                reason = f"ISA is broken across lines: line break inside ISA{n:02d}"
                _fail(reason, line, n, e.INVALID_CONTROL_STRUCTURE)
    last = seps[-1]
    component = text[last + 1 : last + 2]
    terminator = text[last + 2 : last + 3]
    if not component:
        _fail("input ends before ISA16 (component element separator)", line, 16, e.PREMATURE_END)
    if component in "\r\n" or component.isalnum() or component.isspace():
        _fail(
            "ISA16 (component element separator) is missing or not a delimiter", line, 16, e.INVALID_COMPONENT_SEPARATOR
        )
    if not terminator:
        _fail("input ends after ISA16: no segment terminator", line, 16, e.PREMATURE_END)
    if terminator.isalnum() or terminator in " \t":
        _fail("ISA16 must be one character followed by the segment terminator", line, 16, e.INVALID_SEGMENT_TERMINATOR)
    fixed = (fast and _fixed_values_ok(elements)) or _check_elements(elements, line)
    delimiters = _delimiters(elements, es, component, terminator, text[last + 3 : last + 5], line)
    return IsaHeader(text[start : last + 2], (*elements, component), delimiters, last + 3, fixed)


def _separators(text: str, start: int, es: str, line: int) -> list[int]:
    seps = [start + 3]
    limit = min(len(text), start + _SEARCH_LIMIT)
    for _ in range(15):
        at = text.find(es, seps[-1] + 1, limit)
        if at < 0:
            reason = "input ends inside the ISA" if limit == len(text) else "ISA has fewer than 16 elements"
            _fail(reason, line, len(seps), e.PREMATURE_END if limit == len(text) else e.INVALID_CONTROL_STRUCTURE)
        seps.append(at)
    return seps


def _fixed_pattern(es: str) -> re.Pattern[str]:
    """A regex that a well-formed fixed-width ISA (up to its 16th separator) matches: one C-level check for
    the usual case; the per-element checks then run only to explain a failure."""
    pattern = _FIXED_PATTERNS.get(es)
    if pattern is None:
        sep, any_ = re.escape(es), f"[^{re.escape(es)}\r\n]"
        kinds = (r"\d", any_, r"\d", any_, "[A-Za-z0-9]", any_, "[A-Za-z0-9]", any_, r"\d", r"\d", any_, r"\d", r"\d")
        parts = [f"{kind}{{{width}}}" for kind, width in zip(kinds, WIDTHS, strict=False)]
        pattern = re.compile("ISA" + sep + sep.join([*parts, "[01]", "[PTI]"]) + sep, re.ASCII)
        if len(_FIXED_PATTERNS) < 64:
            _FIXED_PATTERNS[es] = pattern
    return pattern


def _fixed_values_ok(elements: tuple[str, ...]) -> bool:
    """What the fixed-width pattern cannot see: real dates and times, non-blank ids, a non-blank ISA11."""
    blank = not elements[6].strip(PADDING) or not elements[8].strip(PADDING) or elements[11].isspace()
    return not blank and _date(elements[9]) and _time(elements[10])


def _check_elements(elements: tuple[str, ...], line: int) -> bool:
    fixed = all(len(elements[n]) == WIDTHS[n - 1] for n in range(1, 16))
    for n in range(1, 16):
        value = elements[n]
        if not _valid(n, value, fixed):
            _fail(_why(n, value), line, n, _NOTE_CODES[n])
    return fixed


def _valid(n: int, value: str, fixed: bool) -> bool:
    width = WIDTHS[n - 1]
    if n in (2, 4, 6, 8):
        content = value.strip(PADDING)
        if len(content) > width or (not content and n in (6, 8)):
            return False
        return fixed or bool(content) or len(value) in (0, 1, width)
    if len(value) != width:
        return False
    if n in (1, 3, 9, 10, 12, 13):
        return _digits(value) and (n != 9 or _date(value)) and (n != 10 or _time(value))
    if n in (5, 7):
        return value.isascii() and value.isalnum()
    if n == 14:
        return value in ("0", "1")
    if n == 15:
        return value in ("P", "T", "I")
    return not value.isspace()


def _why(n: int, value: str) -> str:
    width = WIDTHS[n - 1]
    name = f"ISA{n:02d} ({NAMES[n - 1]})"
    if n in (2, 4, 6, 8):
        content = value.strip(PADDING)
        if len(content) > width:
            return f"{name} holds {len(content)} characters; at most {width}"
        if n in (6, 8):
            return f"{name} is blank"
        return (
            f"{name} is {len(value)} characters of padding: a fixed-width ISA pads it to {width}, "
            f"an unpadded one leaves it empty or one space"
        )
    if len(value) != width:
        return f"{name} is {len(value)} characters; it must be exactly {width}"
    kinds = {9: "a date YYMMDD", 10: "a time HHMM", 14: "0 or 1", 15: "P, T or I", 5: "a 2-character code"}
    return f"{name} must be {kinds.get(n, 'digits')}"


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _date(value: str) -> bool:
    return 1 <= int(value[2:4]) <= 12 and 1 <= int(value[4:6]) <= 31


def _time(value: str) -> bool:
    return int(value[:2]) < 24 and int(value[2:4]) < 60


def _delimiters(elements: tuple[str, ...], es: str, cs: str, term: str, after: str, line: int) -> Delimiters:
    rs: str | None = elements[11]
    if elements[12] < "00402" or not rs or rs.isalnum() or rs.isspace():
        rs = None  # ISA11 is the standards identifier ("U"), not a delimiter
    used = [es, cs, term] + ([rs] if rs else [])
    if len(set(used)) != len(used):
        which = 16 if cs in (es, term, rs) else 11
        _fail("ISA declares the same character for two delimiters", line, which, e.INVALID_CONTROL_STRUCTURE)
    line_break = ""
    if term == "\r" and after.startswith("\n"):
        line_break = "\n"
    elif term not in "\r\n":
        line_break = "\r\n" if after.startswith("\r\n") else after[:1] if after[:1] in ("\r", "\n") else ""
    return Delimiters(es, cs, rs, term, line_break)


def _fail(reason: str, line: int, element: int | None, code: str) -> NoReturn:
    raise e.X12ParseError(reason, Location(segment="ISA", segment_index=1, field=element, line=line), code)
