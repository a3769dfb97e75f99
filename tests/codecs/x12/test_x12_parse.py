"""parse(): delimiters, whitespace, element access, fatal envelope errors and the problems kept for 997/999."""

from __future__ import annotations

import pytest
from x12_samples import ISA_4010, ISA_5010, Maker

from suture.codecs.x12 import Segment, X12ParseError, parse, parse_all
from suture.codecs.x12.delimiters import Delimiters
from suture.errors import Location

# -- delimiters and whitespace --------------------------------------------------------------------------------


def test_delimiters_come_from_the_isa_positions(x12: Maker) -> None:
    ix = parse(x12(version="005010"))
    assert ix.delimiters == Delimiters("*", ":", "^", "~", "\n")
    assert ix.fixed_width_header


def test_isa11_is_a_standards_identifier_before_00402_not_a_repetition_separator(x12: Maker) -> None:
    assert parse(x12()).delimiters.repetition is None


def test_unusual_delimiters_are_honoured(x12: Maker) -> None:
    data = x12(terminator="_\r\n").replace(b"*", b"|").replace(b"|>_", b"|^_")
    ix = parse(data)
    assert (ix.delimiters.element, ix.delimiters.component, ix.delimiters.segment) == ("|", "^", "_")
    assert ix.delimiters.line_break == "\r\n"
    assert ix.transactions[0].get("PO104") == "9.50"
    assert ix.to_bytes() == data


def test_a_newline_can_be_the_segment_terminator(x12: Maker) -> None:
    data = x12(terminator="\n")
    ix = parse(data)
    assert ix.delimiters.segment == "\n"
    assert ix.transactions[0].get("BEG03") == "PO-1"
    assert ix.problems == []
    assert ix.serialize() == data


def test_bom_leading_whitespace_indentation_and_blank_lines_are_tolerated_and_kept(x12: Maker) -> None:
    data = b"\xef\xbb\xbf\r\n  " + x12().replace(b"\nGS", b"\n\tGS").replace(b"\nST", b"\n\n    ST") + b"\n\n"
    ix = parse(data)
    assert ix.problems == []
    assert ix.to_bytes() == data
    assert ix.serialize() == data
    assert ix.transactions[0].header.line == 5  # BOM + CRLF, ISA, GS, blank line, ST


def test_blank_lines_between_segments_are_kept_when_the_terminator_is_a_newline(x12: Maker) -> None:
    data = x12(terminator="\n").replace(b"\nPO1", b"\n\n\nPO1")
    ix = parse(data)
    tx = ix.transactions[0]
    assert tx.ids == ["ST", "BEG", "PO1", "SE"]
    assert tx.segments_named("PO1")[0].line == 7
    assert ix.problems == []
    assert ix.serialize() == data


def test_a_missing_terminator_after_the_last_iea_is_tolerated(x12: Maker) -> None:
    data = x12().rstrip(b"~\n")
    ix = parse(data)
    assert ix.trailer.get(2) == "000000001"
    assert ix.serialize() == data


def test_nbsp_padding_in_a_utf8_isa_counts_as_one_position() -> None:
    isa = ISA_4010.replace("*          *00", "*" + "\u00a0" * 10 + "*00", 1)
    data = (isa + "~GS*PO*A*B*20240101*1200*1*X*004010~ST*850*0001~BEG*00*SA*1**20240101~SE*3*0001~GE*1*1~"
            "IEA*1*000000001~").encode()  # fmt: skip
    ix = parse(data)
    assert ix.fixed_width_header
    assert ix.header.get(2) == "\u00a0" * 10
    assert ix.to_bytes() == ix.serialize() == data


def test_an_unpadded_isa_is_read_by_its_element_separator(x12: Maker) -> None:
    isa = "ISA*00* *00* *ZZ*HOSPITAL*ZZ*VENDOR *240101*1200*U*00401*000000001*0*P*>"
    ix = parse(x12(isa=isa))
    assert not ix.fixed_width_header
    assert (ix.sender, ix.receiver) == (("ZZ", "HOSPITAL"), ("ZZ", "VENDOR"))


