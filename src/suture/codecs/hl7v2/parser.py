"""parse(): bytes -> Message, validating only what must be valid (MSH in depth, other segments' ids)."""

from __future__ import annotations

from itertools import islice

from suture.errors import Location

from .charset import codec_for, decode
from .datatypes import check_observation_types
from .errors import REQUIRED_FIELD_MISSING, SEGMENT_SEQUENCE_ERROR, Hl7ParseError
from .lines import bounds, first_break, is_blank, split_lines
from .message import Message
from .separators import Separators, read_separators

_BATCH_IDS = frozenset({"FHS", "BHS", "BTS", "FTS"})
# Per field separator, segment heads ("PID|") already checked: most messages validate in one C-level pass.
_VALID_HEADS: dict[str, set[str]] = {}
_VALID_HEADS_LIMIT = 4096


def parse(data: bytes) -> Message:
    """Parse one HL7 v2 message.

    A leading UTF-8 BOM and whitespace before MSH and line breaks after the last segment are set aside
    (``raw`` keeps them and ``to_bytes()`` gives them back). Segments may end in CR, LF or CRLF.

    >>> msg = parse(b"MSH|^~\\\\&|LAB|H1|EHR|H2|20240101||ORU^R01^ORU_R01|MSG1|P|2.5.1\\r")
    >>> msg.message_type, msg.trigger_event, msg.control_id, msg.charset
    ('ORU', 'R01', 'MSG1', 'utf-8')
    """
    start, end = bounds(data)
    if start >= end:
        raise Hl7ParseError("empty input: no HL7 message", None, SEGMENT_SEQUENCE_ERROR)
    _check_starts_with_msh(data[start : start + 3])
    header = data[start : first_break(data, start, end)].decode("latin-1")
    seps = read_separators(header)
    text, charset = decode(data[start:end], codec_for(_msh18(header, seps)), seps.field)
    lines, terminator, terms = split_lines(text)
    if terminator != "\r":
        seps = read_separators(header, terminator)
    seg_lines, heads, positions = _scan_segments(lines, seps.field)
    msg = Message(
        raw=data,
        separators=seps,
        charset=charset,
        lines=lines,
        terms=terms,
        segment_lines=seg_lines,
        heads=heads,
        positions=positions,
        prefix=data[:start],
        suffix=data[end:],
    )
    _check_header(msg)
    check_observation_types(text, seg_lines, seps)
    return msg


def _check_starts_with_msh(head: bytes) -> None:
    if head == b"MSH":
        return
    if head in (b"FHS", b"BHS"):
        raise Hl7ParseError(
            f"input is an HL7 batch (starts with {head.decode()}): use split_batch() to get its messages",
            Location(segment=head.decode(), segment_index=1),
            SEGMENT_SEQUENCE_ERROR,
        )
    raise Hl7ParseError("message does not start with an MSH segment", Location(segment_index=1), SEGMENT_SEQUENCE_ERROR)


def _msh18(header: str, seps: Separators) -> str:
    fields = header.split(seps.field, 18)  # fields[n - 1] is MSH-n
    return fields[17].split(seps.repetition, 1)[0] if len(fields) > 17 else ""


def _scan_segments(lines: list[str], fs: str) -> tuple[list[str], list[str], list[int] | None]:
    """Check every segment id. Return the segment lines, their heads (id + field separator) and, when
    blank lines were dropped, the line number of each segment."""
    heads = [line[:4] for line in lines]
    known = _VALID_HEADS.get(fs)
    if known is None:
        known = _VALID_HEADS[fs] = set()
    if known.issuperset(islice(heads, 1, None)):
        return lines, heads, None
    seg_lines, seg_heads, positions = [lines[0]], [heads[0]], [0]
    for line_no in range(1, len(lines)):
        line, head = lines[line_no], heads[line_no]
        if head not in known:
            if is_blank(line):  # blank line between segments: tolerated, kept for serialization
                continue
            head = _check_segment_id(line, fs, len(seg_lines) + 1, known)
        seg_lines.append(line)
        seg_heads.append(head)
        positions.append(line_no)
    if len(seg_lines) == len(lines):
        return lines, seg_heads, None
    return seg_lines, seg_heads, positions


def _check_segment_id(line: str, fs: str, position: int, known: set[str]) -> str:
    seg_id = line[:3]
    if seg_id == "MSH":
        raise Hl7ParseError(
            "second MSH segment: one message per parse(); frame or split concatenated messages first",
            Location(segment="MSH", segment_index=position),
            SEGMENT_SEQUENCE_ERROR,
        )
    if seg_id in _BATCH_IDS:
        raise Hl7ParseError(
            f"batch segment {seg_id} inside a message: use split_batch()",
            Location(segment=seg_id, segment_index=position),
            SEGMENT_SEQUENCE_ERROR,
        )
    if len(seg_id) != 3 or not (seg_id.isascii() and seg_id.isalnum() and seg_id.upper() == seg_id):
        raise Hl7ParseError(
            "invalid segment id: expected 3 uppercase letters or digits",
            Location(segment_index=position),
            SEGMENT_SEQUENCE_ERROR,
        )
    if len(line) > 3 and line[3] != fs:
        raise Hl7ParseError(
            f"segment id {seg_id} is not followed by the field separator",
            Location(segment=seg_id, segment_index=position),
            SEGMENT_SEQUENCE_ERROR,
        )
    if len(line) == 3:  # a segment with no fields: not remembered, so its head can be completed here
        return line + fs
    if len(known) < _VALID_HEADS_LIMIT:
        known.add(line[:4])
    return line[:4]


def _check_header(msg: Message) -> None:
    msh = msg.segment("MSH")
    if msh is None or not (msh.value(9, 1, 1) or "").strip():
        raise Hl7ParseError("MSH-9 (message type) is empty", Location("MSH", 1, 9), REQUIRED_FIELD_MISSING)
    if not (msh.value(10) or "").strip():
        raise Hl7ParseError(
            "MSH-10 (message control id) is empty: it is required to pair the acknowledgement",
            Location("MSH", 1, 10),
            REQUIRED_FIELD_MISSING,
        )
