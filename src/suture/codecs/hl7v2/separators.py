"""Separators: the field separator (MSH-1), encoding characters (MSH-2) and segment terminator."""

from __future__ import annotations

from dataclasses import dataclass

from suture.errors import Location

from .errors import REQUIRED_FIELD_MISSING, Hl7ParseError


@dataclass(frozen=True, slots=True)
class Separators:
    """The delimiters one message uses; HL7 lets every message choose its own.

    ``segment_terminator`` is the one the message was received with (CR, LF or CRLF); the standard's is CR.

    >>> Separators().encoding_characters
    '^~\\\\&'
    """

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"
    truncation: str | None = None
    segment_terminator: str = "\r"

    @property
    def encoding_characters(self) -> str:
        """MSH-2 as it is written: component, repetition, escape, subcomponent[, truncation]."""
        return self.component + self.repetition + self.escape + self.subcomponent + (self.truncation or "")


DEFAULT_SEPARATORS = Separators()

_CACHE: dict[tuple[str, str], Separators] = {}

_MSH2 = Location(segment="MSH", segment_index=1, field=2)


def read_separators(msh: str, terminator: str = "\r") -> Separators:
    """Separators declared by an MSH (or FHS/BHS) line; raise Hl7ParseError when they are unusable.

    MSH-2 holds 4 characters, or 5 when the v2.7+ truncation character is present.

    >>> read_separators("MSH|^~\\\\&#|A").truncation
    '#'
    """
    end = msh.find(msh[3:4], 4) if len(msh) > 4 else -1
    key = (msh[3:end] if end > 0 else msh[3:], terminator)
    seps = _CACHE.get(key)
    if seps is None:
        seps = _read(msh, terminator)
        if len(_CACHE) < 256:
            _CACHE[key] = seps
    return seps


def _read(msh: str, terminator: str) -> Separators:
    if len(msh) < 4:
        raise Hl7ParseError(
            "MSH segment too short: no field separator (MSH-1)", Location("MSH", 1, 1), REQUIRED_FIELD_MISSING
        )
    field = msh[3]
    end = msh.find(field, 4)
    enc = msh[4:] if end < 0 else msh[4:end]
    if not enc and len(msh.rstrip(field)) == 3:
        raise Hl7ParseError(
            "MSH segment has no fields: MSH-2 (encoding characters) and everything after it are missing",
            _MSH2,
            REQUIRED_FIELD_MISSING,
        )
    if not enc:
        raise Hl7ParseError("MSH-2 (encoding characters) is missing", _MSH2, REQUIRED_FIELD_MISSING)
    if len(enc) not in (4, 5):
        raise Hl7ParseError(
            f"MSH-2 (encoding characters) must be 4 or 5 characters "
            f"(component, repetition, escape, subcomponent[, truncation]), found {len(enc)}",
            _MSH2,
            REQUIRED_FIELD_MISSING,
        )
    _check_delimiters(field, enc)
    return Separators(field, enc[0], enc[1], enc[2], enc[3], enc[4] if len(enc) == 5 else None, terminator)


def _check_delimiters(field: str, enc: str) -> None:
    for char in field + enc:
        if not char.isascii() or char.isalnum() or char.isspace() or not char.isprintable():
            where = _MSH2 if char in enc else Location("MSH", 1, 1)
            raise Hl7ParseError(
                "separators in MSH-1/MSH-2 must be printable ASCII punctuation", where, REQUIRED_FIELD_MISSING
            )
    structural = field + enc[0] + enc[1]
    if len(set(structural)) != 3 or any(c in structural for c in enc[2:]):
        # Escape, subcomponent and truncation may coincide (seen in the wild as "^~\\&"); the three
        # structural separators may not, or fields could not be told apart.
        raise Hl7ParseError("MSH-1/MSH-2 separators must differ from one another", _MSH2, REQUIRED_FIELD_MISSING)