def test_latin1_bytes_that_are_not_utf8_still_round_trip(x12: Maker) -> None:
    data = x12(("BEG*00*SA*PO-1**20240101", "PID*F****CAF\xc9".replace("\xc9", "E"))).replace(b"CAFE", b"CAF\xc9")
    ix = parse(data)
    assert ix.encoding == "latin-1"
    assert ix.transactions[0].get("PID05") == "CAF\u00c9"
    assert ix.serialize() == data


def test_interchanges_back_to_back_may_each_declare_their_own_delimiters(x12: Maker) -> None:
    first = x12()
    second = x12(terminator="!\n").replace(b"*", b"|").replace(b"|>!", b"|>!")
    interchanges = parse_all(first + second)
    assert [ix.delimiters.element for ix in interchanges] == ["*", "|"]
    assert interchanges[0].to_bytes() == first
    assert interchanges[1].to_bytes() == second
    assert interchanges[1].transactions[0].header.line == first.count(b"\n") + 3


# -- element access -------------------------------------------------------------------------------------------


def test_elements_components_and_repetitions_are_split_on_demand() -> None:
    seg = Segment("SV1*HC:99211:25*12.25**A^B:C", Delimiters())
    assert seg.get(1) == "HC:99211:25"
    assert seg.get(1, component=2) == "99211"
    assert seg.get(3) == ""
    assert seg.get(4, repetition=2) == "B:C"
    assert seg.get(4, repetition=2, component=2) == "C"
    assert seg.get(4, component=1) == "A"
    assert seg.components(1) == ["HC", "99211", "25"]
    assert seg.repetitions(4) == ["A", "B:C"]
    assert (seg.get(9), seg.get(1, component=9), len(seg)) == ("", "", 4)


def test_trailing_empty_components_do_not_change_an_element_value() -> None:
    seg = Segment("SE*4*0001::", Delimiters())
    assert seg.get(2) == "0001"
    assert seg.raw(2) == "0001::"


def test_without_a_repetition_separator_an_element_is_one_repetition() -> None:
    seg = Segment("N4*ATLANTA*GA*31139-0020", Delimiters(repetition=None))
    assert seg.repetitions(3) == ["31139-0020"]
    assert seg.get(3, repetition=2) == ""


def test_transaction_lookups_number_segments_from_st(x12: Maker) -> None:
    tx = parse(x12(("BEG*00*SA*PO-1**20240101", "PO1*1*2*EA", "PO1*2*3*EA"))).transactions[0]
    assert tx.segments_named("PO1")[1].get(1) == "2"
    assert tx.segment("PO1", 3) is None
    assert [s.position for s in tx.segments_named("PO1")] == [3, 4]
    assert [s.id for s in tx.body] == ["BEG", "PO1", "PO1"]
    assert tx.at(1).id == "ST"
    with pytest.raises(IndexError):
        tx.at(99)


def test_transaction_values_by_reference(x12: Maker) -> None:
    tx = parse(x12(("BEG*00*SA*PO-1**20240101", "PO1*1*2*EA*9.50**VN*A1>B", "PO1*2*3*EA"))).transactions[0]
    assert (tx.get("BEG03"), tx.get("PO107"), tx.get("PO107-2"), tx.get("PO101", occurrence=2)) == (
        "PO-1", "A1>B", "B", "2"
    )  # fmt: skip
    assert (tx.get("N104"), tx.get("PO199"), tx.get("PO101", occurrence=3)) == ("", "", "")
    with pytest.raises(ValueError):
        tx.get("PO1-4")


# -- fatal errors ---------------------------------------------------------------------------------------------


def _rejection(data: bytes) -> X12ParseError:
    with pytest.raises(X12ParseError) as caught:
        parse(data)
    return caught.value


def test_empty_input_is_rejected() -> None:
    assert "empty" in _rejection(b" \r\n").reason


def test_garbage_before_the_isa_is_rejected() -> None:
    err = _rejection(b"HELLO\nISA*")
    assert (err.reason, err.location) == ("input does not start with an ISA segment", Location(segment_index=1, line=1))


