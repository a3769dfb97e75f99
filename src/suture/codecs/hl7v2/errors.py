"""The HL7 v2 codec's one exception: a rejection of malformed input."""

from __future__ import annotations

from suture.errors import Location, RejectedInput

# HL7 table 0357 (message error condition codes) entries the codec uses.
SEGMENT_SEQUENCE_ERROR = "100"
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
APPLICATION_INTERNAL_ERROR = "207"


class Hl7ParseError(RejectedInput):
    """HL7 v2 bytes that cannot be accepted.

    ``reason`` says what is wrong (never quoting field values, which may be PHI), ``location`` where, and
    ``error_code`` is the HL7 table 0357 code to put in ERR-3 of the NAK.

    >>> err = Hl7ParseError("MSH-9 (message type) is empty", Location("MSH", 1, 9), REQUIRED_FIELD_MISSING)
    >>> str(err)
    'MSH-9 (message type) is empty at MSH (segment 1) field 9'
    """

    def __init__(self, reason: str, location: Location | None = None, error_code: str = SEGMENT_SEQUENCE_ERROR) -> None:
        super().__init__(reason, location)
        self.error_code = error_code
