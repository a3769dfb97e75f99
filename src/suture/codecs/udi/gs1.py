"""GS1 UDIs (HRI, raw element strings, Digital Link URIs) through ``biip``, with our own strictness.

``biip`` parses and flags a wrong GTIN/SSCC/GLN check digit without raising; here a wrong check digit is an
error unless the caller opts out. Dates are resolved by :mod:`suture.codecs.udi.dates`, not by ``biip``
(whose century rule reads the clock), so the result depends on the input alone. ``biip``'s messages quote
the scanned value, so they never reach a ``UdiError`` unredacted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gs1_messages import GS1Message

from suture.codecs.udi.dates import yymmdd
from suture.codecs.udi.model import ExtraValue, Udi, UdiError

GS = "\x1d"
# Visible stand-ins for FNC1/GS that people paste: a literal "<GS>"/"<FNC1>", the Unicode control picture
# U+241D, and U+2194, which the HL7 FHIR Device-example-udi1 uses. None is in the GS1 character set 82,
# so the replacement cannot damage data.
_GS_STAND_INS = ("<GS>", "<FNC1>", "\u241d", "\u2194")
# Date field AIs (YYMMDD) and the key each lands under; 17 and 11 are the UDI production identifiers.
_DATE_AIS = {"17": "expiry", "11": "manufacture_date", "13": "packaging_date", "15": "best_before"}
_HRI_AI = re.compile(r"[({](\d{2,4})[)}]")
# biip checks these numbers' check digits but only records a failure: AI prefix -> what the number is.
_CHECKED_AIS = {"01": "GTIN", "02": "GTIN", "03": "GTIN", "00": "SSCC", "41": "GLN"}


def parse_gs1(data: str, *, symbology: str | None, verify_check_digits: bool, reference_year: int | None) -> Udi:
    """Parse GS1 data (symbology identifier already removed) in any of its three forms."""
    config = ParseConfig(gs1_element_strings_verify_date=False, separator_chars=(GS,))
    form, elements = _elements(data, config)
    if not elements:
        raise UdiError("GS1: no element strings after the symbology identifier")
    check_problems = [p for p in map(_check_digit_problem, elements) if p]
    if check_problems and verify_check_digits:
        raise UdiError(check_problems[0])
    values = _ai_values(elements)
    extra: dict[str, ExtraValue] = {"form": form, "ai": values}
    extra["hri"] = GS1Message.from_element_strings(GS1ElementStrings(elements)).as_hri()
    if symbology:
        extra["symbology"] = symbology
    if not verify_check_digits:
        extra["check_digit_valid"] = not check_problems
    dates = {key: yymmdd(values[ai], f"GS1 AI ({ai})", reference_year) for ai, key in _DATE_AIS.items() if ai in values}
    extra.update({k: v for k, v in dates.items() if k in ("packaging_date", "best_before")})
    return Udi(
        issuer="GS1",
        device_identifier=values.get("01"),
        lot=values.get("10"),
        serial=values.get("21"),
        expiry=dates.get("expiry"),
        manufacture_date=dates.get("manufacture_date"),
        extra=extra,
    )


def _elements(data: str, config: ParseConfig) -> tuple[str, list[GS1ElementString]]:
    if data[:8].lower().startswith(("https://", "http://")):
        return "digital_link", _digital_link(data, config)
    if data.startswith(("(", "{")):
        return "hri", _hri(data, config)
    for stand_in in _GS_STAND_INS:
        data = data.replace(stand_in, GS)
    return "element_string", _element_string(data.strip(GS), config)


def _element_string(data: str, config: ParseConfig) -> list[GS1ElementString]:
    """Raw AI+data concatenation; a GS ends a variable-length field (else it runs to the end, as GS1 says)."""
    out: list[GS1ElementString] = []
    pos = 0
    while pos < len(data):
        out.append(_extract(data[pos:], config, pos, out[-1].ai.ai if out else None))
        pos += len(out[-1])
        while data.startswith(GS, pos):
            pos += 1
    return out


def _extract(rest: str, config: ParseConfig, pos: int, previous: str | None) -> GS1ElementString:
    where = f"at character {pos + 1}" + (f" (after AI ({previous}))" if previous else "")
    try:
        ai = GS1ApplicationIdentifier.extract(rest)
    except ParseError:
        raise UdiError(f"GS1: no known Application Identifier {where}") from None
    try:
        return GS1ElementString.extract(rest, config=config)
    except ParseError:
        raise UdiError(f"GS1: data of AI ({ai.ai}) {where} does not match {_format(ai)}") from None


def _hri(data: str, config: ParseConfig) -> list[GS1ElementString]:
    """``(01)…(17)…`` or ``{01}…``; GS1 data has no spaces, so whitespace is layout and dropped."""
    hri = "".join(data.split())
    starts = [m for m in _HRI_AI.finditer(hri) if _is_known_ai(m.group(1))]
    if not starts or starts[0].start() != 0:
        raise UdiError("GS1: human-readable form must start with a known Application Identifier in brackets")
    ends = [m.start() for m in starts[1:]] + [len(hri)]
    return [_parse_one(m.group(1), hri[m.end() : end], config) for m, end in zip(starts, ends, strict=True)]


def _is_known_ai(number: str) -> bool:
    try:
        return GS1ApplicationIdentifier.extract(number).ai == number
    except ParseError:
        return False


def _parse_one(ai: str, value: str, config: ParseConfig) -> GS1ElementString:
    if not value:
        raise UdiError(f"GS1: AI ({ai}) has no data")
    try:
        return GS1ElementString.parse(ai + value, config=config)
    except ParseError:
        raise UdiError(
            f"GS1: data of AI ({ai}) does not match {_format(GS1ApplicationIdentifier.extract(ai))}"
        ) from None


def _format(ai: GS1ApplicationIdentifier) -> str:
    return f"its format {ai.format} ({ai.description})"


def _digital_link(uri: str, config: ParseConfig) -> list[GS1ElementString]:
    try:
        return list(GS1DigitalLinkURI.parse(uri, config=config).element_strings)
    except ParseError as exc:
        raise UdiError(f"GS1: not a valid Digital Link URI: {_redact(str(exc))}") from None


def _redact(message: str) -> str:
    """biip quotes the offending input; keep its explanation, drop the data (UDIs may be PHI)."""
    message = re.sub(r",? got '[^']*'", "", message)
    message = re.sub(r" pattern '[^']*'", "", message)
    return re.sub(r"'[^']*'", "a value", message)


def _check_digit_problem(element: GS1ElementString) -> str | None:
    name = _CHECKED_AIS.get(element.ai.ai[:2])
    error = element.gtin_error or element.sscc_error or element.gln_error
    if name is None or error is None:
        return None
    value = element.value
    if value.isdigit() and "check digit" in error:
        expected = gs1_standard_check_digit(value[:-1])
        return f"GS1: {name} check digit in AI ({element.ai.ai}) is wrong: expected {expected}, got {value[-1]}"
    return f"GS1: AI ({element.ai.ai}) is not a valid {name}"


def _ai_values(elements: Sequence[GS1ElementString]) -> dict[str, str]:
    values: dict[str, str] = {}
    for element in elements:
        ai = element.ai.ai
        if values.setdefault(ai, element.value) != element.value:
            raise UdiError(f"GS1: AI ({ai}) appears twice with different values")
    return values
