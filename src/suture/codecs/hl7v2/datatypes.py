"""The one data-type check parse() makes: OBX-5 against the date/time type OBX-2 declares.

Other fields are not type-checked at parse time (that would cost on every message); OBX is different
because the message itself states the type, and a date that does not parse would reach a result store.
Only the shape is checked (digits in the right places), not the calendar.
"""

from __future__ import annotations

import re

from suture.errors import Location

from .errors import DATA_TYPE_ERROR, Hl7ParseError
from .segment import Segment
from .separators import Separators

_DTM = r"[0-9]{4}(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:\.[0-9]{1,4})?)?)?)?)?)?(?:[+-][0-9]{4})?"
_TM = r"[0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:\.[0-9]{1,4})?)?)?(?:[+-][0-9]{4})?"
_PATTERNS = {
    "DT": re.compile(r"[0-9]{4}(?:[0-9]{2}(?:[0-9]{2})?)?", re.ASCII),
    "DTM": re.compile(_DTM, re.ASCII),
    "TS": re.compile(_DTM, re.ASCII),  # TS.1 is a DTM; TS.2 (precision, deprecated) is not checked
    "TM": re.compile(_TM, re.ASCII),
}
_FINDERS: dict[str, re.Pattern[str]] = {}


def check_observation_types(text: str, lines: list[str], separators: Separators) -> None:
    """Raise Hl7ParseError when an OBX declares DT/DTM/TS/TM in OBX-2 and OBX-5 does not fit it.

    ``text`` is the message, ``lines`` its segment lines. One regex search finds the candidates, so a
    message without such OBX costs a single C-level scan.
    """
    for match in _finder(separators.field).finditer(text):
        start = match.start()
        if start and text[start - 1] not in "\r\n":
            continue
        line = text[start:].split("\n", 1)[0].split("\r", 1)[0]
        number = lines.index(line) + 1
        value_type = match.group(1)
        _check_value(Segment(line, separators, number), separators, value_type, _PATTERNS[value_type])


def _finder(fs: str) -> re.Pattern[str]:
    finder = _FINDERS.get(fs)
    if finder is None:
        f = re.escape(fs)
        finder = _FINDERS[fs] = re.compile(f"OBX{f}[^{f}\r\n]*{f}(DTM?|TS|TM){f}")
    return finder


def _check_value(seg: Segment, separators: Separators, value_type: str, pattern: re.Pattern[str]) -> None:
    for value in seg.repetitions(5):
        if value_type == "TS":
            value = value.split(separators.component, 1)[0]
        if value and value != '""' and pattern.fullmatch(value) is None:
            raise Hl7ParseError(
                f"OBX-5 is not a valid {value_type} value (OBX-2 declares {value_type})",
                Location(segment="OBX", segment_index=seg.index, field=5),
                DATA_TYPE_ERROR,
            )
