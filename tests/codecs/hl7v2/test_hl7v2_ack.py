"""ACK builders (original and enhanced mode), NAKs for unparseable input, and ack_code()."""

from __future__ import annotations

from pathlib import Path

import pytest

from suture.codecs.hl7v2 import (
    Hl7ParseError,
    accept_ack_code,
    ack_code,
    ack_mode,
    build_ack,
    build_nak_for_unparseable,
    parse,
)
from suture.errors import Location

ORU = (
    b"MSH|^~\\&|LAB^1.2^ISO|HOSP|EHR|CLINIC|20240101||ORU^R01^ORU_R01|C1|P|2.5.1\r"
    b"PID|1||123\rOBX|1|NM|X||5\rOBX|2|NM|Y||6\r"
)
CID, TS = "ACK1", "20240102030405"


def test_accept_ack_swaps_sender_and_receiver_and_echoes_the_control_id() -> None:
    ack = build_ack(parse(ORU), "AA", control_id=CID, timestamp=TS)
    assert ack == (b"MSH|^~\\&|EHR|CLINIC|LAB^1.2^ISO|HOSP|20240102030405||ACK^R01^ACK|ACK1|P|2.5.1\rMSA|AA|C1\r")
    assert ack_code(ack) == "AA"


def test_error_ack_carries_text_and_an_err_segment_pointing_at_segment_occurrence_and_field() -> None:
    ack = build_ack(
        parse(ORU),
        "AE",
        control_id=CID,
        timestamp=TS,
        text="bad value|here",
        error=Location("OBX", 4, 5),
        error_code="102",
    )
    assert ack.split(b"\r")[1:] == [
        b"MSA|AE|C1|bad value\\F\\here",
        b"ERR||OBX^2^5|102^Data type error^HL70357|E||||bad value\\F\\here",
        b"",
    ]
    reply = parse(ack)
    assert reply.get("MSA-3") == "bad value|here"
    assert (reply.get("ERR-2.1"), reply.get("ERR-2.2"), reply.get("ERR-2.3")) == ("OBX", "2", "5")


def test_err_location_given_only_by_position_finds_the_segment() -> None:
    ack = build_ack(
        parse(ORU), "AR", control_id=CID, timestamp=TS, error=Location(segment_index=2, field=3, component=1)
    )
    assert b"\rERR||PID^1^3^^1|207^Application internal error^HL70357|E\r" in ack


def test_reject_without_location_still_has_an_err_segment() -> None:
    ack = build_ack(parse(ORU), "AR", control_id=CID, timestamp=TS, text="unsupported", error_code="200")
    assert ack.endswith(b"\rERR|||200^Unsupported message type^HL70357|E||||unsupported\r")


def test_accept_ack_with_a_location_adds_err() -> None:
    assert b"\rERR||PID^1^3|" in build_ack(parse(ORU), "AA", control_id=CID, timestamp=TS, error=Location("PID", 2, 3))


def test_pre_v25_acks_also_fill_err_1() -> None:
    msg = parse(ORU.replace(b"|2.5.1\r", b"|2.3\r"))
    ack = build_ack(msg, "AE", control_id=CID, timestamp=TS, error=Location("PID", 2, 3))
    assert b"\rERR|PID^1^3^207&Application internal error&HL70357|PID^1^3|207^" in ack


def test_enhanced_mode_messages_get_commit_codes() -> None:
    msg = parse(ORU.replace(b"|2.5.1\r", b"|2.5.1|||AL|NE\r"))
    assert ack_mode(msg) == "enhanced"
    assert [accept_ack_code(msg, ok, rejected) for ok, rejected in [(True, False), (False, False), (True, True)]] == [
        "CA",
        "CE",
        "CR",
    ]
    assert b"\rMSA|CA|C1\r" in build_ack(msg, "CA", control_id=CID, timestamp=TS)


def test_original_mode_messages_get_application_codes() -> None:
    msg = parse(ORU)
    assert ack_mode(msg) == "original"
    assert [accept_ack_code(msg, ok, rejected) for ok, rejected in [(True, False), (False, False), (False, True)]] == [
        "AA",
        "AE",
        "AR",
    ]


def test_whitespace_only_msh15_is_original_mode() -> None:
    assert ack_mode(parse(ORU.replace(b"|2.5.1\r", b"|2.5.1||| \r"))) == "original"


def test_ack_keeps_custom_separators_and_charset() -> None:
    raw = b"MSH#$%*@#L\xc9#H#E#C#2024##ADT$A01#C7#P#2.5######8859/1\rPID#1\r"
    ack = build_ack(parse(raw), "AE", control_id=CID, timestamp=TS, text="caf\u00e9 #1")
    assert ack.startswith(b"MSH#$%*@#E#C#L\xc9#H#20240102030405##ACK$A01$ACK#ACK1#P#2.5######8859/1\r")
    assert b"\rMSA#AE#C7#caf\xe9 *F*1\r" in ack
    assert parse(ack).get("MSA-3") == "café #1"


def test_ack_escapes_the_given_control_id_and_timestamp() -> None:
    ack = parse(build_ack(parse(ORU), "AA", control_id="A|1", timestamp="2024^01"))
    assert (ack.control_id, ack.get("MSH-7")) == ("A|1", "2024^01")


def test_ack_for_a_message_without_trigger_event_is_plain_ack() -> None:
    msg = parse(b"MSH|^~\\&|A|B|C|D|2024||ACK|9|P|2.5\rMSA|AA|1\r")
    assert b"||ACK|ACK1|" in build_ack(msg, "AA", control_id=CID, timestamp=TS)


