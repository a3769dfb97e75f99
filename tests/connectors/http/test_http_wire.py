"""The HTTP/1.1 wire rules without sockets: URL to origin, request head, response framing and limits."""

from __future__ import annotations

import pytest

from suture.connectors.http.wire import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    ConnectionClosed,
    InvalidRequest,
    Origin,
    ResponseError,
    ResponseParser,
    request_head,
)

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\nok\r\n3\r\n!!!\r\n0\r\nX-Trailer: t\r\n\r\n"


def parse(data: bytes, *, pieces: int = 1, no_body: bool = False) -> ResponseParser:
    """Feed ``data`` in ``pieces`` parts (1 = whole, 0 = byte by byte); the response must complete."""
    parser = ResponseParser()
    parser.reset(no_body)
    step = 1 if pieces == 0 else -(-len(data) // pieces)
    done = False
    for start in range(0, len(data), step):
        assert not done, "bytes after the response was complete"
        done = parser.feed(data[start : start + step])
    assert done
    return parser


@pytest.mark.parametrize("pieces", [1, 3, 0])
def test_content_length_body_is_complete_however_it_is_split(pieces):
    parser = parse(OK, pieces=pieces)
    assert (parser.response().status, parser.response().body_prefix, parser.keep_alive) == (200, b"ok", True)


@pytest.mark.parametrize("pieces", [1, 5, 0])
def test_chunked_body_with_extensions_and_trailers_is_complete_however_it_is_split(pieces):
    parser = parse(CHUNKED, pieces=pieces)
    assert (parser.response().body_prefix, parser.keep_alive) == (b"ok!!!", True)


def test_chunked_body_with_bare_lf_line_ends_is_accepted():
    parser = parse(b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n", pieces=0)
    assert parser.response().body_prefix == b"ok"


def test_interim_1xx_responses_are_skipped():
    parser = parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n" + OK, pieces=0)
    assert parser.response().status == 200


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses_complete_after_the_head_even_with_a_length(status):
    parser = parse(f"HTTP/1.1 {status} X\r\nContent-Length: 10\r\n\r\n".encode())
    assert (parser.response().status, parser.keep_alive) == (status, True)


def test_head_request_response_has_no_body():
    parser = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", no_body=True)
    assert parser.keep_alive


def test_body_without_length_runs_until_the_connection_ends():
    parser = ResponseParser()
    assert not parser.feed(b"HTTP/1.1 200 OK\r\n\r\nsome body")
    assert parser.feed_eof()
    assert (parser.response().body_prefix, parser.keep_alive) == (b"some body", False)


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n", False),  # bytes nobody asked for
    ],
)
def test_connection_is_kept_only_when_the_response_allows_it(head, keep_alive):
    assert parse(head).keep_alive is keep_alive


def test_transfer_encoding_other_than_chunked_reads_until_close():
    parser = ResponseParser()
    assert not parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nxyz")
    assert parser.feed_eof() and not parser.keep_alive


def test_folded_header_lines_are_joined():
    parser = parse(b"HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n")
    assert ("X-Long", "a b") in parser.response().headers


@pytest.mark.parametrize(
    "data",
    [
        b"SSH-2.0-OpenSSH_9.6 DOE^JANE\r\n\r\n",
        b"HTTP/2 200\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 \xb2\xb2\xb2 OK\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1_0\r\n\r\n",
    ],
)
def test_malformed_response_head_is_an_error_that_names_no_bytes(data):
    with pytest.raises(ResponseError) as caught:
        parse(data)
    assert "DOE" not in str(caught.value) and "SSH" not in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [b"zz\r\nok\r\n0\r\n\r\n", b"0x2\r\nok\r\n0\r\n\r\n", b"2\r\nokX\r\n0\r\n\r\n", b"1_0\r\n", b"-1\r\n"],
)
def test_malformed_chunks_are_an_error_after_the_status(body):
    parser = ResponseParser()
    with pytest.raises(ResponseError):
        parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    assert parser.status == 200  # the caller keeps the status; only the body is lost


