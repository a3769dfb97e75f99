"""ICCBBA (ISBT 128) UDIs: '=' / '&' data structures."""

from __future__ import annotations

import datetime as dt

import pytest

from suture.codecs.udi import UdiError, parse_udi

# The AccessGUDID parse_udi documentation's ICCBBA example (public domain).
GUDID_EXAMPLE = "=/A9999XYZ100T0944=,000025=A99971312345600=>014032=}013032&,1000000000000XYZ123"


def test_gudid_example_yields_the_values_accessgudid_reports() -> None:
    udi = parse_udi(GUDID_EXAMPLE)
    assert (udi.issuer, udi.device_identifier, udi.serial, udi.lot) == (
        "ICCBBA",
        "A9999XYZ100T0944",
        "000025",
        "000000000000XYZ123",
    )
    assert (udi.expiry, udi.manufacture_date) == (dt.date(2014, 2, 1), dt.date(2013, 2, 1))
    assert udi.extra["donation_id"] == "A99971312345600"
    assert (udi.extra["expiry_original"], udi.extra["expiry_original_format"]) == ("014032", "YYYJJJ")
    assert udi.extra["facility_identification_number"] == "A9999"


def test_blood_container_catalog_number_is_the_device_identifier_and_container_lot_the_lot() -> None:
    udi = parse_udi("=)1TE123456A&)RZ12345678")
    assert (udi.device_identifier, udi.lot) == ("1TE123456A", "RZ12345678")


def test_expiry_with_time_keeps_the_time_in_extra() -> None:
    udi = parse_udi("=/A9999XYZ100T0944&>0240601530")
    assert (udi.expiry, udi.extra["expiry_time"]) == (dt.date(2024, 2, 29), "15:30")


def test_iccbba_behind_a_code_128_symbology_identifier() -> None:
    assert parse_udi("]C0=/A9999XYZ100T0944").device_identifier == "A9999XYZ100T0944"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("=/A9999XYZ100T094", "ICCBBA: data structure '=/' must carry 16 letters or digits"),
        ("=/A9999XYZ100T0944=>014400", "ICCBBA expiry has day-of-year 400, which 2014 does not have"),
        ("=/A9999XYZ100T0944=>01403X", "ICCBBA expiry must be 6 digits"),
        ("=/A9999XYZ100T0944&>0140322460", "ICCBBA expiry has a time outside 00:00-23:59"),
        ("=/A9999XYZ100T0944=#123", "ICCBBA: unsupported data identifier '=#'"),
        ("=,000025=,000026", "ICCBBA: data structure '=,' appears twice with different values"),
        (
            "=/A9999XYZ100T0944=)1TE123456A",
            "ICCBBA: both a PPIC ('=/') and a container catalog number ('=)') are present",
        ),
    ],
)
def test_malformed_iccbba_is_rejected_with_a_clear_reason(text: str, reason: str) -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi(text)
    assert caught.value.reason == reason


def test_collection_date_and_blood_product_fields_land_in_extra() -> None:
    udi = parse_udi("=A99971312345600=<E0001V00=%5100=*013032")
    assert (udi.device_identifier, udi.extra["donation_id"]) == (None, "A99971312345600")
    assert (udi.extra["product_code"], udi.extra["blood_groups"]) == ("E0001V00", "5100")
    assert udi.extra["collection_date"] == dt.date(2013, 2, 1)