def test_unknown_ack_code_is_refused() -> None:
    with pytest.raises(ValueError, match="acknowledgment code"):
        build_ack(parse(ORU), "OK", control_id=CID, timestamp=TS)


# --- NAK for unparseable input --------------------------------------------------------------------


def test_nak_salvages_the_header_of_a_message_missing_msh2() -> None:
    raw = b"MSH||SND|SF|RCV|RF|2024||ORM^O01^ORM_O01|111111|D|2.5.1\r"
    nak = parse(
        build_nak_for_unparseable(
            raw, "MSH-2 missing", control_id=CID, timestamp=TS, error=Location("MSH", 1, 2), error_code="101"
        )
    )
    assert (nak.get("MSA-1"), nak.get("MSA-2"), nak.get("MSA-3")) == ("AR", "111111", "MSH-2 missing")
    assert (nak.get("MSH-3"), nak.get("MSH-5"), nak.get("MSH-9"), nak.get("MSH-10")) == (
        "RCV",
        "SND",
        "ACK^O01^ACK",
        "ACK1",
    )
    assert nak.get("ERR-2") == "MSH^1^2" and nak.get("ERR-3.1") == "101"


def test_nak_is_a_commit_reject_when_the_sender_asked_for_enhanced_mode() -> None:
    raw = b"MSH|^~\\&|SND|SF|RCV|RF|2024|||42|P|2.5|||AL|NE\r"
    assert parse(build_nak_for_unparseable(raw, "MSH-9 empty", control_id=CID, timestamp=TS)).get("MSA-1") == "CR"


@pytest.mark.parametrize("raw", [b"", b"hello", b"MSH", b"MSH\x00garbage", b"\xff\xfe\x00M"])
def test_nak_for_unreadable_input_uses_default_separators(raw: bytes) -> None:
    nak = parse(build_nak_for_unparseable(raw, "not HL7", control_id=CID, timestamp=TS, error=None))
    assert nak.separators.encoding_characters == "^~\\&"
    assert (nak.get("MSA-1"), nak.get("MSA-2"), nak.get("MSA-3")) == ("AR", "", "not HL7")


def test_nak_counts_segment_occurrences_in_the_raw_bytes() -> None:
    raw = ORU.replace(b"OBX|2|NM|Y||6", b"OBX|2|DTM|Y||soon")
    with pytest.raises(Hl7ParseError) as caught:
        parse(raw)
    nak = parse(
        build_nak_for_unparseable(
            raw,
            caught.value.reason,
            control_id=CID,
            timestamp=TS,
            error=caught.value.location,
            error_code=caught.value.error_code,
        )
    )
    assert nak.get("ERR-2") == "OBX^2^5" and nak.get("ERR-3.1") == "102"


def test_nak_copies_a_known_charset_and_keeps_header_bytes(corpus_dir: Path) -> None:
    raw = (corpus_dir / "hl7v2" / "cdc_MALFORMED_ORM_O01_bad_DTM.hl7").read_bytes()
    with pytest.raises(Hl7ParseError) as caught:
        parse(raw)
    nak = parse(
        build_nak_for_unparseable(raw, caught.value.reason, control_id=CID, timestamp=TS, error=caught.value.location)
    )
    assert nak.charset == "latin-1" and nak.get("MSH-18") == "8859/1"
    assert nak.get("MSA-2") == "Q1960841872T2476960690"
    assert nak.get("ERR-2") == "OBX^1^5"


@pytest.mark.parametrize(
    "name",
    [
        "cdc_MALFORMED_empty.hl7",
        "cdc_MALFORMED_missing_MSH2.hl7",
        "cdc_MALFORMED_missing_MSH9.hl7",
        "cdc_MALFORMED_msh_all_fields_empty.hl7",
        "phl7_MALFORMED_batch_no_MSH.hl7",
    ],
)
def test_every_malformed_corpus_file_gets_a_parseable_nak(corpus_dir: Path, name: str) -> None:
    raw = (corpus_dir / "hl7v2" / name).read_bytes()
    with pytest.raises(Hl7ParseError) as caught:
        parse(raw)
    nak = build_nak_for_unparseable(raw, caught.value.reason, control_id=CID, timestamp=TS, error=caught.value.location)
    assert ack_code(nak) == "AR"
    assert parse(nak).get("MSA-3") == caught.value.reason


# --- ack_code -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"MSH|^~\\&|||||||ACK|1|P|2.5\rMSA|CA|9\r", "CA"),
        (b"\x0bMSH|^~\\&|||||||ACK|1|P|2.5\rMSA|AR|9|text\r\x1c\r", "AR"),
        (b"MSH|^~\\&|||||||ACK|1|P|2.5\nMSA|AE\n", "AE"),
        (b"MSH#$%*@#######ACK#1#P#2.5\rMSA#AA$x#9\r", "AA"),
        (b"MSH|^~\\&|XMSA|||||||ACK|1|P|2.5\r\nMSA|AA|9\r\n", "AA"),
    ],
)
def test_ack_code_reads_msa1(frame: bytes, code: str) -> None:
    assert ack_code(frame) == code


@pytest.mark.parametrize("frame", [b"", b"MSH|^~\\&|||||||ACK|1|P|2.5\r", b"MSH|^~\\&\rMSA||9\r", b"MSA"])
def test_ack_code_rejects_frames_without_msa1(frame: bytes) -> None:
    with pytest.raises(Hl7ParseError, match="MSA"):
        ack_code(frame)
