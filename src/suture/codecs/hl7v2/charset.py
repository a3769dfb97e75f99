"""MSH-18 character sets and decoding of the message body."""

from __future__ import annotations

from suture.errors import Location

from .errors import DATA_TYPE_ERROR, TABLE_VALUE_NOT_FOUND, Hl7ParseError

# HL7 table 0211 (plus the spellings senders actually use) -> Python codec. "UNICODE" (deprecated,
# unspecified encoding form) is read as UTF-8, which is what ASCII-compatible v2 traffic means by it.
# UTF-16/32 are absent on purpose: delimiters are found by byte, so only ASCII-compatible sets work.
_CODECS: dict[str, str] = {
    "ASCII": "ascii",
    "US-ASCII": "ascii",
    "UNICODE UTF-8": "utf-8",
    "UNICODE": "utf-8",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "8859/1": "latin-1",
    "ISO-8859-1": "latin-1",
    "ISO8859-1": "latin-1",
    "LATIN1": "latin-1",
    "LATIN-1": "latin-1",
    "8859/15": "iso8859-15",
    "GB 18030-2000": "gb18030",
    "KS X 1001": "euc_kr",
    "BIG-5": "big5",
    "CP1252": "cp1252",
    "WINDOWS-1252": "cp1252",
}
_CODECS.update({f"8859/{n}": f"iso8859-{n}" for n in range(2, 10)})

DEFAULT_CHARSET = "utf-8"
FALLBACK_CHARSET = "latin-1"


def codec_for(msh18: str) -> str | None:
    """Python codec for an MSH-18 value, or None when MSH-18 is empty (meaning: UTF-8, else latin-1).

    >>> codec_for("8859/1"), codec_for(""), codec_for("UNICODE UTF-8")
    ('latin-1', None, 'utf-8')
    """
    name = msh18.strip().upper()
    if not name:
        return None
    codec = _CODECS.get(name)
    if codec is None:
        raise Hl7ParseError(
            "unsupported character set in MSH-18 (HL7 table 0211)",
            Location("MSH", 1, 18),
            TABLE_VALUE_NOT_FOUND,
        )
    return codec


def decode(body: bytes, codec: str | None, field_separator: str) -> tuple[str, str]:
    """Decode ``body``; return (text, codec used). With no declared codec try UTF-8, then latin-1."""
    if codec is None:
        try:
            return body.decode(DEFAULT_CHARSET), DEFAULT_CHARSET
        except UnicodeDecodeError:
            return body.decode(FALLBACK_CHARSET), FALLBACK_CHARSET
    try:
        return body.decode(codec), codec
    except UnicodeDecodeError as exc:
        raise Hl7ParseError(
            f"bytes not valid in the character set declared by MSH-18 ({codec})",
            _locate(body, exc.start, field_separator),
            DATA_TYPE_ERROR,
        ) from None


def _locate(body: bytes, offset: int, field_separator: str) -> Location:
    """Where byte ``offset`` is: segment id, 1-based segment position (blank lines skipped) and field."""
    head = body[:offset].replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    lines = head.split(b"\r")
    index = sum(1 for line in lines if line.strip(b" \t"))
    current = lines[-1]
    segment = current[:3].decode("latin-1")
    field = current.count(field_separator.encode("latin-1"))
    if segment == "MSH":
        field += 1
    return Location(segment=segment, segment_index=max(index, 1), field=field or None)
