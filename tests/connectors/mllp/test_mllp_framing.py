"""FrameDecoder: reassembly, junk, missing end markers and oversize frames, without sockets."""

from __future__ import annotations

import random

import pytest

from suture.connectors.mllp.framing import END, MISSING_END, START, Frame, FrameDecoder, encode, oversize_error

A = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\rPID|1\r"
B = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A08|2|P|2.5\r"


def feed_all(decoder: FrameDecoder, chunks: list[bytes]) -> list[Frame]:
    frames: list[Frame] = []
    for chunk in chunks:
        frames.extend(decoder.feed(chunk))
    return frames


def test_encode_wraps_payload_in_start_and_end_markers() -> None:
    assert encode(b"x") == b"\x0bx\x1c\x0d"


def test_one_frame_in_one_read_is_returned() -> None:
    assert FrameDecoder(1024).feed(encode(A)) == [Frame(A)]


def test_empty_frame_is_returned_as_empty_payload() -> None:
    assert FrameDecoder(1024).feed(encode(b"")) == [Frame(b"")]


@pytest.mark.parametrize("split", range(1, len(encode(A))))
def test_frame_split_across_reads_is_reassembled(split: int) -> None:
    data = encode(A)
    assert feed_all(FrameDecoder(1024), [data[:split], data[split:]]) == [Frame(A)]


def test_frame_fed_one_byte_at_a_time_is_reassembled() -> None:
    data = encode(A)
    assert feed_all(FrameDecoder(1024), [data[i : i + 1] for i in range(len(data))]) == [Frame(A)]


def test_several_frames_in_one_read_are_returned_in_order() -> None:
    assert FrameDecoder(1024).feed(encode(A) + encode(B) + encode(A)) == [Frame(A), Frame(B), Frame(A)]


def test_whitespace_and_junk_between_frames_is_discarded() -> None:
    decoder = FrameDecoder(1024)
    frames = decoder.feed(b"\r\n" + encode(A) + b"\r\n junk" + encode(B) + b"\n")
    assert frames == [Frame(A), Frame(B)]
    assert decoder.discarded == len(b"\r\n") + len(b"\r\n junk") + 1
    assert not decoder.in_frame


def test_junk_alone_is_discarded_without_buffering() -> None:
    decoder = FrameDecoder(16)
    assert decoder.feed(b"x" * 1000) == []
    assert decoder.pending == 0


def test_lone_fs_inside_a_frame_is_payload() -> None:
    payload = b"MSH|a\x1cb\r"
    assert FrameDecoder(1024).feed(encode(payload)) == [Frame(payload)]


def test_missing_end_byte_then_new_start_reports_error() -> None:
    decoder = FrameDecoder(1024)
    frames = decoder.feed(START + b"partial" + encode(B))
    assert frames == [Frame(b"partial", MISSING_END), Frame(B)]


def test_missing_end_byte_across_reads_reports_error() -> None:
    frames = feed_all(FrameDecoder(1024), [START + b"part", b"ial", encode(B)])
    assert frames == [Frame(b"partial", MISSING_END), Frame(B)]


def test_frame_of_exactly_max_bytes_is_accepted() -> None:
    payload = b"M" * 64
    data = encode(payload)
    assert FrameDecoder(64).feed(data) == [Frame(payload)]
    # END split right after the maximum: the trailing FS must not count as payload.
    assert feed_all(FrameDecoder(64), [data[:-1], data[-1:]]) == [Frame(payload)]


def test_oversize_frame_in_one_read_keeps_first_max_bytes() -> None:
    payload = bytes(range(256)).replace(START, b"").replace(b"\x1c", b"") * 4
    frames = FrameDecoder(100).feed(encode(payload) + encode(B))
    assert frames == [Frame(payload[:100], oversize_error(100)), Frame(B)]


def test_oversize_frame_streamed_in_chunks_stays_bounded_in_memory() -> None:
    decoder = FrameDecoder(100)
    frames = decoder.feed(START + b"a" * 60)
    for _ in range(1000):
        frames += decoder.feed(b"b" * 60)
        assert decoder.pending <= 100
    frames += decoder.feed(b"c\x1c")
    frames += decoder.feed(b"\r" + encode(B))
    assert frames == [Frame(b"a" * 60 + b"b" * 40, oversize_error(100)), Frame(B)]


def test_oversize_frame_cut_short_by_new_start_is_reported() -> None:
    frames = feed_all(FrameDecoder(10), [START + b"x" * 50, b"y" * 50 + encode(b"MSH|ok")])
    assert frames == [Frame(b"x" * 10, oversize_error(10)), Frame(b"MSH|ok")]


def test_missing_end_marker_on_a_long_frame_keeps_at_most_max_bytes() -> None:
    frames = FrameDecoder(10).feed(START + b"x" * 11 + encode(b"MSH|ok"))
    assert frames == [Frame(b"x" * 10, MISSING_END), Frame(b"MSH|ok")]


def test_random_chunking_yields_the_same_frames() -> None:
    rng = random.Random(7)
    payloads = [bytes(rng.choice(b"ABC|^~\\&\r") for _ in range(rng.randint(0, 300))) for _ in range(50)]
    stream = b"".join(encode(p) + rng.choice([b"", b"\r", b"\r\n"]) for p in payloads)
    cuts = sorted(rng.sample(range(1, len(stream)), 200))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert feed_all(FrameDecoder(1024), chunks) == [Frame(p) for p in payloads]


def test_max_frame_bytes_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FrameDecoder(0)


def test_end_marker_constant_is_fs_cr() -> None:
    assert (START, END) == (b"\x0b", b"\x1c\r")
