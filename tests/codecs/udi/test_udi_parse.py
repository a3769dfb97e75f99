"""Issuer detection, the Udi value, joining split labels and the crosswalk key."""

from __future__ import annotations

import dataclasses
import datetime as dt

import orjson
import pytest

from suture.codecs.udi import Udi, UdiError, device_identifier_key, parse_udi, parse_udi_parts
from suture.errors import RejectedInput

GTIN = "09506000134352"


@pytest.mark.parametrize(
    ("text", "issuer"),
    [
        (f"(01){GTIN}", "GS1"),
        (f"01{GTIN}", "GS1"),
        (f"https://id.gs1.org/01/{GTIN}", "GS1"),
        ("+A123BJC5D6E71G", "HIBCC"),
        ("]A0+A123BJC5D6E71G", "HIBCC"),
        ("=)1TE123456A", "ICCBBA"),
        ("  =)1TE123456A\n", "ICCBBA"),
    ],
)
def test_issuer_is_detected_from_the_data(text: str, issuer: str) -> None:
    assert parse_udi(text).issuer == issuer


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty UDI"),
        ("   ", "empty UDI"),
        ("]", "malformed symbology identifier: expected ']' + letter + modifier"),
        (
            "ABC123",
            "not a recognised UDI: expected GS1 ('(', digits or a Digital Link URI), HIBCC ('+') "
            "or ICCBBA ('=' or '&')",
        ),
    ],
)
def test_unrecognisable_input_is_rejected_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi(text)
    assert caught.value.reason == reason


def test_udi_error_is_a_rejected_input() -> None:
    assert issubclass(UdiError, RejectedInput)


def test_to_dict_is_json_serialisable_with_iso_dates() -> None:
    data = parse_udi(f"(01){GTIN}(11)240115(15)270600(17)270100(10)L1(21)S1").to_dict()
    assert orjson.loads(orjson.dumps(data)) == data
    assert data["expiry"] == "2027-01-31"
    assert data["manufacture_date"] == "2024-01-15"
    assert data["extra"]["best_before"] == "2027-06-30"  # type: ignore[index]
    assert set(data) == {"issuer", "device_identifier", "lot", "serial", "expiry", "manufacture_date", "extra"}


def test_udi_is_immutable_including_extra() -> None:
    udi = parse_udi(f"(01){GTIN}")
    with pytest.raises(dataclasses.FrozenInstanceError):
        udi.lot = "X"  # type: ignore[misc]
    with pytest.raises(TypeError):
        udi.extra["form"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        udi.extra["ai"]["01"] = "x"  # type: ignore[index]


def test_equal_udis_compare_equal_and_hash_alike() -> None:
    first, second = parse_udi(f"(01){GTIN}(10)L1"), parse_udi(f"(01){GTIN}(10)L1")
    assert first == second
    assert hash(first) == hash(second)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (f"(01){GTIN}(10)L1", f"GS1:{GTIN}"),
        ("https://example.com/01/614141123452", "GS1:00614141123452"),
        ("+A123BJC5D6E71/$$3200228LOT1B", "HIBCC:A123BJC5D6E71"),
        ("=/A9999XYZ100T0944=,000025", "ICCBBA:A9999XYZ100T0944"),
    ],
)
def test_device_identifier_key_is_issuer_and_device_identifier(text: str, key: str) -> None:
    assert device_identifier_key(parse_udi(text)) == key
    assert device_identifier_key(text) == key


def test_device_identifier_key_needs_a_device_identifier() -> None:
    with pytest.raises(UdiError, match="no device identifier"):
        device_identifier_key("(17)270131(10)L1")


def test_gs1_primary_and_secondary_labels_join_into_one_udi() -> None:
    udi = parse_udi_parts("(17)270131(10)L1", f"(01){GTIN}(21)S1")
    assert (udi.device_identifier, udi.lot, udi.serial, udi.expiry) == (GTIN, "L1", "S1", dt.date(2027, 1, 31))
    assert udi.extra["ai"] == {"01": GTIN, "21": "S1", "17": "270131", "10": "L1"}
    assert (udi.extra["form"], udi.extra["hri"]) == ("hri+hri", f"(01){GTIN}(21)S1(17)270131(10)L1")


def test_hibcc_primary_and_linked_secondary_join_into_one_udi() -> None:
    udi = parse_udi_parts("+$$3200228LOT1GC", "+A123BJC5D6E71G")
    assert (udi.device_identifier, udi.lot, udi.expiry) == ("A123BJC5D6E71", "LOT1", dt.date(2020, 2, 28))
    assert (udi.extra["form"], udi.extra["check_character"], udi.extra["link_character"]) == (
        "primary+secondary",
        "G",
        "G",
    )


def test_joined_parts_report_a_bad_check_character_in_any_part() -> None:
    udi = parse_udi_parts("+A123BJC5D6E71G", "+$$3200228LOT1GX", verify_check_digits=False)
    assert (udi.lot, udi.extra["check_digit_valid"]) == ("LOT1", False)


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        (("+A123BJC5D6E71G", "+$$3200228LOT1HD"), "HIBCC: a secondary's link character does not match the primary's"),
        ((f"(01){GTIN}(10)L1", "(10)L2"), "UDI parts disagree on AI (10)"),
        (("=)1TE123456A&)RZ12345678", "&)RZ12345679"), "UDI parts disagree on lot"),
        ((f"(01){GTIN}(10)L1", "(10)L1(17)270131(10)L2"), "GS1: AI (10) appears twice with different values"),
        ((f"(01){GTIN}", "+A123BJC5D6E71G"), "UDI parts come from different issuers"),
        ((), "no UDI parts given"),
    ],
)
def test_parts_that_do_not_belong_together_are_rejected(parts: tuple[str, ...], reason: str) -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi_parts(*parts)
    assert caught.value.reason.startswith(reason)


def test_parts_with_conflicting_ai_values_are_rejected() -> None:
    with pytest.raises(UdiError, match=r"UDI parts disagree on AI \(17\)"):
        parse_udi_parts(f"(01){GTIN}(17)270131", "(17)270130")


def test_single_part_is_the_same_as_parse_udi() -> None:
    assert parse_udi_parts("+A123BJC5D6E71G") == parse_udi("+A123BJC5D6E71G")


def test_udi_can_be_built_directly() -> None:
    udi = Udi(issuer="GS1", device_identifier=GTIN, extra={"k": 1})
    assert udi.to_dict()["extra"] == {"k": 1}
