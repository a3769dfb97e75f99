"""HIBCC (HIBC LIC) UDIs: primary, secondary and concatenated data with the modulo-43 check character.

Primary: ``+`` LIC (4, first a letter) product/catalog number (1-18) unit of measure (1 digit) check.
Secondary, separate: ``+`` data link check, where link is the primary's check character.
Concatenated: ``+`` primary-without-check ``/`` secondary-without-link check.
Secondary data: ``YYJJJ``+lot, ``$``lot, ``$+``serial, ``$$``[quantity][date]lot, ``$$+``[date]serial, then
optional ``/`` fields: ``S`` serial, ``14D`` expiry and ``16D`` manufacture date (``YYYYMMDD``), ``Q`` quantity.

The check character is taken modulo 43 over the Code 39 set, so about one barcode in 43 ends in a SPACE check
character (and a secondary's link character, being the primary's check character, can be a space too). The
human-readable caption prints such a space as ``_``. Hence trailing spaces are never blindly trimmed here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from suture.codecs.udi import dates
from suture.codecs.udi.model import ExtraValue, Udi, UdiError

# Code 39's 43 characters; a character's value is its index here.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
_PRIMARY = re.compile(r"([A-Z][A-Z0-9]{3})([A-Z0-9]{1,18})([0-9])")
_SUPPLEMENTAL_DI = re.compile(r"[0-9]*[A-Z]")
_MAX_LOT_OR_SERIAL = 18

Fields = dict[str, ExtraValue]


def check_character(data: str) -> str:
    """Modulo-43 check character over ``data`` (from the leading ``+`` up to the check character).

    >>> check_character("+A123BJC5D6E71")
    'G'
    """
    return ALPHABET[sum(ALPHABET.index(c) for c in data) % 43]


def parse_hibcc(text: str, *, verify_check_digits: bool, reference_year: int | None) -> Udi:
    """Parse one HIBCC string (``+…``); a Code 39 ``*…*`` start/stop pair is tolerated.

    ``text`` may carry trailing whitespace (a scanner's CR/LF/TAB, padding): it is not part of the data, except
    that a trailing space may be a space check character. Each reading (no trailing space, then one, two… of the
    trailing spaces as data ending in a space check character) is tried:

    * exactly one reading has a right check character: it is parsed, so ``"+B456PLATE10 "`` (space check
      character) and ``"+A123BJC5D6E71G  "`` (padding after a ``G`` check character) are both accepted;
    * none has: with ``verify_check_digits`` the error names the check character expected without the trailing
      spaces (as for unpadded data); without it, the reading without trailing spaces is used;
    * several have (rare: the padding turns a right check character into data that is right again with a
      space check character): the one that parses wins; if several parse, ``UdiError`` says the trailing space
      is ambiguous rather than guess.

    A space check character already lost (``"+B456PLATE10"``, trimmed by some other tool) is refused like any
    wrong check character, the error hinting at a trimmed space: accepting it would let a character dropped
    from any barcode pass one time in 43.

    A caption (human-readable) form shows a space check or link character as ``_``: an ``_`` in the check
    character's place (or, in a separate secondary, the link character's place) reads as a space, and then
    trailing whitespace is just padding. Between ``*`` delimiters the data is taken exactly as given.

    >>> parse_hibcc("+B456PLATE10 ", verify_check_digits=True, reference_year=None).extra["check_character"]
    ' '
    >>> parse_hibcc("*+B456PLATE10_*", verify_check_digits=True, reference_year=None).device_identifier
    'B456PLATE10'
    """
    readings = _readings(text)
    if len(readings) == 1:
        return _parse_reading(readings[0], verify_check_digits, reference_year)
    _check_alphabet(readings[0])  # the readings differ only in trailing spaces, which are in the alphabet
    right = [reading for reading in readings if len(reading) >= 3 and check_character(reading[:-1]) == reading[-1]]
    if not right:
        note = " (nor is a trailing space a right check character)"
        return _parse_reading(readings[0], verify_check_digits, reference_year, note=note)
    if len(right) == 1:
        return _parse_reading(right[0], verify_check_digits, reference_year)
    parsed: list[Udi] = []
    errors: list[UdiError] = []
    for reading in right:
        try:
            parsed.append(_parse_reading(reading, verify_check_digits, reference_year))
        except UdiError as error:
            errors.append(error)
    if len(parsed) == 1:
        return parsed[0]
    if not parsed:
        raise errors[0]
    raise UdiError(
        "HIBCC: ambiguous trailing space: the data is valid both with and without a space check character; "
        "remove the padding or rescan"
    )


def _readings(text: str) -> list[str]:
    """The candidate data strings in ``text`` (see ``parse_hibcc``), the one without trailing spaces first."""
    data = text.rstrip()
    if len(data) > 2 and data[0] == data[-1] == "*":
        return [_caption_spaces(data[1:-1])]
    if "_" in data:  # never in a scan ("_" is not in Code 39): a human-readable caption
        return [_caption_spaces(data)]
    padding = text[len(data) :].count(" ")
    return [data + " " * spaces for spaces in range(padding + 1)]


def _caption_spaces(data: str) -> str:
    """Read a caption's ``_`` check character (and a separate secondary's ``_`` link character) as a space."""
    if len(data) < 3:
        return data
    chars = list(data)
    places = [-1] if data[1:2].isalpha() else [-1, -2]  # "+" then a letter: primary or concatenated
    for place in places:
        if chars[place] == "_":
            chars[place] = " "
    return "".join(chars)


def _parse_reading(reading: str, verify_check_digits: bool, reference_year: int | None, *, note: str = "") -> Udi:
    _check_alphabet(reading)
    if len(reading) < 3:
        raise UdiError("HIBCC: too short to hold data and a check character")
    body, check = reading[:-1], reading[-1]
    expected = check_character(body)
    if verify_check_digits and check != expected:
        if check_character(reading) == " ":  # the data would be right with a space check character after it
            note += "; a space check character after it would be right: was a trailing space trimmed?"
        raise UdiError(f"HIBCC: check character is wrong: expected {expected!r}, got {check!r}{note}")
    fields: Fields = {"check_character": check}
    if not verify_check_digits:
        fields["check_digit_valid"] = check == expected
    _parse_body(body[1:], fields, reference_year)
    return _to_udi(fields)


def _check_alphabet(text: str) -> None:
    for index, char in enumerate(text):
        if char not in ALPHABET:
            raise UdiError(f"HIBCC: character {index + 1} is not in the HIBC (Code 39) character set")


def _parse_body(content: str, fields: Fields, reference_year: int | None) -> None:
    if content[:1].isalpha():
        primary, separator, secondary = content.partition("/")
        _primary(primary, fields)
        fields["form"] = "concatenated" if separator else "primary"
        if separator:
            _secondary(secondary, fields, reference_year)
    else:
        fields["form"] = "secondary"
        fields["link_character"] = content[-1:]
        _secondary(content[:-1], fields, reference_year)


def _primary(primary: str, fields: Fields) -> None:
    match = _PRIMARY.fullmatch(primary)
    if match is None:
        raise UdiError(
            "HIBCC: primary data must be a 4-character labeler code starting with a letter, "
            "a 1-18 character product number and a 1-digit unit of measure"
        )
    fields["labeler_code"], fields["product_code"], unit = match.groups()
    fields["unit_of_measure"] = int(unit)
    fields["device_identifier"] = primary


def _secondary(data: str, fields: Fields, reference_year: int | None) -> None:
    main, *supplemental = data.split("/")
    _secondary_main(main, fields, reference_year)
    for number, field_data in enumerate(supplemental, start=1):
        _supplemental(field_data, number, fields)


def _secondary_main(main: str, fields: Fields, reference_year: int | None) -> None:
    if main[:1].isdigit():
        _set(fields, "expiry", dates.yyjjj(main[:5], "HIBCC expiry (YYJJJ)", reference_year))
        _set_text(fields, "lot", main[5:])
    elif main.startswith("$$+"):
        _set_text(fields, "serial", _flagged_date(main[3:], fields, reference_year))
    elif main.startswith("$$"):
        _set_text(fields, "lot", _flagged_date(_quantity(main[2:], fields), fields, reference_year))
    elif main.startswith("$+"):
        _set_text(fields, "serial", main[2:])
    elif main.startswith("$"):
        _set_text(fields, "lot", main[1:])
    else:
        raise UdiError("HIBCC: secondary data must start with '$', '$$', '$+', '$$+' or a YYJJJ date")


def _quantity(rest: str, fields: Fields) -> str:
    """``8`` + 2 digits or ``9`` + 5 digits of quantity may precede the date flag."""
    width = {"8": 2, "9": 5}.get(rest[:1])
    if width is None:
        return rest
    _set(fields, "quantity", int(dates.digits(rest[1 : 1 + width], width, "HIBCC quantity")))
    return rest[1 + width :]


# Flag after "$$" / "$$+" -> (date digits after the flag, parser, format name, an hour HH follows).
# "0"/"1" are not flags but the first digit of an MMYY month; "7" means no date.
_DateParser = Callable[[str, str, int | None], dt.date]
_DATE_FLAGS: dict[str, tuple[int, _DateParser, str, bool]] = {
    "2": (6, dates.mmddyy, "MMDDYY", False),
    "3": (6, dates.yymmdd, "YYMMDD", False),
    "4": (6, dates.yymmdd, "YYMMDDHH", True),
    "5": (5, dates.yyjjj, "YYJJJ", False),
    "6": (5, dates.yyjjj, "YYJJJHH", True),
}


def _flagged_date(rest: str, fields: Fields, reference_year: int | None) -> str:
    """Consume the expiry date that follows ``$$``; return what is left (the lot or serial)."""
    flag = rest[:1]
    if flag in ("0", "1"):
        _set(fields, "expiry", dates.mmyy(rest[:4], "HIBCC expiry (MMYY)", reference_year))
        return rest[4:]
    if flag == "7":  # no expiry date
        return rest[1:]
    if flag not in _DATE_FLAGS:
        raise UdiError("HIBCC: '$$' must be followed by an MMYY date or a date format flag 2-7")
    width, parse, fmt, has_hour = _DATE_FLAGS[flag]
    _set(fields, "expiry", parse(rest[1 : 1 + width], f"HIBCC expiry ({fmt})", reference_year))
    end = 1 + width
    if has_hour:
        hour = int(dates.digits(rest[end : end + 2], 2, f"HIBCC expiry hour ({fmt})"))
        if hour > 23:
            raise UdiError(f"HIBCC: expiry hour ({fmt}) must be 00-23")
        _set(fields, "expiry_hour", hour)
        end += 2
    return rest[end:]


def _supplemental(field_data: str, number: int, fields: Fields) -> None:
    match = _SUPPLEMENTAL_DI.match(field_data)
    identifier = match.group() if match else ""
    value = field_data[len(identifier) :]
    where = f"HIBCC supplemental field {number} ({identifier or 'no data identifier'})"
    if identifier == "S":
        _set_text(fields, "serial", value)
    elif identifier == "14D":
        _set(fields, "expiry", dates.yyyymmdd(value, f"{where} expiry"))
    elif identifier == "16D":
        _set(fields, "manufacture_date", dates.yyyymmdd(value, f"{where} manufacture date"))
    elif identifier == "Q" and value.isdigit():
        _set(fields, "quantity", int(value))
    else:
        raise UdiError(f"{where}: unsupported data identifier or malformed value")


def _set_text(fields: Fields, key: str, value: str) -> None:
    if len(value) > _MAX_LOT_OR_SERIAL:
        raise UdiError(f"HIBCC: {key} is longer than {_MAX_LOT_OR_SERIAL} characters")
    if value:
        _set(fields, key, value)


def _set(fields: Fields, key: str, value: ExtraValue) -> None:
    if fields.setdefault(key, value) != value:
        raise UdiError(f"HIBCC: {key.replace('_', ' ')} is given twice with different values")


def _to_udi(fields: Fields) -> Udi:
    def pop_text(key: str) -> str | None:
        value = fields.pop(key, None)
        return value if isinstance(value, str) else None

    def pop_date(key: str) -> dt.date | None:
        value = fields.pop(key, None)
        return value if isinstance(value, dt.date) else None

    return Udi(
        issuer="HIBCC",
        device_identifier=pop_text("device_identifier"),
        lot=pop_text("lot"),
        serial=pop_text("serial"),
        expiry=pop_date("expiry"),
        manufacture_date=pop_date("manufacture_date"),
        extra=fields,
    )
