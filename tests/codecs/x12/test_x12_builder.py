"""build_interchange(): fixed-width ISA, computed counts and trailers, output that parses back."""

from __future__ import annotations

import pytest

from suture.codecs.x12 import Delimiters, GroupSpec, TransactionSpec, build_interchange, parse, write_segment

PO = TransactionSpec(
    "850",
    1,
    [
        ["BEG", "00", "SA", "PO-1", "", "20240315"],
        ["PO1", "1", "4", "BX", "85.00", "", "VN", "ST-100"],
        ["PID", "F", "", "", "", "SUTURE 3-0 NYLON"],
        ["CTT", "1"],
    ],
)

PO2 = TransactionSpec("850", "PO0002", PO.segments)


def _build(**overrides: object) -> bytes:
    args: dict[str, object] = {
        "sender": ("ZZ", "HOSPITAL"),
        "receiver": ("12", "5551234567"),
        "control_number": 905,
        "date": "240315",
        "time": "0930",
        "groups": [GroupSpec("PO", "HOSPITAL", "VENDOR", "20240315", "0930", 12, "004010", [PO, PO2])],
    }
    args.update(overrides)
    return build_interchange(**args).to_bytes()  # type: ignore[arg-type]


def test_isa_is_fixed_width_and_every_count_is_computed() -> None:
    data = _build()
    isa = data.split(b"~")[0]
    assert len(isa) + 1 == 106
    assert isa.startswith(b"ISA*00*          *00*          *ZZ*HOSPITAL       *12*5551234567     *240315*0930*U*00401*")
    assert isa.endswith(b"*000000905*0*P*:")
    ix = parse(data)
    assert ix.problems == []
    assert [tx.trailer.get(1) for tx in ix.transactions if tx.trailer] == ["6", "6"]
    assert [tx.control_number for tx in ix.transactions] == ["0001", "PO0002"]
    assert ix.groups[0].trailer is not None and ix.groups[0].trailer.get(1) == "2"
    assert ix.trailer.get(1) == "1" and ix.trailer.get(2) == "000000905"


def test_builder_output_reads_back_to_the_values_given() -> None:
    ix = parse(_build(usage="T", acknowledgment_requested=True))
    assert (ix.sender, ix.receiver, ix.date, ix.time, ix.usage) == (
        ("ZZ", "HOSPITAL"), ("12", "5551234567"), "240315", "0930", "T"
    )  # fmt: skip
    assert ix.acknowledgment_requested
    po1 = ix.transactions[0].segment("PO1")
    assert po1 is not None and (po1.get(4), po1.get(7)) == ("85.00", "ST-100")


def test_version_00501_declares_the_repetition_separator_in_isa11() -> None:
    ix = parse(_build(version="00501", delimiters=Delimiters(repetition="^")))
    assert ix.header.raw(11) == "^" and ix.delimiters.repetition == "^"


def test_a_ccyymmdd_date_is_cut_to_isa09() -> None:
    assert parse(_build(date="20240315")).date == "240315"


def test_chosen_delimiters_and_line_breaks_are_written() -> None:
    data = _build(delimiters=Delimiters("|", "^", None, "!", "\r\n"))
    assert b"|PO-1||20240315!\r\nPO1|" in data
    assert parse(data).delimiters == Delimiters("|", "^", None, "!", "\r\n")


def test_a_newline_terminator_writes_one_segment_per_line() -> None:
    data = _build(delimiters=Delimiters(segment="\n", line_break=""))
    assert data.count(b"\n") == 16 and b"~" not in data
    assert parse(data).problems == []


def test_composites_repetitions_and_trailing_empties_are_written() -> None:
    d = Delimiters()
    assert write_segment(["SV1", ("HC", "99211", ""), "12.25", "", ["A", ("B", "C")], "", ""], d) == (
        "SV1*HC:99211*12.25**A^B:C"
    )


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"sender": ("ZZ", "A-NAME-LONGER-THAN-15")}, "ISA06"),
        ({"receiver": ("Z", "V")}, "ISA07"),
        ({"receiver": ("ZZ", " ")}, "blank"),
        ({"date": "2403"}, "YYMMDD"),
        ({"time": "9:30"}, "HHMM"),
        ({"control_number": 1_000_000_000}, "9 digits"),
        ({"usage": "X"}, "usage"),
        ({"version": "4010"}, "5 digits"),
        ({"version": "00501", "delimiters": Delimiters(repetition=None)}, "repetition"),
        ({"delimiters": Delimiters(element="*", component="*")}, "differ"),
    ],
)
def test_values_that_do_not_fit_are_refused(overrides: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        _build(**overrides)


def test_a_value_holding_a_delimiter_is_refused_naming_the_element_not_the_value() -> None:
    bad = TransactionSpec("850", 1, [["BEG", "00", "SA", "PO*1~", "", "20240315"]])
    with pytest.raises(ValueError) as caught:
        _build(groups=[GroupSpec("PO", "H", "V", "20240315", "0930", 1, "004010", [bad])])
    assert "BEG03" in str(caught.value) and "PO*1" not in str(caught.value)


def test_repeats_need_a_repetition_separator() -> None:
    bad = TransactionSpec("850", 1, [["REF", "ZZ", ["A", "B"]]])
    with pytest.raises(ValueError, match="REF02 repeats"):
        _build(groups=[GroupSpec("PO", "H", "V", "20240315", "0930", 1, "004010", [bad])])


def test_duplicate_transaction_control_numbers_in_a_group_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        _build(groups=[GroupSpec("PO", "H", "V", "20240315", "0930", 1, "004010", [PO, PO])])
