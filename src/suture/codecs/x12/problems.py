"""Problems that do not stop parsing: they are what a 997/999 reports, per transaction set or group.

A ``Problem`` sits at one of five levels, and its ``code`` comes from the code list of that level:

* ``interchange``: TA105 interchange note codes (IEA01/IEA02 that disagree with the contents), for a TA1;
  a 997/999 does not carry them. Common practice (TA104 = E) is to accept such an interchange with errors.
* ``group``: AK905-AK909 (functional group syntax error codes, X12 code list 716)
* ``transaction``: AK502-AK506 / IK502-IK506 (transaction set syntax error codes, 718)
* ``segment``: AK304 / IK304 (segment syntax error codes, 720 / 620)
* ``element``: AK403 / IK403 (element syntax error codes, 723 / 621), reported under an AK3/IK3 with code 8

``rejects`` says whether the problem rejects its transaction set (AK5*R) or group (AK9*R), or is only noted
(AK5*E: "accepted, but errors were noted"). Problems found against this codec's partial segment dictionary
are only noted, so that an incomplete table never rejects a partner's valid document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from suture.errors import Location

Level = Literal["interchange", "group", "transaction", "segment", "element"]

# Functional group syntax error codes (AK905..AK909).
GROUP_NOT_SUPPORTED = "1"
GROUP_VERSION_NOT_SUPPORTED = "2"
GROUP_TRAILER_MISSING = "3"
GROUP_CONTROL_NUMBER_MISMATCH = "4"
GROUP_COUNT_MISMATCH = "5"
GROUP_CONTROL_NUMBER_INVALID = "6"

# Transaction set syntax error codes (AK502..AK506 / IK502..IK506).
SET_NOT_SUPPORTED = "1"
SET_TRAILER_MISSING = "2"
SET_CONTROL_NUMBER_MISMATCH = "3"
SET_SEGMENT_COUNT_MISMATCH = "4"
SET_SEGMENTS_IN_ERROR = "5"
SET_IDENTIFIER_INVALID = "6"
SET_CONTROL_NUMBER_INVALID = "7"
SET_CONTROL_NUMBER_NOT_UNIQUE = "23"  # 005010 and later; 004010 reports a duplicate as 7

# Segment syntax error codes (AK304 / IK304).
SEGMENT_UNRECOGNIZED = "1"
SEGMENT_UNEXPECTED = "2"
SEGMENT_MANDATORY_MISSING = "3"
SEGMENT_NOT_IN_SET = "6"
SEGMENT_HAS_ELEMENT_ERRORS = "8"

# Element syntax error codes (AK403 / IK403).
ELEMENT_MANDATORY_MISSING = "1"
ELEMENT_INVALID_CHARACTER = "6"
ELEMENT_INVALID_CODE = "7"
ELEMENT_INVALID_DATE = "8"
ELEMENT_INVALID_TIME = "9"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding, with where it is. ``position`` is the segment's position in its transaction set (ST = 1),
    as AK302/IK302 count it; ``line`` is the 1-based line of the file the segment starts on.

    >>> p = Problem("SE01 says 9 segments, the set holds 5", "transaction", "4", "SE", 5, 6, element=1)
    >>> str(p.location)
    'SE (segment 5) field 1 line 6'
    """

    reason: str
    level: Level
    code: str
    segment: str | None = None
    position: int | None = None
    line: int | None = None
    element: int | None = None
    component: int | None = None
    repetition: int | None = None
    element_ref: str | None = None  # data element reference number (AK402/IK402), e.g. "96" for SE01
    rejects: bool = True

    @property
    def location(self) -> Location:
        """The problem as a ``suture.errors.Location`` (for logs, NAK text, dead-letter triage)."""
        return Location(
            segment=self.segment,
            segment_index=self.position,
            field=self.element,
            component=self.component,
            line=self.line,
        )
