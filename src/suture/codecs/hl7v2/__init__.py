"""HL7 v2 codec: bytes <-> Message, escapes, batches and acknowledgements.

Pure: no I/O, no clock, no environment. The hot path is ``parse`` + ``Message.get``: segments are cut
once at parse time (their ids must be checked anyway), fields only when a segment is first read, and
path strings are compiled once.

Design choices (details in the module docstrings):

* Round trip: ``to_bytes()`` is ``raw`` until ``set()``; after it the message is rebuilt with the
  original BOM, leading/trailing whitespace, per-line CR/LF/CRLF terminators and blank lines, so only
  the edited segment changes. A UTF-8 BOM is stripped for parsing, kept in ``raw`` and re-emitted.
* ``get("PID-3")`` (no component) is the first repetition, delimiters kept, escapes decoded (lossy when
  a component holds ``\\S\\``; use components or ``get_raw``). Absent and empty both give ``default``.
* ``\\.br\\`` decodes to ``"\\n"``; other formatting escapes pass through unchanged.
* MSH-18 empty: UTF-8, else latin-1 (``Message.charset`` says which). Unknown MSH-18: rejected (103).
* parse() validates MSH in depth, every other segment only by its id, plus OBX-5 against a date/time
  type declared in OBX-2 (one regex scan). Missing MSH-10 is rejected: the ACK could not be paired.

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
