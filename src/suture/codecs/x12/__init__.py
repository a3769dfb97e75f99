"""X12 codec: bytes <-> Interchange, a builder, 997/999 acknowledgments, and typed readers.

Pure: no I/O, no clock, no environment (dates and control numbers are passed in). The hot path is
``parse``: segments are cut once (their ids steer the envelope checks); elements are split only when a
segment is read.

Fatal (``X12ParseError``, with a TA1 note code): no ISA, a broken ISA (see ``isa``), a line break inside a
segment, truncated input (no IEA), segments outside their envelope. Reported (``Problem`` on the
interchange, group or set; ``strict=True`` raises the first that rejects): IEA01/IEA02 mismatches (for a
TA1), missing GE/SE, GE/SE counts and control numbers, duplicate control numbers, unsupported GS08,
invalid segment ids, a missing beginning segment or its mandatory elements/dates, control characters,
and, only noted, segments outside a set's table and a set filed under the wrong GS01.

>>> from suture.codecs.x12 import parse
>>> ix = parse(b"ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *240101*1200*U*00401*"
...            b"000000001*0*P*>~GS*PO*BUYER*SELLER*20240101*1200*1*X*004010~ST*850*0001~"
...            b"BEG*00*SA*PO-1**20240101~PO1*1*2*EA*9.5**VN*A1>B~SE*4*0001~GE*1*1~IEA*1*000000001~")
>>> po1 = ix.transactions[0].segment("PO1")
>>> po1.get(4), po1.get(7), po1.get(7, component=2), ix.to_bytes() == ix.raw
('9.5', 'A1>B', 'B', True)

Typed readers live in ``suture.codecs.x12.readers`` (832, 850, 855, 856, 810).
"""

from .ack import build_997, build_999, set_status
from .ack_reader import Acknowledgment, ElementNote, SegmentNote, SetAck, read_acknowledgment, read_acknowledgments
from .builder import GroupSpec, TransactionSpec, build_interchange
from .delimiters import DEFAULT_DELIMITERS, Delimiters
from .errors import X12ParseError, X12ReadError
from .model import FunctionalGroup, Interchange, Transaction
from .parser import parse, parse_all
from .problems import Problem
from .segment import Segment
from .writer import write_segment

__all__ = [
    "DEFAULT_DELIMITERS",
    "Acknowledgment",
    "Delimiters",
    "ElementNote",
    "FunctionalGroup",
    "GroupSpec",
    "Interchange",
    "Problem",
    "Segment",
    "SegmentNote",
    "SetAck",
    "Transaction",
    "TransactionSpec",
    "X12ParseError",
    "X12ReadError",
    "build_997",
    "build_999",
    "build_interchange",
    "parse",
    "parse_all",
    "read_acknowledgment",
    "read_acknowledgments",
    "set_status",
    "write_segment",
]
