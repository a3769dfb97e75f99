"""HIBCC UDIs: primary, secondary and concatenated data with the modulo-43 check character."""

from __future__ import annotations

import datetime as dt

import pytest

from suture.codecs.udi import UdiError, hibcc_check_character, parse_udi

PRIMARY = "+A123BJC5D6E71G"  # the HIBC LIC standard's primary example
PRIMARY_RULE = (
    "HIBCC: primary data must be a 4-character labeler code starting with a letter, "
    "a 1-18 character product number and a 1-digit unit of measure"
)


def _with_check(data: str) -> str:
    return data + hibcc_check_character(data)


def test_check_character_matches_the_standard_example() -> None:
    assert hibcc_check_character(PRIMARY[:-1]) == "G"


def test_primary_yields_labeler_product_and_unit_of_measure() -> None:
    udi = parse_udi(PRIMARY)
    assert (udi.issuer, udi.device_identifier, udi.lot, udi.expiry) == ("HIBCC", "A123BJC5D6E71", None, None)
    assert udi.extra["labeler_code"] == "A123"
    assert udi.extra["product_code"] == "BJC5D6E7"
    assert udi.extra["unit_of_measure"] == 1
    assert (udi.extra["form"], udi.extra["check_character"]) == ("primary", "G")


def test_concatenated_primary_and_secondary() -> None:
    udi = parse_udi("+A123BJC5D6E71/$$3200228LOT1B")
    assert (udi.device_identifier, udi.lot, udi.expiry) == ("A123BJC5D6E71", "LOT1", dt.date(2020, 2, 28))
    assert udi.extra["form"] == "concatenated"


def test_separate_secondary_keeps_its_link_character_and_has_no_device_identifier() -> None:
    udi = parse_udi("+$$3200228LOT1GC")
    assert (udi.device_identifier, udi.lot, udi.expiry) == (None, "LOT1", dt.date(2020, 2, 28))
    assert (udi.extra["form"], udi.extra["link_character"]) == ("secondary", "G")


@pytest.mark.parametrize(
    ("secondary", "lot", "serial", "expiry"),
    [
        ("$$1220LOT7", "LOT7", None, dt.date(2020, 12, 31)),  # MMYY: month end
        ("$$2022820LOT7", "LOT7", None, dt.date(2020, 2, 28)),  # MMDDYY
        ("$$3200228LOT7", "LOT7", None, dt.date(2020, 2, 28)),  # YYMMDD
        ("$$3200200LOT7", "LOT7", None, dt.date(2020, 2, 29)),  # YYMMDD, day 00
        ("$$520059LOT7", "LOT7", None, dt.date(2020, 2, 28)),  # YYJJJ
        ("$$7LOT7", "LOT7", None, None),  # no expiry
        ("$LOT7", "LOT7", None, None),
        ("20059LOT7", "LOT7", None, dt.date(2020, 2, 28)),  # the older YYJJJ secondary
        ("$+SER7", None, "SER7", None),
        ("$$+3200228SER7", None, "SER7", dt.date(2020, 2, 28)),
        ("$$+7SER7", None, "SER7", None),
        ("$LOT7/SSER7/14D20200200", "LOT7", "SER7", dt.date(2020, 2, 29)),
    ],
)
def test_secondary_formats(secondary: str, lot: str | None, serial: str | None, expiry: dt.date | None) -> None:
    udi = parse_udi(_with_check(f"+A123BJC5D6E71/{secondary}"))
    assert (udi.lot, udi.serial, udi.expiry) == (lot, serial, expiry)


@pytest.mark.parametrize(("secondary", "hour"), [("$$420022816LOT7", 16), ("$$62005923LOT7", 23)])
def test_expiry_formats_with_an_hour_keep_the_hour_in_extra(secondary: str, hour: int) -> None:
    udi = parse_udi(_with_check(f"+A123BJC5D6E71/{secondary}"))
    assert (udi.expiry, udi.lot, udi.extra["expiry_hour"]) == (dt.date(2020, 2, 28), "LOT7", hour)


@pytest.mark.parametrize(("secondary", "quantity"), [("$$8123200228LOT7", 12), ("$$9001003200228LOT7", 100)])
def test_quantity_precedes_the_expiry_date(secondary: str, quantity: int) -> None:
    udi = parse_udi(_with_check(f"+A123BJC5D6E71/{secondary}"))
    assert (udi.extra["quantity"], udi.expiry, udi.lot) == (quantity, dt.date(2020, 2, 28), "LOT7")


def test_supplemental_manufacture_date_and_quantity() -> None:
    udi = parse_udi(_with_check("+$LOT7/16D20190115/Q5G"))
    assert (udi.manufacture_date, udi.extra["quantity"]) == (dt.date(2019, 1, 15), 5)


def test_wrong_check_character_is_rejected_with_the_expected_one() -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi("+A123BJC5D6E71H")
    assert caught.value.reason == "HIBCC: check character is wrong: expected 'G', got 'H'"


def test_wrong_check_character_is_only_flagged_when_verification_is_off() -> None:
    udi = parse_udi("+A123BJC5D6E71H", verify_check_digits=False)
    assert (udi.device_identifier, udi.extra["check_digit_valid"]) == ("A123BJC5D6E71", False)


def test_code_39_start_and_stop_asterisks_are_tolerated() -> None:
    assert parse_udi(f"*{PRIMARY}*") == parse_udi(PRIMARY)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("+a123BJC5D6E71G", "HIBCC: character 2 is not in the HIBC (Code 39) character set"),
        ("+A", "HIBCC: too short to hold data and a check character"),
        (_with_check("+A123" + "X" * 19 + "1"), PRIMARY_RULE),
        (_with_check("+A1231"), PRIMARY_RULE),
        (_with_check("+A123BJC5D6E7X"), PRIMARY_RULE),
        (
            _with_check("+A123BJC5D6E71/LOT7"),
            "HIBCC: secondary data must start with '$', '$$', '$+', '$$+' or a YYJJJ date",
        ),
        (
            _with_check("+A123BJC5D6E71/$$ALOT"),
            "HIBCC: '$$' must be followed by an MMYY date or a date format flag 2-7",
        ),
        (_with_check("+A123BJC5D6E71/$$1320LOT"), "HIBCC expiry (MMYY) has month 13, which is not 01-12"),
        (
            _with_check("+A123BJC5D6E71/$$521366LOT"),
            "HIBCC expiry (YYJJJ) has day-of-year 366, which 2021 does not have",
        ),
        (_with_check("+A123BJC5D6E71/$$420022825LOT"), "HIBCC: expiry hour (YYMMDDHH) must be 00-23"),
        (_with_check("+A123BJC5D6E71/$L" + "O" * 18), "HIBCC: lot is longer than 18 characters"),
        (
            _with_check("+A123BJC5D6E71/$LOT/1TX"),
            "HIBCC supplemental field 1 (1T): unsupported data identifier or malformed value",
        ),
        (_with_check("+A123BJC5D6E71/$$3200228LOT/14D20210101"), "HIBCC: expiry is given twice with different values"),
    ],
)
def test_malformed_hibcc_is_rejected_with_a_clear_reason(text: str, reason: str) -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi(text)
    assert caught.value.reason == reason