@pytest.mark.parametrize(
    ("old", "new", "element", "words"),
    [
        ("*00*          *00", "*0*          *00", 1, "exactly 2"),
        ("*ZZ*HOSPITAL       ", "*ZZ*HOSPITAL-WITH-A-LONG-NAME", 6, "at most 15"),
        ("*ZZ*VENDOR         ", "*ZZ*               ", 8, "blank"),
        ("*240101*", "*241301*", 9, "date"),
        ("*1200*", "*12:0*", 10, "time"),
        ("*00401*", "*0040A*", 12, "digits"),
        ("*000000001*", "*00000001*", 13, "exactly 9"),
        ("*0*P*", "*2*P*", 14, "0 or 1"),
        ("*P*>", "*X*>", 15, "P, T or I"),
    ],
)
def test_a_broken_isa_element_is_named(x12: Maker, old: str, new: str, element: int, words: str) -> None:
    err = _rejection(x12().replace(old.encode(), new.encode(), 1))
    assert f"ISA{element:02d}" in err.reason and words in err.reason
    assert err.location == Location("ISA", 1, element, line=1)


def test_isa_delimiters_that_clash_are_rejected(x12: Maker) -> None:
    err = _rejection(x12().replace(b"*P*>~", b"*P*~~"))
    assert "same character" in err.reason


def test_a_letter_after_isa16_means_isa16_is_not_one_character(x12: Maker) -> None:
    err = _rejection(x12().replace(b"*P*>~", b"*P*>>~"))
    assert "same character" in err.reason or "ISA16" in err.reason


def test_truncated_input_without_iea_is_rejected(x12: Maker) -> None:
    data = x12()
    err = _rejection(data[: data.index(b"GE*")])
    assert "no IEA" in err.reason
    assert err.note_code == "023"


def test_st_outside_a_group_is_rejected(x12: Maker) -> None:
    data = x12().replace(b"GS*PO*HOSPITAL*VENDOR*20240101*1200*1*X*004010~\n", b"")
    err = _rejection(data)
    assert err.location == Location("ST", 2, line=2)
    assert "outside a functional group" in err.reason


def test_a_segment_between_se_and_st_is_rejected(x12: Maker) -> None:
    data = x12().replace(b"GE*", b"REF*ZZ*1~\nGE*")
    err = _rejection(data)
    assert err.location == Location("REF", 7, line=7)
    assert "outside a transaction set" in err.reason


def test_a_line_break_inside_a_segment_is_rejected_with_its_line(x12: Maker) -> None:
    data = x12().replace(b"PO1*1*2", b"PO1*1\n*2")
    err = _rejection(data)
    assert err.location == Location("PO1", 5, line=5)
    assert err.note_code == "004"


def test_data_after_the_iea_is_rejected(x12: Maker) -> None:
    assert "after the IEA" in _rejection(x12() + b"junk").reason


# -- problems kept for 997/999 --------------------------------------------------------------------------------


def _problems(data: bytes) -> list[tuple[str, str, str | None, int | None, int | None, int | None, bool]]:
    return [(p.level, p.code, p.segment, p.position, p.element, p.line, p.rejects) for p in parse(data).problems]


def test_a_clean_interchange_has_no_problems(x12: Maker) -> None:
    assert _problems(x12(sets=2)) == []


def test_se_count_mismatch_is_a_transaction_problem_on_se01(x12: Maker) -> None:
    assert _problems(x12(se_count=9)) == [("transaction", "4", "SE", 4, 1, 6, True)]


def test_se02_that_does_not_match_st02(x12: Maker) -> None:
    assert _problems(x12(se_number="0002")) == [("transaction", "3", "SE", 4, 2, 6, True)]


def test_a_missing_se_is_reported_and_the_next_envelope_segment_closes_the_set(x12: Maker) -> None:
    data = x12().replace(b"SE*4*0001~\n", b"")
    ix = parse(data)
    tx = ix.transactions[0]
    assert not tx.has_trailer and tx.ids == ["ST", "BEG", "PO1"]
    assert [(p.code, p.segment, p.position) for p in tx.problems] == [("2", "SE", 4)]


def test_a_missing_ge_is_a_group_problem(x12: Maker) -> None:
    ix = parse(x12().replace(b"GE*1*1~\n", b""))
    assert [(p.level, p.code) for p in ix.problems] == [("group", "3")]
    assert ix.groups[0].trailer is None


def test_ge_count_and_control_number_mismatches_are_group_problems(x12: Maker) -> None:
    found = _problems(x12(ge_count=3, ge_number="7"))
    assert [(f[0], f[1], f[2], f[4]) for f in found] == [("group", "5", "GE", 1), ("group", "4", "GE", 2)]


