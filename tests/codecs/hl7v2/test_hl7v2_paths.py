"""Path access: get/get_raw/get_all, path syntax, and set() followed by to_bytes()."""

from __future__ import annotations

import pytest

from suture.codecs.hl7v2 import Message, compile_path, parse

RAW = (
    b"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101||ORU^R01|C1|P|2.5.1\r"
    b'PID|1||123^^^HOSP&1.2.3&ISO^MR~456^^^SSA^SS||DOE^JANE^Q||""|F|||1 MAIN ST\\S\\APT 2^^TOWN\r'
    b"OBX|1|ST|A^First||one|||N\r"
    b"OBX|2|TX|B^Second||line 1\\.br\\line 2~rep two\r"
    b"NTE|1||50\\F\\50 \\T\\ \\R\\ \\E\\ done|\r"
)


@pytest.fixture
def msg() -> Message:
    return parse(RAW)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("MSH-1", "|"),
        ("MSH-2", "^~\\&"),
        ("MSH-9", "ORU^R01"),
        ("MSH-9.2", "R01"),
        ("MSH-10", "C1"),
        ("PID-3", "123^^^HOSP&1.2.3&ISO^MR"),
        ("PID-3.1", "123"),
        ("PID-3[1].4", "HOSP&1.2.3&ISO"),
        ("PID-3.4.2", "1.2.3"),
        ("PID-3[2].1", "456"),
        ("PID-3[2].5", "SS"),
        ("PID-5.2", "JANE"),
        ("PID-7", '""'),
        ("PID-11.1", "1 MAIN ST^APT 2"),
        ("OBX-3.2", "First"),
        ("OBX[2]-3.2", "Second"),
        ("OBX[2]-5", "line 1\nline 2"),
        ("OBX[2]-5[2]", "rep two"),
        ("NTE-3", "50|50 & ~ \\ done"),
    ],
)
def test_get_returns_unescaped_values(msg: Message, path: str, expected: str) -> None:
    assert msg.get(path) == expected


def test_get_of_a_field_without_component_is_its_first_repetition_with_delimiters_kept(msg: Message) -> None:
    assert msg.get("PID-3") == "123^^^HOSP&1.2.3&ISO^MR"
    assert msg.get_raw("PID-11") == "1 MAIN ST\\S\\APT 2^^TOWN"
    assert msg.get("PID-11") == "1 MAIN ST^APT 2^^TOWN"  # lossy by design: use components for structure


@pytest.mark.parametrize(
    "path", ["PID-99", "PID-3[3]", "PID-3.9", "PID-3.1.2", "OBX[3]-1", "ZZZ-1", "MSH-1.2", "MSH-2[2]", "PID-6"]
)
def test_absent_or_empty_values_give_the_default(msg: Message, path: str) -> None:
    assert msg.get(path) == ""
    assert msg.get(path, "n/a") == "n/a"
    assert msg.get_raw(path, "n/a") == "n/a"


def test_get_raw_keeps_escape_sequences(msg: Message) -> None:
    assert msg.get_raw("OBX[2]-5") == "line 1\\.br\\line 2"
    assert msg.get_raw("NTE-3") == "50\\F\\50 \\T\\ \\R\\ \\E\\ done"


def test_get_all_reads_every_repetition(msg: Message) -> None:
    assert msg.get_all("PID-3.1") == ["123", "456"]
    assert msg.get_all("PID-3.5") == ["MR", "SS"]
    assert msg.get_all("OBX[2]-5") == ["line 1\nline 2", "rep two"]
    assert msg.get_all("PID-99") == [] and msg.get_all("ZZZ-1") == []


@pytest.mark.parametrize(
    "path",
    [
        "PID",
        "PID-",
        "pid-3",
        "PID-3.",
        "PID-3[x]",
        "PID.3",
        "PID-0",
        "PID[0]-1",
        "PID-3[0]",
        "PID-3.0",
        "PID-3.1.1.1",
        "PID-٣",
        " PID-3",
    ],
)
def test_invalid_path_syntax_raises_value_error(msg: Message, path: str) -> None:
    with pytest.raises(ValueError, match="invalid HL7 path"):
        msg.get(path)


def test_paths_are_compiled_once_per_string() -> None:
    assert compile_path("OBX[2]-5[3].1.2") is compile_path("OBX[2]-5[3].1.2")
    assert compile_path("PID-3") == ("PID", 1, 3, 1, None, None)


