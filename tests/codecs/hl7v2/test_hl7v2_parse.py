"""parse(): line endings, BOM, separators, character sets and what gets rejected."""

from __future__ import annotations

import pytest

from suture.codecs.hl7v2 import Hl7ParseError, Separators, parse
from suture.errors import Location, RejectedInput

MSH = b"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|CTRL1|P|2.5.1"
PID = b"PID|1||123^^^HOSP^MR~456^^^SSA^SS||DOE^JANE^Q||19800101|F"
OBX = b"OBX|1|NM|GLU^Glucose||5.5|mmol/L"


def message(*segments: bytes, terminator: bytes = b"\r", msh: bytes = MSH) -> bytes:
    return terminator.join([msh, *segments]) + terminator


@pytest.mark.parametrize(("terminator", "name"), [(b"\r", "cr"), (b"\n", "lf"), (b"\r\n", "crlf")])
def test_each_segment_terminator_is_recognised_and_round_trips(terminator: bytes, name: str) -> None:
    raw = message(PID, OBX, terminator=terminator)
    msg = parse(raw)
    assert [s.name for s in msg.segments] == ["MSH", "PID", "OBX"]
    assert msg.separators.segment_terminator == terminator.decode()
    assert msg.get("OBX-5") == "5.5"
    msg.set("OBX-5", "6.1")
    assert msg.to_bytes() == raw.replace(b"|5.5|", b"|6.1|")


def test_crlf_segments_round_trip_byte_for_byte_after_an_edit() -> None:
    raw = message(PID, OBX, terminator=b"\r\n")
    msg = parse(raw)
    msg.set("PID-8", "M")
    assert msg.to_bytes() == raw.replace(b"|F\r\n", b"|M\r\n")


def test_mixed_terminators_are_each_kept() -> None:
    raw = MSH + b"\r" + PID + b"\n" + OBX + b"\r\n"
    msg = parse(raw)
    assert [s.name for s in msg.segments] == ["MSH", "PID", "OBX"]
    assert msg.separators.segment_terminator == "\r"
    msg.set("PID-8", "M")
    assert msg.to_bytes() == raw.replace(b"|F\n", b"|M\n")


def test_bom_and_surrounding_whitespace_are_set_aside_but_kept_in_raw() -> None:
    raw = b"\xef\xbb\xbf\r\n  " + message(PID) + b"\r\n \n"
    msg = parse(raw)
    assert msg.raw == raw
    assert msg.get("MSH-3") == "LAB"
    msg.set("PID-8", "M")
    assert msg.to_bytes().startswith(b"\xef\xbb\xbf\r\n  MSH|")
    assert msg.to_bytes().endswith(b"|M\r\r\n \n")


def test_blank_lines_between_segments_are_not_segments_but_survive_serialization() -> None:
    raw = MSH + b"\r\n" + PID + b"\r\n\r\n" + OBX + b"\r\n"
    msg = parse(raw)
    assert [(s.name, s.index) for s in msg.segments] == [("MSH", 1), ("PID", 2), ("OBX", 3)]
    msg.set("OBX-5", "7")
    assert msg.to_bytes() == raw.replace(b"|5.5|", b"|7|")


def test_custom_encoding_characters_are_honoured() -> None:
    raw = b"MSH#$%*@#A#B#C#D#2024##ADT$A01#X1#P#2.5\rPID#1##12$$$H%34$$$S##DOE$J@K\r"
    msg = parse(raw)
    assert msg.separators == Separators("#", "$", "%", "*", "@", None, "\r")
    assert msg.get("MSH-1") == "#"
    assert msg.get("MSH-2") == "$%*@"
    assert msg.get("PID-3[2].1") == "34"
    assert msg.get("PID-5.2.2") == "K"
    assert msg.trigger_event == "A01"


def test_five_character_msh2_declares_the_truncation_character() -> None:
    msg = parse(b"MSH|^~\\&#|A|B|C|D|2024||ADT^A01|X1|P|2.7\r")
    assert msg.separators.truncation == "#"
    assert msg.separators.encoding_characters == "^~\\&#"
    assert msg.get("MSH-2") == "^~\\&#"


