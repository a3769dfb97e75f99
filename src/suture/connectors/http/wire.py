"""HTTP/1.1 on the wire, without I/O: URL to origin, header checks, the request head, the response parser.

:mod:`suture.connectors.http.client` moves these bytes; this module only decides what they mean, so the
framing rules are tested without sockets.

Response parsing is defensive (the peer may be broken or hostile): the head is limited to
``MAX_HEADER_BYTES`` and ``MAX_HEADERS`` lines, the body to ``MAX_BODY_BYTES``, at most
``MAX_INTERIM_RESPONSES`` 1xx responses are skipped; the body ends by Content-Length, chunked transfer coding
(trailers read and dropped) or the end of the connection; 204, 304 and HEAD have none. Anything malformed
raises :class:`ResponseError`. Error texts never contain request or response bytes (they may hold PHI).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 100
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_INTERIM_RESPONSES = 16
MAX_CHUNK_LINE = 4096
BODY_PREFIX_BYTES = 256

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
_HOST = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=%:-]+")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_DIGITS = re.compile(r"[0-9]{1,19}")
# The client frames each request itself; a caller's value for these would contradict it.
CLIENT_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer",
     "upgrade", "expect"}
)


class HttpClientError(Exception):
    """A request failed in transport; trying again later may help. The text is free of payload bytes."""


class ConnectError(HttpClientError):
    """The connection (TCP or the TLS handshake) could not be opened."""


class ConnectionClosed(HttpClientError):
    """The connection ended before a complete response arrived."""


class ResponseError(HttpClientError):
    """The response broke HTTP/1.1 framing or one of the size limits."""


class InvalidRequest(ValueError):
    """The URL or a header cannot be sent as given; trying again cannot help."""


class Response(NamedTuple):
    """A response status with its headers. ``body_prefix`` holds the first bytes of the body (for debugging
    only: it may hold PHI). ``complete`` is false when the body could not be read whole."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body_prefix: bytes = b""
    complete: bool = True


