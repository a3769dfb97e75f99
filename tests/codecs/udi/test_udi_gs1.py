"""GS1 UDIs: human-readable, raw element strings, Digital Link URIs; check digits and dates."""

from __future__ import annotations

import datetime as dt

import pytest

from suture.codecs.udi import UdiError, parse_udi

GTIN = "09506000134352"  # valid check digit (2)
AI17_FORMAT = "its format N2+N6 (Expiration date (YYMMDD))"
HRI = f"(01){GTIN}(11)240115(17)270131(10)LOT-7(21)SN123"


def test_hri_yields_device_identifier_lot_serial_and_dates() -> None:
    udi = parse_udi(HRI)
    assert (udi.issuer, udi.device_identifier, udi.lot, udi.serial) == ("GS1", GTIN, "LOT-7", "SN123")
    assert (udi.expiry, udi.manufacture_date) == (dt.date(2027, 1, 31), dt.date(2024, 1, 15))
    assert udi.extra["form"] == "hri"
    assert udi.extra["ai"] == {"01": GTIN, "11": "240115", "17": "270131", "10": "LOT-7", "21": "SN123"}


def test_hri_with_curly_braces_and_spaces_is_read_like_parentheses() -> None:
    assert parse_udi(f"{{01}} {GTIN} {{17}} 270131 {{10}} LOT-7") == parse_udi(f"(01){GTIN}(17)270131(10)LOT-7")


def test_raw_element_string_with_gs_separators_and_datamatrix_prefix() -> None:
    udi = parse_udi(f"]d201{GTIN}10LOT-7\x1d21SN123\x1d17270131")
    assert (udi.device_identifier, udi.lot, udi.serial, udi.expiry) == (GTIN, "LOT-7", "SN123", dt.date(2027, 1, 31))
    assert udi.extra["symbology"] == "]d2"
    assert udi.extra["hri"] == f"(01){GTIN}(10)LOT-7(21)SN123(17)270131"


@pytest.mark.parametrize("prefix", ["]C1", "]e0", "]d2", "]Q3", "]J1", ""])
def test_gs1_symbology_identifiers_are_stripped(prefix: str) -> None:
    udi = parse_udi(f"{prefix}01{GTIN}17270131")
    assert (udi.device_identifier, udi.expiry) == (GTIN, dt.date(2027, 1, 31))
    assert udi.extra.get("symbology") == (prefix or None)


def test_fnc1_transmitted_as_leading_gs_is_ignored() -> None:
    assert parse_udi(f"]C1\x1d01{GTIN}").device_identifier == GTIN


@pytest.mark.parametrize("separator", ["\x1d", "<GS>", "<FNC1>", "\u241d", "\u2194"])
def test_visible_stand_ins_for_the_gs_separator_are_accepted(separator: str) -> None:
    udi = parse_udi(f"01{GTIN}10LOT-7{separator}21SN123")
    assert (udi.lot, udi.serial) == ("LOT-7", "SN123")


def test_unterminated_variable_length_field_runs_to_the_end() -> None:
    assert parse_udi(f"01{GTIN}10LOT-721SN123").lot == "LOT-721SN123"


@pytest.mark.parametrize(
    ("value", "expiry"),
    [("270100", dt.date(2027, 1, 31)), ("240200", dt.date(2024, 2, 29)), ("250200", dt.date(2025, 2, 28))],
)
def test_expiry_day_00_resolves_to_the_last_day_of_the_month(value: str, expiry: dt.date) -> None:
    assert parse_udi(f"(01){GTIN}(17){value}").expiry == expiry


def test_manufacture_date_day_00_resolves_to_the_last_day_of_the_month() -> None:
    assert parse_udi(f"(01){GTIN}(11)230400").manufacture_date == dt.date(2023, 4, 30)


def test_best_before_and_packaging_dates_land_in_extra_not_in_expiry() -> None:
    udi = parse_udi(f"(01){GTIN}(13)240100(15)270600")
    assert udi.expiry is None
    assert (udi.extra["packaging_date"], udi.extra["best_before"]) == (dt.date(2024, 1, 31), dt.date(2027, 6, 30))


