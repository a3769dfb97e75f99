"""HL7 v2 codec: bytes <-> Message, escapes, batches and acknowledgements.

Pure: no I/O, no clock, no environment. The hot path is ``parse`` + ``Message.get``: segments are cut
once at parse time (their ids must be checked anyway), fields only when a segment is first read.

>>> from suture.codecs.hl7v2 import parse
>>> msg = parse(b"MSH|^~\\\\&|LAB|H|EHR|H|20240101||ORU^R01|C1|P|2.5.1\\rPID|1||123^^^MRN\\r")
>>> msg.get("PID-3.1"), msg.to_bytes() == msg.raw
('123', True)
"""

from .ack import AckMode, accept_ack_code, ack_code, ack_mode, build_ack
from .batch import is_batch, split_batch
from .errors import Hl7ParseError
from .escape import escape, unescape
from .message import Message
from .nak import build_nak_for_unparseable
from .parser import parse
from .path import compile_path
from .segment import Segment
from .separators import Separators

__all__ = [
    "AckMode",
    "Hl7ParseError",
    "Message",
    "Segment",
    "Separators",
    "accept_ack_code",
    "ack_code",
    "ack_mode",
    "build_ack",
    "build_nak_for_unparseable",
    "compile_path",
    "escape",
    "is_batch",
    "parse",
    "split_batch",
    "unescape",
]
