"""Every UDI string in ../shared/corpus/udi/udi_samples.json yields the values its source states."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from suture.codecs.udi import Udi, UdiError, parse_udi

_DEFAULT_CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
_SAMPLES_FILE = Path("udi") / "udi_samples.json"

# Published examples whose check digit/character is wrong at the source (biip 5.2.0 flags the two GS1 ones as
# well; the corpus' biip_5_2_0_check column just does not show gtin_error). Strict parsing must reject them
# with the right digit; with verification off they must still yield what the source states.
BAD_CHECK_AT_SOURCE = {
    "gs1-gudid-api-example": "expected 7, got 5",
    "gs1-uscore-udi2": "expected 2, got 6",
    "hibcc-fhir-stu3-udi3": "expected 'H', got 'C'",
}

FHIR_ISSUERS = {
    "http://hl7.org/fhir/NamingSystem/gs1": "GS1",
    "http://hl7.org/fhir/NamingSystem/hibcc": "HIBCC",
    "http://hl7.org/fhir/NamingSystem/iccbba-blood": "ICCBBA",
}

# Keys in expected_per_source that describe the record around the string, not the string itself.
NOT_FROM_THE_STRING = {"note", "entryType", "manufacturer"}


def _extra(key: str) -> Callable[[Udi], Any]:
    return lambda udi: udi.extra.get(key)


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


ACTUAL: dict[str, Callable[[Udi], Any]] = {
    "di": lambda udi: udi.device_identifier,
    "deviceIdentifier": lambda udi: udi.device_identifier,
    "01 GTIN": lambda udi: udi.device_identifier,
    "lot": lambda udi: udi.lot,
    "lotNumber": lambda udi: udi.lot,
    "lot_number": lambda udi: udi.lot,
    "10 lot": lambda udi: udi.lot,
    "serial": lambda udi: udi.serial,
    "serialNumber": lambda udi: udi.serial,
    "serial_number": lambda udi: udi.serial,
    "serialNumber(identifier SNO)": lambda udi: udi.serial,
    "expiration_date": lambda udi: _iso(udi.expiry),
    "expirationDate": lambda udi: _iso(udi.expiry),
    "manufacturing_date": lambda udi: _iso(udi.manufacture_date),
    "manufactureDate": lambda udi: _iso(udi.manufacture_date),
    "15 best before": lambda udi: _iso(udi.extra.get("best_before")),
    "hri": _extra("hri"),
    "symbology": _extra("symbology"),
    "issuer": lambda udi: udi.issuer,
    "issuing_agency": lambda udi: udi.issuer,
    "donation_id": _extra("donation_id"),
    "expiration_date_original": _extra("expiry_original"),
    "expiration_date_original_format": _extra("expiry_original_format"),
    "manufacturing_date_original": _extra("manufacture_date_original"),
    "manufacturing_date_original_format": _extra("manufacture_date_original_format"),
}


def _expected(key: str, value: str) -> str:
    """Normalise how sources write values: YYMMDD dates, FHIR issuer URIs, '<id> <description>'."""
    if key in ("manufacturing_date", "expiration_date") and len(value) == 6 and value.isdigit():
        return f"20{value[:2]}-{value[2:4]}-{value[4:]}"
    if key == "issuer":
        return FHIR_ISSUERS[value]
    if key == "symbology":
        return value.split()[0]
    return value


def _sample_ids() -> list[str]:
    path = Path(os.environ.get("SUTURE_CORPUS", _DEFAULT_CORPUS)) / _SAMPLES_FILE
    if not path.is_file():
        return ["corpus-absent"]
    return [sample["id"] for sample in json.loads(path.read_text(encoding="utf-8"))["samples"]]


@pytest.fixture(scope="module")
def samples(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    path = corpus_dir / _SAMPLES_FILE
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return {sample["id"]: sample for sample in json.loads(path.read_text(encoding="utf-8"))["samples"]}


@pytest.mark.parametrize("sample_id", _sample_ids())
def test_corpus_sample_yields_the_values_its_source_states(samples: dict[str, dict[str, Any]], sample_id: str) -> None:
    sample = samples[sample_id]
    expected = {k: v for k, v in sample["expected_per_source"].items() if k not in NOT_FROM_THE_STRING}
    assert sample["agency"] in ("GS1", "HIBCC", "ICCBBA")
    if "error" in expected:
        _assert_rejected(sample["udi"], expected["error"])
        return
    udi = _parse(sample_id, sample["udi"])
    assert udi.issuer == sample["agency"]
    for key, value in expected.items():
        assert key in ACTUAL, f"no mapping for expected key {key!r}: extend ACTUAL"
        assert ACTUAL[key](udi) == _expected(key, value), key


def _parse(sample_id: str, text: str) -> Udi:
    if sample_id not in BAD_CHECK_AT_SOURCE:
        return parse_udi(text)
    with pytest.raises(UdiError, match="check") as caught:
        parse_udi(text)
    assert BAD_CHECK_AT_SOURCE[sample_id] in caught.value.reason
    udi = parse_udi(text, verify_check_digits=False)
    assert udi.extra["check_digit_valid"] is False
    return udi


def _assert_rejected(text: str, source_error: str) -> None:
    with pytest.raises(UdiError) as caught:
        parse_udi(text)
    reason = caught.value.reason
    if "check digit" in source_error:
        assert "check digit" in reason
        assert source_error.split(": ")[-1].rstrip(".").lower() in reason  # "expected 7, got 8"
    if "Application Identifier" in source_error:
        assert "Application Identifier" in reason
    assert text not in reason and text.strip("\x1d")[:8] not in reason  # the value (possibly PHI) stays out
