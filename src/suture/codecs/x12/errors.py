"""The X12 codec's exceptions: fatal rejections of an interchange, and typed-reader failures.

Reasons say *where* and *what kind*, never the value (X12 carries prices, names and, in 837s, PHI).
"""

from __future__ import annotations

from suture.errors import Location, RejectedInput

# TA1 interchange note codes (TA105) for the fatal problems the parser detects; a TA1 writer can use them.
CONTROL_NUMBER_MISMATCH = "001"
INVALID_SEGMENT_TERMINATOR = "004"
INVALID_SENDER_QUALIFIER = "005"
INVALID_SENDER_ID = "006"
INVALID_RECEIVER_QUALIFIER = "007"
INVALID_RECEIVER_ID = "008"
INVALID_AUTHORIZATION_QUALIFIER = "010"
INVALID_AUTHORIZATION_VALUE = "011"
INVALID_SECURITY_QUALIFIER = "012"
INVALID_SECURITY_VALUE = "013"
INVALID_DATE = "014"
INVALID_TIME = "015"
INVALID_STANDARDS_ID = "016"
INVALID_VERSION = "017"
INVALID_CONTROL_NUMBER = "018"
INVALID_ACK_REQUESTED = "019"
INVALID_TEST_INDICATOR = "020"
INVALID_GROUP_COUNT = "021"
INVALID_CONTROL_STRUCTURE = "022"
PREMATURE_END = "023"
INVALID_CONTENT = "024"
INVALID_ELEMENT_SEPARATOR = "026"
INVALID_COMPONENT_SEPARATOR = "027"


class X12ParseError(RejectedInput):
    """An interchange that cannot be accepted at all (TA1 territory: no 997/999 can be built for it).

    ``note_code`` is the TA1 interchange note code (TA105) that describes the problem.

    >>> err = X12ParseError("IEA02 does not match ISA13", Location("IEA", 9, 2, line=9), CONTROL_NUMBER_MISMATCH)
    >>> str(err)
    'IEA02 does not match ISA13 at IEA (segment 9) field 2 line 9'
    """

    def __init__(self, reason: str, location: Location | None = None, note_code: str = INVALID_CONTENT) -> None:
        super().__init__(reason, location)
        self.note_code = note_code


class X12ReadError(RejectedInput):
    """A transaction set that a typed reader (832, 850, ...) cannot turn into its dataclass."""
