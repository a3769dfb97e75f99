"""A NAK for bytes that parse() rejected: salvage what the MSH line still tells, default the rest."""

from __future__ import annotations

from suture.errors import Location

from .ack import HEADER_FIELDS, write_ack
from .charset import codec_for
from .errors import APPLICATION_INTERNAL_ERROR, Hl7ParseError
from .lines import bounds, first_break, is_blank, split_lines
from .separators import DEFAULT_SEPARATORS, Separators, read_separators


def build_nak_for_unparseable(
    raw: bytes,
    reason: str,
    *,
    control_id: str,
    timestamp: str,
    error: Location | None = None,
    error_code: str = APPLICATION_INTERNAL_ERROR,
) -> bytes:
    """A best-effort rejection of ``raw``: AR, or CR when MSH-15/MSH-16 is readable and valued
    (enhanced mode, as :func:`ack_mode` decides for parsed messages).

    Separators, sender/receiver, MSH-9 trigger, MSH-10 (into MSA-2), MSH-11/12 and a known MSH-18 are
    copied when the MSH line is readable that far; otherwise defaults. ``reason`` goes to MSA-3 and
    ERR-8, ``error_code`` (HL7 table 0357, see ``Hl7ParseError.error_code``) to ERR-3.

    >>> nak = build_nak_for_unparseable(b"MSH||A|B|C|D|||ORM^O01|77|P|2.5", "MSH-2 missing",
    ...     control_id="N1", timestamp="20240101")
    >>> nak.split(b"\\r")[1]
    b'MSA|AR|77|MSH-2 missing'
    """
    seps, charset, header = _salvage(raw)
    enhanced = header.get(15, "").strip() or header.get(16, "").strip()
    return write_ack(
        seps,
        charset,
        header,
        "CR" if enhanced else "AR",
        control_id=control_id,
        timestamp=timestamp,
        text=reason,
        error=error,
        error_code=error_code,
        segment_ids=lambda: _segment_ids(raw),
    )


def _salvage(raw: bytes) -> tuple[Separators, str, dict[int, str]]:
    start, end = bounds(raw)
    if raw[start : start + 3] != b"MSH" or end - start < 5:
        return DEFAULT_SEPARATORS, "utf-8", {}
    line = raw[start : first_break(raw, start, end)].decode("latin-1")
    seps = _separators(line)
    if seps is None:
        return DEFAULT_SEPARATORS, "utf-8", {}
    fields = line.split(seps.field)  # fields[n - 1] is MSH-n
    header = {n: fields[n - 1] for n in HEADER_FIELDS if n <= len(fields)}
    try:
        codec = codec_for(header.get(18, "").split(seps.repetition)[0])
    except Hl7ParseError:
        codec = None
        header.pop(18, None)
    if codec is None:
        codec = "utf-8" if _is_utf8(raw[start:end]) else "latin-1"
    return seps, codec, {n: v.encode("latin-1").decode(codec, errors="replace") for n, v in header.items()}


def _separators(line: str) -> Separators | None:
    try:
        return read_separators(line)
    except Hl7ParseError:
        fs = line[3]
        usable = fs.isascii() and fs.isprintable() and not fs.isalnum() and not fs.isspace()
        return Separators(field=fs) if usable and fs not in "^~\\&" else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _segment_ids(raw: bytes) -> list[str]:
    start, end = bounds(raw)
    lines, _, _ = split_lines(raw[start:end].decode("latin-1"))
    return [line[:3] for line in lines if not is_blank(line)]