def test_control_numbers_compare_as_numbers(x12: Maker) -> None:
    assert _problems(x12(ge_number="000001")) == []


def test_iea_mismatches_are_interchange_problems_for_a_ta1(x12: Maker) -> None:
    found = _problems(x12(iea_count=2, iea_number="000000002"))
    assert [(f[0], f[1], f[4]) for f in found] == [("interchange", "021", 1), ("interchange", "001", 2)]


def test_duplicate_st02_in_a_group_uses_the_version_s_code(x12: Maker) -> None:
    data = x12(sets=2).replace(b"ST*850*0002~\n", b"ST*850*0001~\n").replace(b"SE*4*0002", b"SE*4*0001")
    assert [f[1] for f in _problems(data)] == ["7"]
    data5 = x12(sets=2, version="005010").replace(b"*0002~", b"*0001~")
    assert [f[1] for f in _problems(data5)] == ["23"]


def test_an_invalid_segment_id_rejects_its_set(x12: Maker) -> None:
    found = _problems(x12(("BEG*00*SA*PO-1**20240101", "po1*1*2*EA")))
    assert found == [("segment", "1", "po1", 3, None, 5, True)]


def test_a_segment_outside_the_set_s_table_is_noted_not_rejected(x12: Maker) -> None:
    found = _problems(x12(("BEG*00*SA*PO-1**20240101", "XYZ*1")))
    assert found == [("segment", "6", "XYZ", 3, None, 5, False)]


def test_a_missing_beginning_segment_is_reported_where_it_belongs(x12: Maker) -> None:
    assert _problems(x12(("PO1*1*2*EA",))) == [("segment", "3", "BEG", 2, None, 4, True)]


def test_beginning_segment_mandatory_elements_and_dates_are_checked(x12: Maker) -> None:
    found = _problems(x12(("BEG*00**PO-1**20241340",)))
    assert found == [("element", "1", "BEG", 2, 2, 4, True), ("element", "8", "BEG", 2, 5, 4, True)]


def test_a_control_character_in_a_value_is_an_element_problem(x12: Maker) -> None:
    found = _problems(x12(("BEG*00*SA*PO-1**20240101", "PID*F****BAD\x07VALUE")))
    assert found == [("element", "6", "PID", 3, 5, 5, True)]


def test_a_set_filed_under_the_wrong_functional_group_is_noted(x12: Maker) -> None:
    assert _problems(x12(functional_id="IN")) == [("transaction", "6", "ST", 1, 1, 3, False)]


def test_an_unsupported_version_rejects_the_group(x12: Maker) -> None:
    found = _problems(x12(version="002001"))
    assert found == [("group", "2", "GS", None, 8, 2, True)]


def test_strict_parsing_raises_on_the_first_rejecting_problem(x12: Maker) -> None:
    with pytest.raises(X12ParseError) as caught:
        parse(x12(se_count=9), strict=True)
    assert caught.value.location == Location("SE", 4, 1, line=6)
    parse(x12(functional_id="IN"), strict=True)  # noted problems do not raise


def test_transaction_rejected_reflects_its_group_too(x12: Maker) -> None:
    assert parse(x12(version="002001")).transactions[0].rejected
    assert not parse(x12()).transactions[0].rejected


# -- no data in messages --------------------------------------------------------------------------------------


def test_reprs_and_reasons_never_carry_element_values(x12: Maker) -> None:
    secret = "SECRETVALUE"
    data = x12((f"BEG*00*SA*{secret}**20241340", f"PID*F****{secret}\x07"), se_count=99)
    ix = parse(data)
    tx = ix.transactions[0]
    texts = [repr(ix), repr(ix.groups[0]), repr(tx), *(repr(s) for s in tx.segments)]
    texts += [p.reason for p in ix.problems] + [str(p.location) for p in ix.problems]
    assert ix.problems and not any(secret in t for t in texts)
    with pytest.raises(X12ParseError) as caught:
        parse(data.replace(b"*240101*", f"*{secret}*".encode()))
    assert secret not in str(caught.value)


def test_a_5010_isa_declares_its_repetition_separator(x12: Maker) -> None:
    ix = parse(x12(("BEG*00*SA*PO-1**20240101", "REF*ZZ*A^B"), version="005010", isa=ISA_5010))
    assert ix.transactions[0].segments_named("REF")[0].repetitions(2) == ["A", "B"]