def check_header(name: str, value: str) -> None:
    """Raise :class:`InvalidRequest` unless ``name: value`` is one well-formed header line.

    >>> check_header("X-Env", "prod")
    >>> check_header("X-Env", "prod\\r\\nX-Injected: 1")
    Traceback (most recent call last):
    ...
    suture.connectors.http.wire.InvalidRequest: header X-Env: CR, LF or NUL in the value
    """
    if not _TOKEN.fullmatch(name):
        raise InvalidRequest("invalid header name")
    if _BAD_VALUE.search(value):
        raise InvalidRequest(f"header {name}: CR, LF or NUL in the value")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where requests go, from a URL: ``scheme``, ``host``, ``port``, the request ``target`` (path and
    query) and the ``Host`` header; user info in the URL becomes a Basic ``authorization``.

    >>> Origin.parse("https://erp.local/api/in?x=1 2").target
    '/api/in?x=1%202'
    >>> Origin.parse("http://[::1]:8080/").host_header
    '[::1]:8080'
    """

    scheme: str
    host: str
    port: int
    target: str
    host_header: str
    authorization: str | None = None

    @classmethod
    def parse(cls, url: str) -> Origin:
        """Raise :class:`InvalidRequest` (without echoing the URL, which may hold credentials)."""
        try:
            parts = urlsplit(url)
            port = parts.port
            host = (parts.hostname or "").encode("idna").decode("ascii")
        except (ValueError, UnicodeError):
            raise InvalidRequest("invalid URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not host or not _HOST.fullmatch(host):
            raise InvalidRequest("invalid URL: needs http:// or https:// and a host")
        default_port = 443 if scheme == "https" else 80
        port = port or default_port
        bracketed = f"[{host}]" if ":" in host else host
        target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
        if parts.query:
            target += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
        authorization = None
        if parts.username is not None:
            user_pass = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            authorization = "Basic " + base64.b64encode(user_pass.encode("utf-8")).decode("ascii")
        host_header = bracketed if port == default_port else f"{bracketed}:{port}"
        return cls(scheme, host, port, target, host_header, authorization)


def request_head(method: str, origin: Origin, headers: Iterable[tuple[str, str]], length: int) -> bytes:
    """The request line and headers: the caller's headers (checked), then ``Host`` and the URL's
    ``Authorization`` unless the caller set them, then ``Content-Length``.

    >>> request_head("POST", Origin.parse("http://erp:8080/in"), [("X-Env", "prod")], 5)
    b'POST /in HTTP/1.1\\r\\nX-Env: prod\\r\\nHost: erp:8080\\r\\nContent-Length: 5\\r\\n\\r\\n'
    """
    if not _TOKEN.fullmatch(method):
        raise InvalidRequest("invalid method")
    lines = [method, " ", origin.target, " HTTP/1.1\r\n"]
    host = authorization = True
    for name, value in headers:
        check_header(name, value)
        key = name.lower()
        if key in CLIENT_HEADERS:
            raise InvalidRequest(f"header {name} is set by the client")
        host = host and key != "host"
        authorization = authorization and key != "authorization"
        lines += (name, ": ", value, "\r\n")
    if host:
        lines += ("Host: ", origin.host_header, "\r\n")
    if authorization and origin.authorization:
        lines += ("Authorization: ", origin.authorization, "\r\n")
    if length or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
        lines += ("Content-Length: ", str(length), "\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")


_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS, _UNTIL_EOF, _DONE = range(8)


class ResponseParser:
    """Incremental parser for one response at a time (``reset`` before each request).

    ``feed`` returns True once the response is complete; then ``response()`` has it and ``keep_alive`` says
    whether the connection may carry another request.

    >>> parser = ResponseParser()
    >>> parser.feed(b"HTTP/1.1 100 Continue\\r\\n\\r\\nHTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
    True
    >>> parser.response().status, parser.keep_alive
    (200, True)
    """

    __slots__ = ("body_bytes", "buf", "extra_bytes", "extra_lines", "headers", "interim", "keep_alive", "no_body",
                 "prefix", "received", "remaining", "state", "status")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.reset(no_body=False)

    def reset(self, no_body: bool) -> None:
        self.buf.clear()
        self.state = _HEAD
        self.status: int | None = None
        self.headers: tuple[tuple[str, str], ...] = ()
        self.keep_alive = False
        self.no_body = no_body
        self.received = False
        self.remaining = 0
        self.body_bytes = 0
        self.prefix = b""
        self.interim = 0
        self.extra_lines = 0  # trailer lines and bytes, counted against the header limits
        self.extra_bytes = 0

    def response(self, complete: bool = True) -> Response:
        assert self.status is not None
        return Response(self.status, self.headers, self.prefix, complete)

    def feed(self, data: bytes) -> bool:
        """Take bytes from the connection; True once the response is complete."""
        self.received = True
        state = self.state
        if state == _HEAD:
            if self.buf:
                data = bytes(self.buf + data)
                self.buf.clear()
            return self._heads(data)
        if state == _LENGTH:
            return self._length(data)
        if state == _UNTIL_EOF:
            self._body(data)
            return False
        if state == _DONE:
            self.keep_alive = False  # bytes after the response: the connection is out of step
            return True
        self.buf += data
        return self._chunks()

    def feed_eof(self) -> bool:
        """The server closed the connection: complete for a close-delimited body, else an error."""
        if self.state in (_UNTIL_EOF, _DONE):
            self.state = _DONE
            self.keep_alive = False
            return True
        where = "inside the response" if self.received else "before the response"
        raise ConnectionClosed(f"server closed the connection {where}")

    def _heads(self, data: bytes) -> bool:
        """Parse response heads from ``data`` (skipping 1xx), keeping an incomplete head for later."""
        start = 0
        while True:
            crlf, lf = data.find(b"\n\r\n", start), data.find(b"\n\n", start)
            if crlf < 0 and lf < 0:
                if len(data) - start > MAX_HEADER_BYTES:
                    raise ResponseError(f"response head over {MAX_HEADER_BYTES} bytes")
                self.buf += data[start:]
                return False
            end, skip = (crlf, 3) if lf < 0 or 0 <= crlf < lf else (lf, 2)
            if end - start > MAX_HEADER_BYTES:
                raise ResponseError(f"response head over {MAX_HEADER_BYTES} bytes")
            lines = data[start:end].decode("latin-1").split("\n")
            start = end + skip
            http10, status = _status_line(lines[0])
            headers = _header_lines(lines)
            if status >= 200:
                break
            if status == 101:
                raise ResponseError("unexpected 101 Switching Protocols")
            self.interim += 1
            if self.interim > MAX_INTERIM_RESPONSES:
                raise ResponseError("too many 1xx responses")
        self.status, self.headers = status, headers
        self._framing(http10, headers)
        rest = data[start:]
        if self.state == _DONE:
            if rest:
                self.keep_alive = False
            return True
        return self.feed(rest) if rest else False

    def _framing(self, http10: bool, headers: tuple[tuple[str, str], ...]) -> None:
        """Choose how the body ends and whether the connection stays open after it."""
        length: str | None = None
        codings: list[str] | None = None
        tokens: set[str] = set()
        for name, value in headers:
            if len(name) not in (10, 14, 17):  # a quick test before lower(): only three names matter here
                continue
            key = name.lower()
            if key == "content-length":
                if "," in value:  # a list of one repeated value is allowed (RFC 9110 8.6)
                    values = {v.strip(" \t") for v in value.split(",")}
                    value = values.pop() if len(values) == 1 else ""
                if length is not None and value != length:
                    raise ResponseError("conflicting Content-Length")
                length = value
            elif key == "transfer-encoding":
                codings = (codings or []) + [c.strip().lower() for c in value.split(",") if c.strip()]
            elif key == "connection":
                tokens.update(t.strip().lower() for t in value.split(","))
        self.keep_alive = "keep-alive" in tokens if http10 else "close" not in tokens
        assert self.status is not None
        if self.no_body or self.status in (204, 304):
            self.state = _DONE
        elif codings is not None:
            chunked = bool(codings) and codings[-1] == "chunked"
            self.state = _CHUNK_SIZE if chunked else _UNTIL_EOF
            # Both framings at once is a smuggling pattern: honour chunked, then drop the connection.
            self.keep_alive = self.keep_alive and chunked and length is None and not http10
        elif length is not None:
            if not _DIGITS.fullmatch(length):
                raise ResponseError("invalid Content-Length")
            self.remaining = int(length)
            if self.remaining > MAX_BODY_BYTES:
                raise ResponseError(f"response body over {MAX_BODY_BYTES} bytes")
            self.state = _LENGTH if self.remaining else _DONE
        else:
            self.state, self.keep_alive = _UNTIL_EOF, False

    def _body(self, data: bytes | bytearray) -> None:
        self.body_bytes += len(data)
        if self.body_bytes > MAX_BODY_BYTES:
            raise ResponseError(f"response body over {MAX_BODY_BYTES} bytes")
        if len(self.prefix) < BODY_PREFIX_BYTES:
            self.prefix += bytes(data[: BODY_PREFIX_BYTES - len(self.prefix)])

    def _length(self, data: bytes) -> bool:
        remaining = self.remaining
        if len(data) < remaining:
            self.remaining = remaining - len(data)
            if len(self.prefix) < BODY_PREFIX_BYTES:
                self.prefix += data[: BODY_PREFIX_BYTES - len(self.prefix)]
            return False
        if len(self.prefix) < BODY_PREFIX_BYTES:
            self.prefix += data[: min(remaining, BODY_PREFIX_BYTES - len(self.prefix))]
        if len(data) > remaining:
            self.keep_alive = False
        self.remaining, self.state = 0, _DONE
        return True

    def _chunks(self) -> bool:
        buf, pos = self.buf, 0
        while self.state != _DONE:
            if self.state == _CHUNK_DATA:
                take = min(self.remaining, len(buf) - pos)
                self._body(buf[pos : pos + take])
                pos += take
                self.remaining -= take
                if self.remaining:
                    break
                self.state = _CHUNK_END
            elif self.state == _CHUNK_END:
                if buf.startswith(b"\r\n", pos):
                    pos += 2
                elif buf.startswith(b"\n", pos):
                    pos += 1
                elif len(buf) == pos or (len(buf) == pos + 1 and buf[pos] == 0x0D):
                    break  # the line end is still on its way
                else:
                    raise ResponseError("malformed chunk")
                self.state = _CHUNK_SIZE
            else:
                limit = MAX_CHUNK_LINE if self.state == _CHUNK_SIZE else MAX_HEADER_BYTES - self.extra_bytes
                line_end = buf.find(b"\n", pos, pos + limit + 1)
                if line_end < 0:
                    if len(buf) - pos > limit:
                        raise ResponseError("chunk size or trailer line too long")
                    break
                line = bytes(buf[pos:line_end]).rstrip(b"\r")
                pos = line_end + 1
                if self.state == _CHUNK_SIZE:
                    self._chunk_size(line)
                else:
                    self._trailer(line)
        del buf[:pos]
        if self.state == _DONE:
            if buf:
                self.keep_alive = False
            return True
        return False

    def _chunk_size(self, line: bytes) -> None:
        size = line.split(b";", 1)[0].strip(b" \t")
        if not _HEX.fullmatch(size):
            raise ResponseError("malformed chunk size")
        self.remaining = int(size, 16)
        if self.body_bytes + self.remaining > MAX_BODY_BYTES:
            raise ResponseError(f"response body over {MAX_BODY_BYTES} bytes")
        self.state = _CHUNK_DATA if self.remaining else _TRAILERS

    def _trailer(self, line: bytes) -> None:
        if not line:
            self.state = _DONE
            return
        self.extra_lines += 1
        self.extra_bytes += len(line) + 2
        if self.extra_lines + len(self.headers) > MAX_HEADERS:
            raise ResponseError(f"more than {MAX_HEADERS} header lines")


def _status_line(line: str) -> tuple[bool, int]:
    """``HTTP/1.x NNN reason`` -> (is HTTP/1.0, status)."""
    version, _, rest = line.rstrip("\r").partition(" ")
    code = rest[:3]
    if (
        version not in ("HTTP/1.1", "HTTP/1.0")
        or not code.isdigit()
        or not code.isascii()
        or rest[3:4] not in ("", " ")
        or not 100 <= int(code) <= 599
    ):
        raise ResponseError("malformed status line")
    return version == "HTTP/1.0", int(code)


def _header_lines(lines: list[str]) -> tuple[tuple[str, str], ...]:
    """The header lines of a head (``lines[0]`` is the status line) as (name, value) pairs."""
    if len(lines) > MAX_HEADERS + 1:
        raise ResponseError(f"more than {MAX_HEADERS} header lines")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and _TOKEN.fullmatch(name):
            headers.append((name, value.strip(" \t\r")))
        elif line[:1] in (" ", "\t") and headers:  # obsolete line folding: join with a space (RFC 9112 5.2)
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip(" \t\r"))
        else:
            raise ResponseError("malformed header line")
    return tuple(headers)
