"""Entry points: detect the issuer of a UDI string, parse it, join split labels, derive the lookup key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from suture.codecs.udi.gs1 import GS, parse_gs1
from suture.codecs.udi.hibcc import parse_hibcc
from suture.codecs.udi.iccbba import parse_iccbba
from suture.codecs.udi.model import ExtraValue, Udi, UdiError

T = TypeVar("T")

# ISO/IEC 15424 identifiers of the symbologies that carry GS1 data (FNC1 in first position).
GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]Q3", "]e0", "]e1", "]e2", "]J1"})


def parse_udi(text: str, *, verify_check_digits: bool = True, reference_year: int | None = None) -> Udi:
    """Parse a GS1, HIBCC or ICCBBA UDI, detecting the issuer from the data.

    Accepted: GS1 human-readable ``(01)…(17)…`` (or ``{01}…``), raw element strings with GS (``\\x1d``, or the
    stand-ins ``<GS>``, ``<FNC1>``, U+241D, U+2194) after variable-length fields, GS1 Digital Link URIs;
    HIBCC ``+…`` primary, secondary or concatenated; ICCBBA ``=…``/``&…`` data structures. A leading
    symbology identifier (``]d2``, ``]C1``, ``]Q3``, ``]e0``, ``]d1``, ``]C0``…) is removed; a GS1 one forces
    GS1 parsing. A wrong check digit (GS1 GTIN/SSCC/GLN) or check character (HIBCC) raises ``UdiError``
    unless ``verify_check_digits`` is false, in which case ``extra["check_digit_valid"]`` tells.
    ``reference_year`` enables the GS1 sliding century window for two-digit years (default: 2000-2099).

    Surrounding whitespace is ignored, except that HIBCC keeps a trailing space when it is the check character
    (about one HIBCC barcode in 43 ends in a space check character, printed ``_`` in the caption, which is
    accepted too); trailing spaces after any other check character are padding. See ``parse_hibcc``.

    >>> udi = parse_udi("(01)51022222233336(11)141231(17)150700(10)A213B1(21)1234")
    >>> udi.device_identifier, udi.lot, udi.serial, udi.expiry.isoformat()
    ('51022222233336', 'A213B1', '1234', '2015-07-31')
    """
    data = text.strip()
    symbology = None
    if data.startswith("]"):
        symbology, data = _split_symbology(data)
    if not data:
        raise UdiError("empty UDI")
    if symbology in GS1_SYMBOLOGIES or data[0] in "({" + GS or data[0].isdigit() or _is_uri(data):
        return parse_gs1(
            data, symbology=symbology, verify_check_digits=verify_check_digits, reference_year=reference_year
        )
    if data.startswith(("+", "*+")):
        # Trailing spaces stay: the last one may be a HIBCC space check character (parse_hibcc decides).
        hibcc = text.lstrip()[len(symbology or "") :]
        return parse_hibcc(hibcc, verify_check_digits=verify_check_digits, reference_year=reference_year)
    if data[0] in "=&":
        return parse_iccbba(data)
    raise UdiError(
        "not a recognised UDI: expected GS1 ('(', digits or a Digital Link URI), HIBCC ('+') or ICCBBA ('=' or '&')"
    )


def _split_symbology(data: str) -> tuple[str, str]:
    """``]`` + code letter + modifier character, per ISO/IEC 15424."""
    if len(data) < 3 or not data[1].isalpha() or not data[2].isalnum():
        raise UdiError("malformed symbology identifier: expected ']' + letter + modifier")
    return data[:3], data[3:]


def _is_uri(data: str) -> bool:
    return data[:8].lower().startswith(("https://", "http://"))


def parse_udi_parts(*texts: str, verify_check_digits: bool = True, reference_year: int | None = None) -> Udi:
    """Parse a UDI printed as several barcodes (a primary and its secondaries) into one ``Udi``.

    All parts must come from one issuer and must not disagree. For HIBCC each secondary's link character
    must equal the primary's check character. The part with the device identifier leads; ``extra`` keeps its
    values and adds the others' new keys, except that GS1 ``ai`` maps are united, ``form`` lists every part's
    form joined by ``+``, ``hri`` is concatenated and ``check_digit_valid`` is false if any part's is.

    >>> parse_udi_parts("+A123BJC5D6E71G", "+$$3200228LOT1GC").lot
    'LOT1'
    """
    if not texts:
        raise UdiError("no UDI parts given")
    parts = [parse_udi(text, verify_check_digits=verify_check_digits, reference_year=reference_year) for text in texts]
    if len({part.issuer for part in parts}) > 1:
        raise UdiError("UDI parts come from different issuers")
    parts.sort(key=lambda part: part.device_identifier is None)
    _check_hibcc_links(parts)
    merged = parts[0]
    for part in parts[1:]:
        merged = _merge(merged, part)
    return merged


def _check_hibcc_links(parts: list[Udi]) -> None:
    primary = parts[0]
    if primary.issuer != "HIBCC" or primary.extra.get("form") != "primary":
        return
    for part in parts[1:]:
        if part.extra.get("form") == "secondary" and (
            part.extra.get("link_character") != primary.extra.get("check_character")
        ):
            raise UdiError("HIBCC: a secondary's link character does not match the primary's check character")


def _merge(first: Udi, second: Udi) -> Udi:
    extra: dict[str, ExtraValue] = dict(second.extra) | dict(first.extra)
    ai_first, ai_second = first.extra.get("ai"), second.extra.get("ai")
    if isinstance(ai_first, Mapping) and isinstance(ai_second, Mapping):
        for ai in ai_first.keys() & ai_second.keys():
            _pick(f"AI ({ai})", ai_first[ai], ai_second[ai])
        extra["ai"] = dict(ai_second) | dict(ai_first)
    for key, join in (("form", "+"), ("hri", "")):
        if key in first.extra and key in second.extra:
            extra[key] = f"{first.extra[key]}{join}{second.extra[key]}"
    if "check_digit_valid" in extra:
        extra["check_digit_valid"] = all(part.extra.get("check_digit_valid", True) for part in (first, second))
    return Udi(
        issuer=first.issuer,
        device_identifier=_pick("device identifier", first.device_identifier, second.device_identifier),
        lot=_pick("lot", first.lot, second.lot),
        serial=_pick("serial", first.serial, second.serial),
        expiry=_pick("expiry", first.expiry, second.expiry),
        manufacture_date=_pick("manufacture date", first.manufacture_date, second.manufacture_date),
        extra=extra,
    )


def _pick(name: str, a: T | None, b: T | None) -> T | None:
    if a is not None and b is not None and a != b:
        raise UdiError(f"UDI parts disagree on {name}")
    return a if a is not None else b


def device_identifier_key(udi: Udi | str) -> str:
    """The crosswalk key for a device model: ``ISSUER:DEVICE_IDENTIFIER``.

    A string is parsed first. A UDI without a device identifier (a secondary alone) has no key.

    >>> device_identifier_key("(01)09506000134352(10)X1")
    'GS1:09506000134352'
    """
    if isinstance(udi, str):
        udi = parse_udi(udi)
    if udi.device_identifier is None:
        raise UdiError(f"{udi.issuer}: no device identifier in this UDI (a secondary label alone?)")
    return f"{udi.issuer}:{udi.device_identifier}"