def test_convenience_properties_read_the_header() -> None:
    raw = b"MSH|^~\\&|APP^1.2^ISO|FAC^3.4^ISO|R|RF|2024||ADT^A08^ADT_A01|C9|T^A|2.5.1^USA|||AL|NE\r"
    msg = parse(raw)
    assert (msg.control_id, msg.message_type, msg.trigger_event, msg.version) == ("C9", "ADT", "A08", "2.5.1")
    assert (msg.sending_application, msg.sending_facility, msg.processing_id) == ("APP", "FAC", "T")
    assert (msg.accept_ack_type, msg.application_ack_type) == ("AL", "NE")


def test_repr_shows_no_field_content() -> None:
    msg = parse(message(PID))
    assert "DOE" not in repr(msg)
    assert "DOE" not in repr(msg.segment("PID"))


# --- character sets -------------------------------------------------------------------------------


def _with_charset(charset: bytes, pid: bytes) -> bytes:
    return message(pid, msh=MSH + b"||||||" + charset)


def test_latin1_declared_by_msh18_decodes_latin1_bytes() -> None:
    raw = _with_charset(b"8859/1", b"PID|1||1||M\xdcLLER^REN\xc9")
    msg = parse(raw)
    assert msg.charset == "latin-1"
    assert msg.get("PID-5.1") == "MÜLLER"
    assert msg.get("PID-5.2") == "RENÉ"
    msg.set("PID-5.2", "RENÉE")
    assert msg.to_bytes() == raw.replace(b"REN\xc9", b"REN\xc9E")


@pytest.mark.parametrize("declared", [b"UNICODE UTF-8", b"UTF-8"])
def test_utf8_declared_by_msh18_decodes_utf8(declared: bytes) -> None:
    msg = parse(_with_charset(declared, "OBX|1|NM|X||5|µmol/L†".encode()))
    assert msg.charset == "utf-8"
    assert msg.get("OBX-6") == "µmol/L†"


def test_ascii_declared_by_msh18_rejects_non_ascii_bytes_with_their_location() -> None:
    with pytest.raises(Hl7ParseError) as caught:
        parse(_with_charset(b"ASCII", "PID|1||1||MÜLLER".encode()))
    assert "ascii" in caught.value.reason
    assert caught.value.location == Location(segment="PID", segment_index=2, field=5)
    assert caught.value.error_code == "102"


def test_undeclared_charset_is_utf8_when_the_bytes_are_utf8() -> None:
    msg = parse(message("PID|1||1||MÜLLER".encode()))
    assert (msg.charset, msg.get("PID-5")) == ("utf-8", "MÜLLER")


def test_undeclared_charset_falls_back_to_latin1_and_round_trips() -> None:
    raw = message(b"PID|1||1||M\xdcLLER")
    msg = parse(raw)
    assert (msg.charset, msg.get("PID-5")) == ("latin-1", "MÜLLER")
    msg.set("PID-1", "2")
    assert msg.to_bytes() == raw.replace(b"PID|1|", b"PID|2|")


def test_unknown_charset_in_msh18_is_rejected() -> None:
    with pytest.raises(Hl7ParseError) as caught:
        parse(_with_charset(b"EBCDIC", PID))
    assert "MSH-18" in caught.value.reason
    assert caught.value.location == Location("MSH", 1, 18)
    assert caught.value.error_code == "103"


# --- rejections -----------------------------------------------------------------------------------


def _reject(raw: bytes) -> Hl7ParseError:
    with pytest.raises(Hl7ParseError) as caught:
        parse(raw)
    assert isinstance(caught.value, RejectedInput)
    return caught.value


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\xef\xbb\xbf"])
def test_empty_input_is_rejected(raw: bytes) -> None:
    assert "empty" in _reject(raw).reason


def test_input_not_starting_with_msh_is_rejected() -> None:
    error = _reject(PID + b"\r" + MSH)
    assert "does not start with an MSH" in error.reason
    assert error.location == Location(segment_index=1)


