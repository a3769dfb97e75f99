"""Acknowledgements: which mode and code to use, building ACK bytes, reading MSA-1 back.

Everything the clock or the engine decides (control id, timestamp) is passed in; nothing here reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from suture.errors import Location

from .errors import APPLICATION_INTERNAL_ERROR, REQUIRED_FIELD_MISSING, SEGMENT_SEQUENCE_ERROR, Hl7ParseError
from .escape import escape
from .message import Message
from .separators import Separators

AckMode = Literal["original", "enhanced"]
ACK_CODES = frozenset({"AA", "AE", "AR", "CA", "CE", "CR"})
# HL7 table 0357, message error condition codes.
ERROR_TEXT = {
    "0": "Message accepted",
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "104": "Value too long",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "202": "Unsupported processing id",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "205": "Duplicate key identifier",
    "206": "Application record locked",
    "207": "Application internal error",
}
HEADER_FIELDS = (3, 4, 5, 6, 9, 10, 11, 12, 15, 16, 18)


def ack_mode(msg: Message) -> AckMode:
    """``enhanced`` when MSH-15 or MSH-16 is valued, else ``original``."""
    return "enhanced" if msg.accept_ack_type or msg.application_ack_type else "original"


def accept_ack_code(msg: Message, ok: bool, rejected: bool) -> str:
    """AA/AE/AR in original mode, CA/CE/CR in enhanced mode; ``rejected`` wins over ``ok``.

    >>> from suture.codecs.hl7v2 import parse
    >>> accept_ack_code(parse(b"MSH|^~\\\\&|||||||ADT^A01|1|P|2.5|||AL|NE"), ok=True, rejected=False)
    'CA'
    """
    first = "C" if ack_mode(msg) == "enhanced" else "A"
    return first + ("R" if rejected else "A" if ok else "E")


def build_ack(
    msg: Message,
    code: str,
    *,
    control_id: str,
    timestamp: str,
    text: str = "",
    error: Location | None = None,
    error_code: str = APPLICATION_INTERNAL_ERROR,
) -> bytes:
    """An ACK for ``msg``: MSH (sender and receiver swapped, ``ACK^<trigger>^ACK``), MSA, and ERR when
    ``error`` is given or ``code`` is not AA/CA. Same separators and charset as ``msg``; CR after every
    segment. ``text`` goes to MSA-3 and ERR-8, escaped.
    """
    msh = msg.segment("MSH")
    assert msh is not None  # parse() guarantees it
    header = {n: msh.field(n) for n in HEADER_FIELDS}
    return write_ack(
        msg.separators,
        msg.charset,
        header,
        code,
        control_id=control_id,
        timestamp=timestamp,
        text=text,
        error=error,
        error_code=error_code,
        segment_ids=lambda: [s.name for s in msg.segments],
    )


def write_ack(
    seps: Separators,
    charset: str,
    header: Mapping[int, str],
    code: str,
    *,
    control_id: str,
    timestamp: str,
    text: str,
    error: Location | None,
    error_code: str,
    segment_ids: Callable[[], list[str]],
) -> bytes:
    """Assemble an ACK from the raw MSH fields (``header``: field number -> raw value) of the original."""
    if code not in ACK_CODES:
        raise ValueError(f"acknowledgment code must be one of {sorted(ACK_CODES)}, not {code!r}")
    get = header.get
    c = seps.component
    trigger = [*get(9, "").split(c), ""][1]
    message_type = "ACK" + (f"{c}{trigger}{c}ACK" if trigger else "")
    msh = ["MSH", get(5, ""), get(6, ""), get(3, ""), get(4, ""), escape(timestamp, seps), "", message_type]
    msh += [escape(control_id, seps), get(11, ""), get(12, ""), "", "", "", "", "", get(18, "")]  # MSH-10..18
    segments = [msh, ["MSA", code, get(10, ""), escape(text, seps)]]
    if error is not None or code[1] != "A":
        version = get(12, "").split(c)[0]
        segments.append(_err(seps, version, error, error_code, text, segment_ids))
    return _write(seps, segments).encode(charset, errors="replace")


def _err(
    seps: Separators,
    version: str,
    error: Location | None,
    error_code: str,
    text: str,
    segment_ids: Callable[[], list[str]],
) -> list[str]:
    c = seps.component
    location = _error_location(error, segment_ids) if error is not None else []
    code_text = ERROR_TEXT.get(error_code, "")
    err = ["ERR", "", c.join(location), c.join([error_code, code_text, "HL70357"]), "E", "", "", ""]
    err.append(escape(text, seps))
    if _before_v25(version):  # ERR-1 (ELD) was the only field before v2.5
        eld = location[:3] + [""] * (3 - len(location[:3]))
        err[1] = c.join([*eld, seps.subcomponent.join([error_code, code_text, "HL70357"])])
    return err


def _error_location(error: Location, segment_ids: Callable[[], list[str]]) -> list[str]:
    """ERL: segment id ^ occurrence of that segment ^ field ^ repetition ^ component (trailing empties cut)."""
    segment, position = error.segment, error.segment_index
    if segment is None and position is not None:
        ids = segment_ids()
        segment = ids[position - 1] if 0 < position <= len(ids) else None
    occurrence = 1
    if segment is not None and position is not None:
        occurrence = max(1, segment_ids()[:position].count(segment))
    parts = [segment or "", str(occurrence) if segment else "", str(error.field or "")]
    parts += ["", str(error.component)] if error.component else []
    while parts and not parts[-1]:
        parts.pop()
    return parts


def _before_v25(version: str) -> bool:
    numbers = version.strip().split(".")
    if not all(n.isascii() and n.isdigit() for n in numbers):
        return False
    return tuple(int(n) for n in numbers) < (2, 5)


def _write(seps: Separators, segments: list[list[str]]) -> str:
    fs = seps.field
    out: list[str] = []
    for seg in segments:
        while len(seg) > 2 and not seg[-1]:
            seg.pop()
        if seg[0] == "MSH":
            out.append(f"MSH{fs}{seps.encoding_characters}{fs}{fs.join(seg[1:])}\r")
        else:
            out.append(f"{fs.join(seg)}\r")
    return "".join(out)


def ack_code(frame: bytes) -> str:
    """MSA-1 of an acknowledgement, read straight from the bytes (MLLP framing bytes tolerated).

    >>> ack_code(b"\\x0bMSH|^~\\\\&|||||||ACK|1|P|2.5\\rMSA|AE|42\\r\\x1c\\r")
    'AE'
    """
    at = frame.find(b"MSA")
    while at > 0 and frame[at - 1] not in b"\r\n\x0b":
        at = frame.find(b"MSA", at + 1)
    if at < 0:
        raise Hl7ParseError("acknowledgement has no MSA segment", Location(segment="MSA"), SEGMENT_SEQUENCE_ERROR)
    fs = frame[at + 3 : at + 4]
    msh = frame.find(b"MSH")
    component = frame[msh + 4 : msh + 5] if msh >= 0 else b"^"
    end = at + 4
    stops = {fs, component or b"^", b"\r", b"\n", b"\x1c"}
    while end < len(frame) and frame[end : end + 1] not in stops:
        end += 1
    code = frame[at + 4 : end].decode("latin-1").strip() if fs not in (b"", b"\r", b"\n") else ""
    if not code:
        raise Hl7ParseError("MSA-1 (acknowledgment code) is empty", Location("MSA", None, 1), REQUIRED_FIELD_MISSING)
    return code