@pytest.mark.parametrize(
    "text",
    [f"(01){GTIN[:-1]}9(17)270131", f"01{GTIN[:-1]}9", f"https://id.gs1.org/01/{GTIN[:-1]}9"],
)
def test_wrong_gtin_check_digit_is_rejected_with_the_expected_digit(text: str) -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi(text)
    assert caught.value.reason == "GS1: GTIN check digit in AI (01) is wrong: expected 2, got 9"


def test_wrong_check_digit_is_only_flagged_when_verification_is_off() -> None:
    udi = parse_udi(f"(01){GTIN[:-1]}9(10)A1", verify_check_digits=False)
    assert (udi.device_identifier, udi.lot, udi.extra["check_digit_valid"]) == (f"{GTIN[:-1]}9", "A1", False)
    assert parse_udi(HRI, verify_check_digits=False).extra["check_digit_valid"] is True


def test_wrong_sscc_check_digit_is_rejected() -> None:
    with pytest.raises(UdiError, match=r"SSCC check digit in AI \(00\) is wrong: expected 8, got 1"):
        parse_udi("(00)106141412345678901")


def test_digital_link_on_id_gs1_org_with_expiry_in_the_query() -> None:
    udi = parse_udi(f"https://id.gs1.org/01/{GTIN}/10/ABC/21/123?17=270101")
    assert (udi.device_identifier, udi.lot, udi.serial, udi.expiry) == (GTIN, "ABC", "123", dt.date(2027, 1, 1))
    assert udi.extra["form"] == "digital_link"


def test_digital_link_on_a_custom_domain_with_a_path_prefix() -> None:
    udi = parse_udi(f"https://labels.example-med.com/products/01/{GTIN}/21/S%2F1?17=270100&foo=bar")
    assert (udi.device_identifier, udi.serial, udi.expiry) == (GTIN, "S/1", dt.date(2027, 1, 31))


def test_digital_link_short_gtin_is_padded_to_gtin_14() -> None:
    assert parse_udi("]Q3https://example.com/01/614141123452/10/ABC123").device_identifier == "00614141123452"


def test_digital_link_without_primary_identifier_is_rejected_without_echoing_the_uri() -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi("https://example.com/products/SECRET42")
    assert caught.value.reason.startswith("GS1: not a valid Digital Link URI")
    assert "SECRET42" not in caught.value.reason


def test_gs1_data_without_a_gtin_is_a_secondary_label() -> None:
    udi = parse_udi("(17)270131(10)LOT-7")
    assert (udi.device_identifier, udi.lot, udi.expiry) == (None, "LOT-7", dt.date(2027, 1, 31))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"(01){GTIN}(17)271331", f"GS1: data of AI (17) does not match {AI17_FORMAT}"),
        (f"(01){GTIN}(17)270230", "GS1 AI (17) has day 30, which month 02 of 2027 does not have"),
        (f"(01){GTIN}(17)2701", f"GS1: data of AI (17) does not match {AI17_FORMAT}"),
        (f"(01){GTIN}(10)", "GS1: AI (10) has no data"),
        (f"(99999){GTIN}", "GS1: human-readable form must start with a known Application Identifier in brackets"),
        (f"01{GTIN}10AB\x1dZZ", "GS1: no known Application Identifier at character 22 (after AI (10))"),
        (f"01{GTIN}17ABCDEF", f"GS1: data of AI (17) at character 17 (after AI (01)) does not match {AI17_FORMAT}"),
        (f"(01){GTIN}(10)A(10)B", "GS1: AI (10) appears twice with different values"),
        ("]d2", "empty UDI"),
    ],
)
def test_malformed_gs1_is_rejected_with_a_reason_that_locates_the_problem(text: str, reason: str) -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi(text)
    assert caught.value.reason == reason


def test_gs1_symbology_identifier_forces_gs1_parsing() -> None:
    with pytest.raises(UdiError, match=r"^GS1: no known Application Identifier"):
        parse_udi("]d2+A123BJC5D6E71G")


def test_reference_year_applies_the_gs1_century_window() -> None:
    text = f"(01){GTIN}(11)980101(17)760101"
    assert parse_udi(text).manufacture_date == dt.date(2098, 1, 1)  # no reference year: always 20YY
    udi = parse_udi(text, reference_year=2026)
    assert (udi.manufacture_date, udi.expiry) == (dt.date(1998, 1, 1), dt.date(2076, 1, 1))