@pytest.mark.parametrize("header", [b"FHS", b"BHS"])
def test_batch_input_is_rejected_with_a_pointer_to_split_batch(header: bytes) -> None:
    error = _reject(header + b"|^~\\&\r" + message(PID) + b"BTS|1\r")
    assert "split_batch" in error.reason


def test_msh_without_field_separator_is_rejected() -> None:
    assert "too short" in _reject(b"MSH\rPID|1\r").reason


@pytest.mark.parametrize(("enc", "words"), [(b"^~\\", "found 3"), (b"^~\\&#!", "found 6")])
def test_msh2_of_the_wrong_length_is_rejected(enc: bytes, words: str) -> None:
    error = _reject(b"MSH|" + enc + b"|A|B|C|D|2024||ADT^A01|1|P|2.5\r")
    assert "MSH-2" in error.reason and words in error.reason
    assert error.location == Location("MSH", 1, 2)


@pytest.mark.parametrize("enc", [b"^^\\&", b"^~\\^", b"A~\\&", b"^ \\&"])
def test_unusable_encoding_characters_are_rejected(enc: bytes) -> None:
    assert "separators" in _reject(b"MSH|" + enc + b"|A|B|C|D|2024||ADT^A01|1|P|2.5\r").reason


def test_missing_message_control_id_is_rejected() -> None:
    error = _reject(b"MSH|^~\\&|A|B|C|D|2024||ADT^A01||P|2.5\r")
    assert "MSH-10" in error.reason
    assert error.location == Location("MSH", 1, 10)
    assert error.error_code == "101"


@pytest.mark.parametrize("line", [b"pid|1", b"PI|1", b"P-D|1", b"PID1|x", b" PID|1", b"\x1c"])
def test_invalid_segment_ids_are_rejected_with_their_position(line: bytes) -> None:
    error = _reject(message(PID, line, OBX))
    assert "segment id" in error.reason
    assert error.location is not None and error.location.segment_index == 3


def test_a_second_msh_is_rejected() -> None:
    error = _reject(message(PID) + message(PID))
    assert "second MSH" in error.reason
    assert error.location == Location("MSH", 3)


def test_a_batch_segment_inside_a_message_is_rejected() -> None:
    assert "BTS" in _reject(message(PID, b"BTS|1")).reason


@pytest.mark.parametrize(
    ("value_type", "value"),
    [("DTM", "February 2 2024"), ("DT", "2024-02-02"), ("TS", "2024020^12"), ("TM", "9am"), ("DTM", "20240101~x")],
)
def test_obx_value_that_does_not_fit_its_declared_date_type_is_rejected(value_type: str, value: str) -> None:
    error = _reject(message(PID, OBX, f"OBX|2|{value_type}|X||{value}".encode()))
    assert f"OBX-5 is not a valid {value_type}" in error.reason
    assert error.location == Location("OBX", 4, 5)
    assert error.error_code == "102"


@pytest.mark.parametrize(
    ("value_type", "value"),
    [
        ("DTM", "20240202"),
        ("DTM", "20240202101530.1234-0500"),
        ("DT", "2024"),
        ("TS", "202402021015^M"),
        ("TM", "1015+0100"),
        ("DTM", '""'),
        ("DTM", ""),
        ("DTM", "2024~2025"),
    ],
)
def test_obx_dates_that_fit_their_declared_type_are_accepted(value_type: str, value: str) -> None:
    assert parse(message(f"OBX|1|{value_type}|X||{value}".encode())).get("OBX-2") == value_type


def test_segments_are_found_by_name_and_occurrence() -> None:
    msg = parse(message(PID, OBX, OBX.replace(b"|1|", b"|2|"), b"PD1"))
    assert msg.segment("OBX", 2) is not None and msg.segment("OBX", 2).index == 4  # type: ignore[union-attr]
    assert msg.segment("OBX", 3) is None and msg.segment("ZZZ") is None
    assert [s.index for s in msg.segments_named("OBX")] == [3, 4]
    assert msg.segment("PD1") is not None and msg.segment("PD1").field_count == 0  # type: ignore[union-attr]