def test_segment_values_are_raw(msg: Message) -> None:
    pid = msg.segment("PID")
    assert pid is not None
    assert pid.field(3) == "123^^^HOSP&1.2.3&ISO^MR~456^^^SSA^SS"
    assert pid.repetitions(3) == ["123^^^HOSP&1.2.3&ISO^MR", "456^^^SSA^SS"]
    assert pid.value(3, 2, 5) == "SS" and pid.value(3, 3) is None
    assert str(pid) == pid.line and pid.line.startswith("PID|1||")


# --- set ------------------------------------------------------------------------------------------


def test_unmodified_message_to_bytes_is_raw(msg: Message) -> None:
    assert msg.to_bytes() is msg.raw


def test_set_replaces_a_component_and_keeps_every_other_byte(msg: Message) -> None:
    msg.set("PID-5.2", "JOAN")
    assert msg.get("PID-5.2") == "JOAN"
    assert msg.to_bytes() == RAW.replace(b"DOE^JANE^Q", b"DOE^JOAN^Q")


def test_set_escapes_delimiters_and_line_breaks(msg: Message) -> None:
    msg.set("OBX-5", "a|b^c&d~e\\f\r\ng")
    assert msg.get_raw("OBX-5") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X0D\\\\.br\\g"
    assert msg.get("OBX-5") == "a|b^c&d~e\\f\r\ng"
    assert parse(msg.to_bytes()).get("OBX-5") == "a|b^c&d~e\\f\r\ng"
    assert [s.name for s in parse(msg.to_bytes()).segments] == ["MSH", "PID", "OBX", "OBX", "NTE"]


def test_set_creates_missing_fields_repetitions_components_and_subcomponents(msg: Message) -> None:
    msg.set("OBX-12", "x")
    msg.set("PID-3[4].2", "y")
    msg.set("PID-5.7", "L")
    msg.set("NTE-4.2.3", "z")
    out = parse(msg.to_bytes())
    assert out.segment("OBX") is not None and out.segment("OBX").line.endswith("|N||||x")  # type: ignore[union-attr]
    assert out.get_raw("PID-3[3]") == "" and out.get("PID-3[4].2") == "y"
    assert out.get_raw("PID-5") == "DOE^JANE^Q^^^^L"
    assert out.get_raw("NTE-4") == "^&&z"


def test_set_on_a_field_replaces_only_the_addressed_repetition(msg: Message) -> None:
    msg.set("PID-3[2]", "789")
    assert msg.get_raw("PID-3") == "123^^^HOSP&1.2.3&ISO^MR"
    assert msg.segment("PID").field(3).endswith("~789")  # type: ignore[union-attr]


def test_set_on_a_later_occurrence_of_a_segment(msg: Message) -> None:
    msg.set("OBX[2]-8", "A")
    assert msg.get("OBX[2]-8") == "A" and msg.get("OBX-8") == "N"


def test_set_on_msh_keeps_the_delimiters(msg: Message) -> None:
    msg.set("MSH-10", "C2")
    assert msg.to_bytes().startswith(b"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101||ORU^R01|C2|P|2.5.1\r")
    assert msg.control_id == "C2"


def test_set_on_a_missing_segment_raises_key_error(msg: Message) -> None:
    with pytest.raises(KeyError, match="no ZZZ segment"):
        msg.set("ZZZ-1", "x")
    with pytest.raises(KeyError, match="OBX segment occurrence 3"):
        msg.set("OBX[3]-1", "x")


@pytest.mark.parametrize("path", ["MSH-1", "MSH-2", "MSH-2.1"])
def test_set_refuses_to_change_the_delimiters(msg: Message, path: str) -> None:
    with pytest.raises(ValueError, match="delimiters"):
        msg.set(path, "#")


def test_set_refuses_a_value_the_message_charset_cannot_hold() -> None:
    ascii_msg = parse(b"MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5||||||ASCII\rPID|1\r")
    assert ascii_msg.charset == "ascii"
    with pytest.raises(ValueError, match="ascii"):
        ascii_msg.set("PID-5", "MÜLLER")
    assert ascii_msg.to_bytes() == ascii_msg.raw


def test_set_with_custom_delimiters_uses_them() -> None:
    msg = parse(b"MSH#$%*@#A#B#C#D#2024##ADT$A01#X1#P#2.5\rPID#1\r")
    msg.set("PID-3[2].2.2", "a#b")
    assert msg.to_bytes() == b"MSH#$%*@#A#B#C#D#2024##ADT$A01#X1#P#2.5\rPID#1##%$@a*F*b\r"
    assert msg.get("PID-3[2].2.2") == "a#b"
