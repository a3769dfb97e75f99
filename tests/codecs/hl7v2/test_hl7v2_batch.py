"""split_batch()/is_batch(): FHS/BHS/BTS/FTS batches cut into their messages, or rejected."""

from __future__ import annotations

import pytest

from suture.codecs.hl7v2 import Hl7ParseError, is_batch, parse, split_batch
from suture.errors import Location


def msg(control_id: str, terminator: str = "\r") -> str:
    return terminator.join([f"MSH|^~\\&|A|B|C|D|2024||ADT^A04|{control_id}|P|2.5", "PID|1||7"]) + terminator


def batch(*lines: str, terminator: str = "\r") -> bytes:
    return "".join(line if line.startswith("MSH") else line + terminator for line in lines).encode()


def test_batch_with_bhs_and_bts_yields_each_message_byte_for_byte() -> None:
    data = batch("BHS|^~\\&|A", msg("1"), msg("2"), "BTS|2")
    assert split_batch(data) == [msg("1").encode(), msg("2").encode()]
    assert [parse(m).control_id for m in split_batch(data)] == ["1", "2"]


def test_file_with_two_batches_yields_every_message_in_order() -> None:
    data = batch("FHS|^~\\&|A", "BHS|^~\\&", msg("1"), "BTS|1", "BHS|^~\\&", msg("2"), msg("3"), "BTS|2", "FTS|2")
    assert [parse(m).control_id for m in split_batch(data)] == ["1", "2", "3"]


def test_crlf_batch_keeps_crlf_inside_messages() -> None:
    data = batch("BHS|^~\\&", msg("1", "\r\n"), "BTS|1", terminator="\r\n")
    [only] = split_batch(data)
    assert only == msg("1", "\r\n").encode()
    assert parse(only).to_bytes() == only


def test_file_of_messages_without_bhs_counts_as_one_batch() -> None:
    data = batch("FHS|^~\\&", msg("1"), msg("2"), "FTS|1")
    assert len(split_batch(data)) == 2


def test_empty_batch_yields_no_messages() -> None:
    assert split_batch(b"BHS|^~\\&\rBTS|0\r") == []


def test_counts_are_optional() -> None:
    assert len(split_batch(batch("FHS|^~\\&", "BHS|^~\\&", msg("1"), "BTS", "FTS|"))) == 1


def test_non_batch_input_comes_back_whole() -> None:
    data = msg("1").encode()
    assert split_batch(data) == [data]
    assert split_batch(b"") == [b""]


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"\xef\xbb\xbf\r\nBHS|^~\\&\r", True), (b"FHS|^~\\&", True), (b"MSH|^~\\&", False), (b"", False)],
)
def test_is_batch_looks_at_the_first_segment(data: bytes, expected: bool) -> None:
    assert is_batch(data) is expected


@pytest.mark.parametrize(
    ("lines", "words", "location"),
    [
        (("BHS|^~\\&", "EVN|A04", msg("1"), "BTS|1"), "EVN is not inside a message", Location("EVN", 2)),
        (("BHS|^~\\&", msg("1"), "BHS|^~\\&", "BTS|1"), "nested BHS", Location("BHS", 4)),
        (("BHS|^~\\&", msg("1")), "BHS has no BTS", Location("BHS", 1)),
        (("FHS|^~\\&", "BHS|^~\\&", msg("1"), "BTS|1"), "FHS has no FTS", Location("FHS", 1)),
        (
            ("BHS|^~\\&", msg("1"), "BTS|2"),
            "BTS-1 (batch message count) says 2 but the contents hold 1",
            Location("BTS", 4, 1),
        ),
        (("BHS|^~\\&", msg("1"), "BTS|one"), "BTS-1 (batch message count) is not a number", Location("BTS", 4, 1)),
        (
            ("FHS|^~\\&", "BHS|^~\\&", msg("1"), "BTS|1", "FTS|3"),
            "FTS-1 (file batch count) says 3",
            Location("FTS", 6, 1),
        ),
        (("BHS|^~\\&", msg("1"), "BTS|1", "BTS|1"), "BTS without a BHS", Location("BTS", 5)),
        (("BHS|^~\\&", msg("1"), "BTS|1", "FTS|1"), "FTS without an FHS", Location("FTS", 5)),
        (
            ("FHS|^~\\&", "BHS|^~\\&", msg("1"), "FTS|1"),
            "FTS while the batch opened at segment 2 has no BTS",
            Location("FTS", 5),
        ),
        (("FHS|^~\\&", msg("1"), "FTS|1", msg("2")), "segment after FTS", Location("MSH", 5)),
        (("BHS|^~\\&", "FHS|^~\\&", "BTS|0"), "FHS must be the first segment", Location("FHS", 2)),
    ],
)
def test_batch_problems_are_rejected_with_reason_and_location(
    lines: tuple[str, ...], words: str, location: Location
) -> None:
    with pytest.raises(Hl7ParseError) as caught:
        split_batch(batch(*lines))
    assert words in caught.value.reason
    assert caught.value.location == location
