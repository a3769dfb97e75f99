"""997/999 generation from the problems found at parse time, and reading 997/999 back."""

from __future__ import annotations

from pathlib import Path

from x12_samples import Maker

from suture.codecs.x12 import (
    Delimiters,
    Interchange,
    Problem,
    build_997,
    build_999,
    parse,
    read_acknowledgment,
    read_acknowledgments,
)


def _ack_body(ack: Interchange) -> list[str]:
    """The ack's segments between ST and SE, as text."""
    return [seg.text for seg in ack.transactions[0].body]


def _997(data: bytes, **kwargs: object) -> Interchange:
    return build_997(parse(data), control_number=77, date="20240102", time="0800", **kwargs)  # type: ignore[arg-type]


def _999(data: bytes, **kwargs: object) -> Interchange:
    return build_999(parse(data), control_number=77, date="20240102", time="0800", **kwargs)  # type: ignore[arg-type]


def test_997_for_a_clean_group_accepts_every_set(x12: Maker) -> None:
    ack = _997(x12(sets=2))
    assert _ack_body(ack) == ["AK1*PO*1", "AK2*850*0001", "AK5*A", "AK2*850*0002", "AK5*A", "AK9*A*2*2*2"]
    assert ack.problems == []


def test_997_envelope_swaps_the_parties_and_keeps_the_received_delimiters(x12: Maker) -> None:
    received = parse(x12())
    ack = _997(x12())
    assert (ack.sender, ack.receiver) == (received.receiver, received.sender)
    group = ack.groups[0]
    assert (group.functional_id, group.application_sender, group.application_receiver) == ("FA", "VENDOR", "HOSPITAL")
    assert (group.version, group.control_number, group.date, ack.date) == ("004010", "77", "20240102", "240102")
    assert ack.delimiters == received.delimiters
    assert ack.control_number == "000000077"


def test_se_count_wrong_rejects_the_set_with_ak5_code_4(x12: Maker) -> None:
    assert _ack_body(_997(x12(se_count=9))) == ["AK1*PO*1", "AK2*850*0001", "AK5*R*4", "AK9*R*1*1*0"]


def test_se_count_wrong_in_a_999(x12: Maker) -> None:
    body = _ack_body(_999(x12(se_count=9, version="005010")))
    assert body == ["AK1*PO*1*005010", "AK2*850*0001", "IK5*R*4", "AK9*R*1*1*0"]


def test_a_bad_segment_gets_ak3_and_ak5_code_5(x12: Maker) -> None:
    body = _ack_body(_997(x12(("BEG*00*SA*PO-1**20240101", "po1*1*2*EA"))))
    assert body == ["AK1*PO*1", "AK2*850*0001", "AK3*po1*3**1", "AK5*R*5", "AK9*R*1*1*0"]


def test_element_errors_get_ak3_code_8_and_one_ak4_each(x12: Maker) -> None:
    body = _ack_body(_997(x12(("BEG*00**PO-1**20241340",))))
    assert body == ["AK1*PO*1", "AK2*850*0001", "AK3*BEG*2**8", "AK4*2**1", "AK4*5**8", "AK5*R*5", "AK9*R*1*1*0"]


def test_999_element_notes_carry_component_and_repetition_positions(x12: Maker) -> None:
    received = parse(x12(version="005010"))
    tx = received.transactions[0]
    tx.problems.append(Problem("bad code", "element", "7", "PO1", 3, 5, element=6, component=2, repetition=3))
    body = _ack_body(build_999(received, control_number=1, date="20240102", time="0800"))
    assert body[2:5] == ["IK3*PO1*3**8", "IK4*6:2:3**7", "IK5*R*5"]


def test_partial_acceptance_when_only_some_sets_are_rejected(x12: Maker) -> None:
    data = x12(sets=2).replace(b"SE*4*0002", b"SE*5*0002")
    assert _ack_body(_997(data))[-1] == "AK9*P*2*2*1"


def test_accepted_sets_can_be_left_out(x12: Maker) -> None:
    data = x12(sets=3).replace(b"SE*4*0002", b"SE*5*0002")
    body = _ack_body(_997(data, include_accepted=False))
    assert body == ["AK1*PO*1", "AK2*850*0002", "AK5*R*4", "AK9*P*3*3*2"]


def test_noted_problems_accept_with_errors(x12: Maker) -> None:
    body = _ack_body(_997(x12(("BEG*00*SA*PO-1**20240101", "XYZ*1"), functional_id="IN")))
    assert body == ["AK1*IN*1", "AK2*850*0001", "AK3*XYZ*3**6", "AK5*E*6*5", "AK9*E*1*1*1"]


def test_group_level_problems_reject_the_group(x12: Maker) -> None:
    assert _ack_body(_997(x12(ge_count=2, ge_number="9")))[-1] == "AK9*R*2*1*0*5*4"
    assert _ack_body(_997(x12(version="002001")))[-1] == "AK9*R*1*1*0*2"
    missing_ge = x12().replace(b"GE*1*1~\n", b"")
    assert _ack_body(_997(missing_ge))[-1] == "AK9*R*1*1*0*3"