def test_oversized_head_is_an_error_before_the_blank_line_arrives():
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\n")
    with pytest.raises(ResponseError, match="head over"):
        for _ in range(MAX_HEADER_BYTES // 1000 + 1):
            parser.feed(b"X-Pad: " + b"p" * 991 + b"\r\n")


def test_too_many_headers_is_an_error():
    with pytest.raises(ResponseError, match="header lines"):
        parse(b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n")


def test_endless_interim_responses_are_an_error():
    with pytest.raises(ResponseError, match="1xx"):
        parse(b"HTTP/1.1 100 Continue\r\n\r\n" * 17 + OK)


def test_declared_body_over_the_limit_is_an_error_at_once():
    parser = ResponseParser()
    with pytest.raises(ResponseError, match="body over"):
        parser.feed(f"HTTP/1.1 200 OK\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode())
    assert parser.status == 200


def test_chunked_body_over_the_limit_is_an_error_while_streaming():
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
    with pytest.raises(ResponseError, match="body over"):
        for _ in range(MAX_BODY_BYTES // 0x100000 + 1):
            parser.feed(chunk)


def test_close_delimited_body_over_the_limit_is_an_error():
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\n\r\n")
    with pytest.raises(ResponseError, match="body over"):
        parser.feed(b"x" * (MAX_BODY_BYTES + 1))


def test_endless_trailers_are_an_error():
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n")
    with pytest.raises(ResponseError):
        for _ in range(200):
            parser.feed(b"X-T: y\r\n")


@pytest.mark.parametrize(
    ("data", "where"), [(b"", "before the response"), (b"HTTP/1.1 200", "inside"), (OK[:-1], "inside")]
)
def test_connection_end_before_the_response_is_complete_is_an_error(data, where):
    parser = ResponseParser()
    if data:
        parser.feed(data)
    with pytest.raises(ConnectionClosed, match=where):
        parser.feed_eof()


def test_request_head_sets_host_length_and_basic_auth_from_the_url():
    origin = Origin.parse("https://user:p%40ss@erp.example:8443/api/in?q=1")
    head = request_head("POST", origin, [("Content-Type", "text/plain")], 3).decode()
    assert head.startswith("POST /api/in?q=1 HTTP/1.1\r\nContent-Type: text/plain\r\n")
    assert "\r\nHost: erp.example:8443\r\n" in head
    assert "\r\nAuthorization: Basic dXNlcjpwQHNz\r\n" in head  # user:p@ss
    assert head.endswith("\r\nContent-Length: 3\r\n\r\n")


def test_request_head_keeps_a_host_header_given_by_the_caller():
    head = request_head("PUT", Origin.parse("http://10.0.0.1/in"), [("Host", "erp.example")], 0).decode()
    assert "Host: erp.example" in head and "10.0.0.1" not in head


@pytest.mark.parametrize(
    "header",
    [("X-A", "v\r\nX-Injected: 1"), ("X-A", "v\nx"), ("X-A", "v\x00"), ("X A", "v"), ("X-A\r\n", "v"), ("", "v"),
     ("Content-Length", "1"), ("Transfer-Encoding", "chunked"), ("Connection", "close"), ("Expect", "100-continue")],
)
def test_request_head_rejects_header_injection_and_framing_headers(header):
    with pytest.raises(InvalidRequest):
        request_head("POST", Origin.parse("http://h/"), [header], 0)


def test_request_target_is_percent_encoded_so_the_request_line_stays_one_line():
    origin = Origin.parse("http://h/a b/\u00e9?x=1 2\r\nInjected: 1")
    assert origin.target == "/a%20b/%C3%A9?x=1%202Injected:%201"


@pytest.mark.parametrize(
    "url", ["ftp://h/in", "http:///in", "not a url", "http://h:99999/in", "http://exa mple/in", "//h/in", ""]
)
def test_unusable_url_is_invalid_without_echoing_it(url):
    with pytest.raises(InvalidRequest) as caught:
        Origin.parse(url)
    assert url in ("", "//h/in") or url not in str(caught.value)


def test_default_ports_are_left_out_of_the_host_header():
    assert Origin.parse("https://h/").host_header == "h"
    assert (Origin.parse("https://h/").port, Origin.parse("http://h/").port) == (443, 80)
    assert Origin.parse("http://h:8080").target == "/"
