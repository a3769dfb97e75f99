"""HIBCC data whose check (or link) character is a SPACE: about one barcode in 43.

The space must survive whitespace trimming; the caption prints it as ``_``; padding after any other check
character is still ignored, and GS1/ICCBBA keep ignoring surrounding whitespace.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from suture.codecs.udi import UdiError, hibcc_check_character, parse_udi, parse_udi_parts


def _reference_value(char: str) -> int:
    """HIBC LIC / Code 39 character values, written out independently of the module's alphabet."""
    if char.isdigit():
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    return {"-": 36, ".": 37, " ": 38, "$": 39, "/": 40, "+": 41, "%": 42}[char]


def _reference_check(data: str) -> str:
    total = sum(_reference_value(char) for char in data) % 43
    return next(char for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%" if _reference_value(char) == total)


def _find(make: str, wanted: str = " ") -> str:
    """Brute-force ``make.format(n)`` (n = 1, 2, ...) until the module's check character is ``wanted``."""
    for number in itertools.count(1):
        data = make.format(number)
        if hibcc_check_character(data) == wanted:
            assert _reference_check(data) == wanted  # the module agrees with an independent implementation
            return data
    raise AssertionError("unreachable")


# "+B456PLATE1" + unit "0": the brief's example, whose check character is a space.
PRIMARY_DATA = _find("+B456PLATE{}0")
PRIMARY = PRIMARY_DATA + " "
DEVICE_IDENTIFIER = PRIMARY_DATA[1:]


def test_reference_implementation_agrees_on_the_standard_example_and_on_the_briefs_example() -> None:
    assert _reference_check("+A123BJC5D6E71") == hibcc_check_character("+A123BJC5D6E71") == "G"
    assert _reference_check("+B456PLATE10") == hibcc_check_character("+B456PLATE10") == " "


def test_reference_implementation_agrees_with_the_module_on_every_character() -> None:
    for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%":
        assert _reference_check("+A123" + char) == hibcc_check_character("+A123" + char)


@pytest.mark.parametrize(
    "text",
    [
        PRIMARY,  # raw scan
        PRIMARY + "\r\n",  # scanner suffix
        PRIMARY + "\t",
        "  " + PRIMARY,
        "]A0" + PRIMARY,  # Code 39 symbology identifier
        "]C0" + PRIMARY + "\n",
        PRIMARY_DATA + "_",  # caption
        PRIMARY_DATA + "_  \n",
        f"*{PRIMARY_DATA}_*",  # caption between Code 39 start/stop characters
        f"*{PRIMARY_DATA}_* ",
        f"*{PRIMARY}*",
    ],
)
def test_primary_with_a_space_check_character_parses_in_every_form(text: str) -> None:
    udi = parse_udi(text)
    assert (udi.issuer, udi.device_identifier) == ("HIBCC", DEVICE_IDENTIFIER)
    assert (udi.extra["form"], udi.extra["check_character"]) == ("primary", " ")


def test_the_briefs_literal_example() -> None:
    for text in ("+B456PLATE10 ", "+B456PLATE10_", "*+B456PLATE10_*"):
        udi = parse_udi(text)
        assert (udi.device_identifier, udi.extra["labeler_code"], udi.extra["product_code"]) == (
            "B456PLATE10",
            "B456",
            "PLATE1",
        )
        assert udi.extra["unit_of_measure"] == 0


def test_space_check_character_is_valid_when_verification_is_off() -> None:
    udi = parse_udi(PRIMARY, verify_check_digits=False)
    assert (udi.device_identifier, udi.extra["check_digit_valid"]) == (DEVICE_IDENTIFIER, True)


def test_a_trimmed_space_check_character_is_refused_with_a_hint() -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi("+B456PLATE10")
    assert caught.value.reason == (
        "HIBCC: check character is wrong: expected ' ', got '0'; "
        "a space check character after it would be right: was a trailing space trimmed?"
    )


@pytest.mark.parametrize("padding", [" ", "  ", "   \r\n", " \t "])
def test_padding_after_another_check_character_is_still_ignored(padding: str) -> None:
    assert parse_udi("+A123BJC5D6E71G" + padding) == parse_udi("+A123BJC5D6E71G")


def test_padding_after_a_wrong_check_character_gives_the_usual_error() -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi("+A123BJC5D6E71H  ")
    assert caught.value.reason == (
        "HIBCC: check character is wrong: expected 'G', got 'H' (nor is a trailing space a right check character)"
    )
    udi = parse_udi("+A123BJC5D6E71H  ", verify_check_digits=False)
    assert (udi.device_identifier, udi.extra["check_character"], udi.extra["check_digit_valid"]) == (
        "A123BJC5D6E71",
        "H",
        False,
    )


def test_padding_inside_star_delimiters_is_data() -> None:
    with pytest.raises(UdiError, match="check character is wrong"):
        parse_udi("*+A123BJC5D6E71G *")


def test_a_j_check_character_with_padding_is_settled_by_the_primary_structure() -> None:
    # With data summing to 19 the check character is "J", and data + "J" sums to 38: a space check character.
    # So "…J " reads validly both ways; only "J" as check character leaves a primary ending in its unit digit.
    data = _find("+A123PROD{}1", wanted="J")
    assert hibcc_check_character(data + "J") == " "
    udi = parse_udi(data + "J ")
    assert (udi.device_identifier, udi.extra["check_character"]) == (data[1:], "J")


def test_a_truly_ambiguous_trailing_space_is_refused() -> None:
    # A separate secondary "…xJ " reads as link x/check J, or as link J/check space: both parse.
    data = _find("+$$7LOT{}", wanted="J")
    with pytest.raises(UdiError) as caught:
        parse_udi(data + "J ")
    assert caught.value.reason == (
        "HIBCC: ambiguous trailing space: the data is valid both with and without a space check character; "
        "remove the padding or rescan"
    )
    assert parse_udi(data + "J").lot == data[4:-1]  # unpadded, it is not ambiguous


def test_concatenated_primary_and_secondary_with_a_space_check_character() -> None:
    data = _find("+A123BJC5D6E71/$$3200228LOT{}")
    lot = data.rsplit("LOT", 1)[1]
    for text in (data + " ", data + "_", f"*{data}_*", data + " \r\n"):
        udi = parse_udi(text)
        assert (udi.device_identifier, udi.lot, udi.expiry) == ("A123BJC5D6E71", "LOT" + lot, dt.date(2020, 2, 28))
        assert (udi.extra["form"], udi.extra["check_character"]) == ("concatenated", " ")


def test_separate_secondary_with_a_space_check_character() -> None:
    data = _find("+$$3200228LOT{}G")  # link "G": the standard example's primary
    for text in (data + " ", data + "_", f"*{data}_*"):
        udi = parse_udi(text)
        assert (udi.lot, udi.extra["link_character"], udi.extra["check_character"]) == (data[10:-1], "G", " ")
    assert parse_udi_parts("+A123BJC5D6E71G", data + " ").device_identifier == "A123BJC5D6E71"


def test_secondary_linked_to_a_primary_with_a_space_check_character() -> None:
    link_space = "+$$3200228LOT1 "
    secondary = link_space + hibcc_check_character(link_space)
    assert _reference_check(link_space) == secondary[-1]
    udi = parse_udi(secondary)
    assert (udi.lot, udi.extra["link_character"]) == ("LOT1", " ")
    caption = link_space[:-1] + "_" + secondary[-1]  # the caption prints the space link character as "_"
    assert parse_udi(caption) == udi
    assert parse_udi(f"*{caption}*") == udi
    joined = parse_udi_parts(PRIMARY, secondary)
    assert (joined.device_identifier, joined.lot, joined.expiry) == (DEVICE_IDENTIFIER, "LOT1", dt.date(2020, 2, 28))
    assert parse_udi_parts(PRIMARY_DATA + "_", caption) == joined
    with pytest.raises(UdiError, match="link character does not match"):
        parse_udi_parts("+A123BJC5D6E71G", secondary)


def test_secondary_with_space_link_and_space_check_characters() -> None:
    data = _find("+$$3200228LOT{} ")
    udi = parse_udi(data + " ")
    assert (udi.extra["link_character"], udi.extra["check_character"]) == (" ", " ")
    assert parse_udi(data[:-1] + "__") == udi
    assert parse_udi(f"*{data[:-1]}__*") == udi
    assert parse_udi_parts(PRIMARY, data + " ").lot == data[10:-1]


def test_underscore_elsewhere_is_still_refused() -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi("+A123_JC5D6E71G")
    assert caught.value.reason == "HIBCC: character 6 is not in the HIBC (Code 39) character set"


@pytest.mark.parametrize(
    "text",
    [
        "(01)09506000134352(10)X1",
        "0109506000134352\x1d10X1",
        "=A99971812345600",
    ],
)
def test_gs1_and_iccbba_still_ignore_surrounding_whitespace(text: str) -> None:
    plain = parse_udi(text)
    assert parse_udi("  " + text + "  \r\n") == plain
    assert parse_udi(text + " ") == plain