def test_999_defaults_to_the_5010_implementation_guide_and_echoes_st03(x12: Maker) -> None:
    data = x12(version="005010X222A1").replace(b"ST*850*0001~", b"ST*850*0001*005010X222A1~")
    ack = _999(data)
    assert ack.groups[0].version == "005010X231A1"
    assert (ack.version, ack.delimiters.repetition) == ("00501", "^")
    assert _ack_body(ack)[:2] == ["AK1*PO*1*005010X222A1", "AK2*850*0001*005010X222A1"]


def test_a_999_for_a_4010_interchange_picks_a_free_repetition_separator(x12: Maker) -> None:
    ack = _999(x12())
    assert ack.version == "00501"
    assert ack.delimiters.repetition not in (None, "*", ">", "~")


def test_each_group_gets_its_own_ack_set(x12: Maker) -> None:
    one = x12().decode()
    head, rest = one.split("GS*", 1)
    group = "GS*" + rest.rsplit("IEA*", 1)[0]
    second = group.replace("*1*X*", "*2*X*").replace("GE*1*1", "GE*1*2")
    data = (head + group + second + "IEA*2*000000001~\n").encode()
    ack = build_997(parse(data), control_number=5, date="20240102", time="0800")
    assert [tx.get("AK102") for tx in ack.transactions] == ["1", "2"]
    assert [tx.control_number for tx in ack.transactions] == ["0001", "0002"]
    only_second = build_997(parse(data), parse(data).groups[1], control_number=5, date="20240102", time="0800")
    assert len(only_second.transactions) == 1


def test_ack_uses_given_delimiters() -> None:
    received = parse(
        b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*U*00401*000000001*0*P*>~"
        b"GS*PO*A*B*20240101*1200*1*X*004010~ST*850*0001~BEG*00*SA*1**20240101~SE*3*0001~GE*1*1~IEA*1*000000001~"
    )
    ack = build_997(received, control_number=2, date="20240102", time="0800", delimiters=Delimiters(line_break="\r\n"))
    assert ack.to_bytes().count(b"~\r\n") == 10
    assert ack.delimiters.component == ":"


def test_a_built_997_reads_back_to_the_same_verdicts(x12: Maker) -> None:
    data = (
        x12(sets=2)
        .replace(b"SE*4*0002", b"SE*5*0002")
        .replace(b"BEG*00*SA*PO-1**20240101~\nPO1", b"BEG*00*SA*PO-1**2024~\nPO1", 1)
    )
    ack = read_acknowledgment(_997(data).transactions[0])
    assert (ack.kind, ack.functional_id, ack.group_control_number, ack.status) == ("997", "PO", "1", "R")
    assert [(s.control_number, s.status, s.codes) for s in ack.sets] == [("0001", "R", ("5",)), ("0002", "R", ("4",))]
    note = ack.sets[0].segments[0]
    assert (note.segment_id, note.position, note.code, note.elements[0].position, note.elements[0].code) == (
        "BEG", 2, "8", 5, "8"
    )  # fmt: skip
    assert (ack.included, ack.received, ack.accepted_count) == (2, 2, 0)


def test_sets_missing_from_an_ack_follow_the_group_verdict(x12: Maker) -> None:
    data = x12(sets=2).replace(b"SE*4*0002", b"SE*5*0002")
    ack = read_acknowledgment(_997(data, include_accepted=False).transactions[0])
    assert (ack.accepted("0001"), ack.accepted("0002")) == (True, False)


def test_corpus_997_with_ak3_ak4_partial_acceptance(corpus_dir: Path) -> None:
    ix = parse((corpus_dir / "x12" / "sedi_997_5010X230_partial.edi").read_bytes())
    (ack,) = read_acknowledgments(ix)
    assert (ack.status, ack.included, ack.received, ack.accepted_count, ack.version) == ("P", 2, 2, 1, "005010")
    first, second = ack.sets
    assert (first.control_number, first.accepted, second.control_number, second.accepted) == (
        "0001",
        True,
        "0002",
        False,
    )
    (note,) = second.segments
    assert (note.segment_id, note.position, note.code) == ("CLM", 22, "8")
    assert [(e.position, e.element_ref, e.code) for e in note.elements] == [(1, "1028", "1")]


def test_corpus_999_rejection(corpus_dir: Path) -> None:
    ix = parse((corpus_dir / "x12" / "ims_999_5010_rejected.txt").read_bytes())
    (ack,) = read_acknowledgments(ix)
    assert (ack.kind, ack.status, ack.functional_id, ack.group_control_number) == ("999", "R", "HC", "28")
    (result,) = ack.sets
    assert (result.set_id, result.control_number, result.status, result.codes) == ("837", "0028", "R", ("5",))
    assert [(n.segment_id, n.position, n.code) for n in result.segments] == [("NM", 17, "1")]


def test_corpus_997_simple_acceptance(corpus_dir: Path) -> None:
    (ack,) = read_acknowledgments(parse((corpus_dir / "x12" / "sedi_997_4010.edi").read_bytes()))
    assert (ack.status, ack.functional_id, ack.sets[0].set_id, ack.sets[0].accepted) == ("A", "AG", "824", True)
