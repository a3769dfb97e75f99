"""HL7 batches: [FHS] { [BHS] { MSH ... } [BTS] } [FTS] cut into their messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

from suture.errors import Location

from .errors import SEGMENT_SEQUENCE_ERROR, Hl7ParseError
from .lines import bounds, is_blank, lines_with_offsets

_HEADERS = (b"FHS", b"BHS")


def is_batch(data: bytes) -> bool:
    """True when ``data`` starts (after BOM/whitespace) with FHS or BHS."""
    start, _ = bounds(data)
    return data[start : start + 3] in _HEADERS


def split_batch(data: bytes) -> list[bytes]:
    """The messages of a batch, each as its exact bytes (header and trailer segments dropped).

    Input that is not a batch comes back whole as ``[data]``. Raises Hl7ParseError for a nested BHS,
    a segment outside any message, a BHS without BTS or FHS without FTS (a truncated file), a segment
    after FTS, or a BTS-1/FTS-1 count that disagrees with the contents.

    >>> split_batch(b"BHS|^~\\\\&\\rMSH|^~\\\\&|A\\rPID|1\\rMSH|^~\\\\&|B\\rBTS|2\\r")
    [b'MSH|^~\\\\&|A\\rPID|1\\r', b'MSH|^~\\\\&|B\\r']
    """
    start, end = bounds(data)
    if data[start : start + 3] not in _HEADERS:
        return [data]
    text = data.decode("latin-1")  # a byte-for-byte view: segment ids and delimiters are ASCII
    state = _State(field_separator=text[start + 3 : start + 4] or "|")
    position = 0
    for offset, line in lines_with_offsets(text, start, end):
        if not is_blank(line):
            position += 1
            state.feed(offset, line, position)
    state.finish(end)
    return [data[a:b] for a, b in state.messages]


@dataclass
class _State:
    field_separator: str
    messages: list[tuple[int, int]] = field(default_factory=list)
    message_start: int | None = None
    file_header: bool = False
    file_trailer: bool = False
    batch_open: int | None = None  # position of the open BHS
    batch_messages: int = 0
    batches: int = 0
    loose_messages: bool = False  # messages outside any BHS form one implicit batch

    def feed(self, offset: int, line: str, position: int) -> None:
        seg_id = line[:3]
        where = Location(segment=seg_id if seg_id.isalnum() else None, segment_index=position)
        if self.file_trailer:
            _fail("segment after FTS (the file trailer must be last)", where)
        if seg_id == "MSH":
            self._close_message(offset)
            self.message_start = offset
            self.batch_messages += 1
            self.loose_messages |= self.batch_open is None
        elif seg_id == "FHS":
            if position != 1:
                _fail("FHS must be the first segment of a file, and only once", where)
            self.file_header = True
        elif seg_id == "BHS":
            self._open_batch(offset, position, where)
        elif seg_id == "BTS":
            self._close_batch(offset, line, where)
        elif seg_id == "FTS":
            self._close_file(offset, line, where)
        elif self.message_start is None:
            _fail(f"{seg_id} is not inside a message: no MSH precedes it in the batch", where)

    def _close_message(self, offset: int) -> None:
        if self.message_start is not None:
            self.messages.append((self.message_start, offset))
            self.message_start = None

    def _open_batch(self, offset: int, position: int, where: Location) -> None:
        if self.batch_open is not None:
            _fail(f"nested BHS: the batch opened at segment {self.batch_open} has no BTS before it", where)
        self._close_message(offset)
        self.batch_open = position
        self.batch_messages = 0
        self.batches += 1

    def _close_batch(self, offset: int, line: str, where: Location) -> None:
        if self.batch_open is None:
            _fail("BTS without a BHS", where)
        self._close_message(offset)
        _check_count(line, self.field_separator, self.batch_messages, "BTS-1 (batch message count)", where)
        self.batch_open = None

    def _close_file(self, offset: int, line: str, where: Location) -> None:
        if not self.file_header:
            _fail("FTS without an FHS", where)
        if self.batch_open is not None:
            _fail(f"FTS while the batch opened at segment {self.batch_open} has no BTS", where)
        self._close_message(offset)
        batches = self.batches + (1 if self.loose_messages else 0)
        _check_count(line, self.field_separator, batches, "FTS-1 (file batch count)", where)
        self.file_trailer = True

    def finish(self, end: int) -> None:
        if self.batch_open is not None:
            _fail("BHS has no BTS (truncated batch?)", Location(segment="BHS", segment_index=self.batch_open))
        if self.file_header and not self.file_trailer:
            _fail("FHS has no FTS (truncated file?)", Location(segment="FHS", segment_index=1))
        self._close_message(end)


def _check_count(line: str, fs: str, actual: int, what: str, where: Location) -> None:
    fields = line.split(fs, 2)
    declared = fields[1].strip() if len(fields) > 1 else ""
    if not declared:
        return
    if not (declared.isascii() and declared.isdigit()):
        _fail(f"{what} is not a number", Location(where.segment, where.segment_index, 1))
    if int(declared) != actual:
        _fail(
            f"{what} says {int(declared)} but the contents hold {actual}",
            Location(where.segment, where.segment_index, 1),
        )


def _fail(reason: str, where: Location) -> NoReturn:
    raise Hl7ParseError(reason, where, SEGMENT_SEQUENCE_ERROR)
