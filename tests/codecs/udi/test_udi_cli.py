"""``suture udi parse``: JSON on stdout, or ``error: <reason>`` on stderr with exit code 2."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from suture.cli.udi import app

runner = CliRunner()
GTIN = "09506000134352"


def test_parse_prints_the_fields_as_json_and_exits_0() -> None:
    result = runner.invoke(app, ["parse", f"(01){GTIN}(11)240115(17)270100(10)L1(21)S1"])
    assert result.exit_code == 0, result.stderr
    data = orjson.loads(result.stdout)
    assert {k: data[k] for k in ("issuer", "device_identifier", "lot", "serial", "expiry", "manufacture_date")} == {
        "issuer": "GS1",
        "device_identifier": GTIN,
        "lot": "L1",
        "serial": "S1",
        "expiry": "2027-01-31",
        "manufacture_date": "2024-01-15",
    }
    assert result.stdout.startswith('{\n  "issuer"')  # orjson, indent 2


def test_parse_error_prints_the_reason_on_stderr_and_exits_2() -> None:
    result = runner.invoke(app, ["parse", "0105901234123458"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "error: GS1: GTIN check digit in AI (01) is wrong: expected 7, got 8\n"


def test_parse_accepts_the_literal_gs_stand_in() -> None:
    result = runner.invoke(app, ["parse", f"]d201{GTIN}10L1<GS>21S1"])
    assert result.exit_code == 0, result.stderr
    assert orjson.loads(result.stdout)["serial"] == "S1"


def test_parse_joins_several_strings_as_parts_of_one_label() -> None:
    result = runner.invoke(app, ["parse", "+A123BJC5D6E71G", "+$$3200228LOT1GC"])
    assert result.exit_code == 0, result.stderr
    data = orjson.loads(result.stdout)
    assert (data["issuer"], data["device_identifier"], data["lot"]) == ("HIBCC", "A123BJC5D6E71", "LOT1")


def test_no_verify_check_accepts_a_wrong_check_character_and_says_so() -> None:
    result = runner.invoke(app, ["parse", "--no-verify-check", "+A123BJC5D6E71H"])
    assert result.exit_code == 0, result.stderr
    assert orjson.loads(result.stdout)["extra"]["check_digit_valid"] is False


def test_reference_year_option_sets_the_century_window() -> None:
    result = runner.invoke(app, ["parse", "--reference-year", "2026", f"(01){GTIN}(11)980101"])
    assert orjson.loads(result.stdout)["manufacture_date"] == "1998-01-01"


def test_parse_without_a_string_is_a_usage_error() -> None:
    assert runner.invoke(app, ["parse"]).exit_code == 2
