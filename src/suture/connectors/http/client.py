"""A lean HTTP/1.1 client for one origin: the transport under :class:`~suture.connectors.http.sink.HttpSink`.

Why it exists (ADR 0008): aiohttp's client spent about three times the CPU per POST of this one, and the HTTP
POST was the largest cost per message on the engine's end-to-end path. It is an :class:`asyncio.Protocol`,
so it runs on asyncio's loop and on uvloop alike.

What it does: a pool of at most ``max_connections`` keep-alive connections to ``scheme://host:port`` (plain
TCP or TLS with the caller's :class:`ssl.SSLContext`); one request in flight per connection; callers wait for
a free connection, and that wait does not count against ``timeout_s``, which covers connect, send and the
whole response. The bytes on the wire (request head, response framing and its limits against broken or
hostile servers) are :mod:`suture.connectors.http.wire`'s business.

What it does not do: proxies, redirects (a 3xx is just a status), HTTP/2, cookies, compression,
``Expect: 100-continue``, pipelining, streaming bodies.

Any doubt about a connection's state (malformed response, timeout, cancellation, bytes nobody asked for)
closes it. A failure after the status line arrived (body too large, cut short or malformed, or the timeout
passing while it is read) does not undo the status: the :class:`Response` comes back with ``complete=False``
and the connection is closed. A response with ``Connection: close``, an HTTP/1.0 response without
keep-alive, or a body that ends with the connection, is not followed by another request on that connection.
Error texts never contain request or response bytes (they may hold PHI).

Retry on a stale connection: a server may close an idle keep-alive connection just as a request is written
to it. If a request on a *reused* connection fails before any response byte arrived, it is sent once more on
a fresh connection. That may deliver the request twice when the server did process it and then dropped the
connection without answering; the sink sends an idempotency key with every request so the receiver can drop
the duplicate.

>>> async def main() -> None:  # doctest: +SKIP
...     client = HttpClient("http://127.0.0.1:8080/in", max_connections=4, timeout_s=10)
...     response = await client.request("POST", [("Content-Type", "text/plain")], b"hello")
...     await client.close()
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Callable, Iterable

from suture.connectors.http.wire import (
    ConnectError,
    ConnectionClosed,
    HttpClientError,
    InvalidRequest,
    Origin,
    Response,
    ResponseError,
    ResponseParser,
    request_head,
)

__all__ = [
    "ConnectError",
    "ConnectionClosed",
    "HttpClient",
    "HttpClientError",
    "InvalidRequest",
    "Origin",
    "Response",
    "ResponseError",
]

IDLE_TIMEOUT_S = 15.0  # below common server keep-alive timeouts, so the server rarely closes first


class _Connection(asyncio.Protocol):
    """One keep-alive connection; ``request`` returns a future resolved with the :class:`Response`."""

    def __init__(self, on_lost: Callable[[_Connection], None]) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = ResponseParser()
        self.waiter: asyncio.Future[Response] | None = None
        self.lost = False
        self.idle_since = 0.0
        self._on_lost = on_lost

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # No isinstance check: uvloop's transports are not subclasses of asyncio.Transport.
        self.transport = transport  # type: ignore[assignment]

    @property
    def usable(self) -> bool:
        """Open, idle and in step: fit to carry the next request."""
        transport = self.transport
        return not self.lost and self.waiter is None and transport is not None and not transport.is_closing()

    def request(self, data: tuple[bytes, ...], no_body: bool) -> asyncio.Future[Response]:
        self.parser.reset(no_body)  # first: "no response byte yet" decides whether a failure may be resent
        if not self.usable:
            raise ConnectionClosed("server closed the connection before the response")
        assert self.transport is not None
        self.waiter = waiter = asyncio.get_running_loop().create_future()
        try:
            for part in data:
                self.transport.write(part)
        except (OSError, RuntimeError) as exc:
            self.waiter = None
            self.abort()
            raise ConnectionClosed("server closed the connection before the response") from exc
        return waiter

    def data_received(self, data: bytes) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            self.abort()  # bytes nobody asked for: the connection is out of step
            return
        try:
            done = self.parser.feed(data)
        except HttpClientError as exc:
            self._fail(exc)
            return
        if done:
            self._finish()

    def eof_received(self) -> bool:
        self._eof()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._retire()
        self._eof()

    def _eof(self) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        try:
            self.parser.feed_eof()
        except HttpClientError as exc:
            self._fail(exc)
            return
        self._finish()

    def _finish(self) -> None:
        waiter, self.waiter = self.waiter, None
        assert waiter is not None
        waiter.set_result(self.parser.response())
        if not self.parser.keep_alive:
            self.close()

    def _fail(self, exc: HttpClientError) -> None:
        waiter, self.waiter = self.waiter, None
        assert waiter is not None
        if self.parser.status is not None:  # the status stands; only the body is lost
            waiter.set_result(self.parser.response(complete=False))
        else:
            waiter.set_exception(exc)
        self.abort()

    def expire(self, waiter: asyncio.Future[Response]) -> None:
        """The request's deadline passed: the status if it arrived (``complete=False``), else TimeoutError."""
        if waiter is not self.waiter or waiter.done():
            return  # answered in time; the timer just had not been cancelled yet
        if self.parser.status is not None:
            waiter.set_result(self.parser.response(complete=False))
        else:
            waiter.set_exception(TimeoutError())
        self.waiter = None
        self.abort()

    def close(self) -> None:
        self._retire()
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self._retire()
        if self.transport is not None:
            self.transport.abort()

    def _retire(self) -> None:
        """Out of the pool at once, though the transport reports connection_lost later."""
        if not self.lost:
            self.lost = True
            self._on_lost(self)


class HttpClient:
    """Requests to the one origin of ``url``, over at most ``max_connections`` keep-alive connections.

    ``ssl_context`` is used for ``https`` URLs (a default, verifying context if None) and ignored for
    ``http``. Raises :class:`InvalidRequest` for a URL it cannot use.
    """

    def __init__(
        self,
        url: str,
        *,
        max_connections: int = 16,
        timeout_s: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
    ) -> None:
        self.origin = Origin.parse(url)
        self.timeout_s = timeout_s
        self.idle_timeout_s = idle_timeout_s
        self._ssl: ssl.SSLContext | None = None
        if self.origin.scheme == "https":
            self._ssl = ssl_context or ssl.create_default_context()
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: deque[_Connection] = deque()
        self._open: set[_Connection] = set()
        self._closed = False

    @property
    def connections(self) -> int:
        """Connections open now, busy or idle."""
        return len(self._open)

    async def request(self, method: str, headers: Iterable[tuple[str, str]], body: bytes = b"") -> Response:
        """Send one request and return its response; 3xx are returned, not followed.

        Raises :class:`InvalidRequest` (bad header or method), ``TimeoutError`` (nothing usable within
        ``timeout_s``) or :class:`HttpClientError` (connect, TLS, closed connection, malformed response).
        """
        head = request_head(method, self.origin, headers, len(body))
        # One write for the usual small message; a large body is not copied just to join it to the head.
        parts = (head + body,) if len(body) < 65536 else (head, body)
        async with self._slots:
            return await self._exchange(parts, method == "HEAD")

    async def close(self) -> None:
        """Close every connection; requests in flight fail with :class:`ConnectionClosed`. Idempotent."""
        self._closed = True
        self._idle.clear()
        for conn in list(self._open):
            conn.abort()
        await asyncio.sleep(0)  # let the transports report connection_lost

    async def _exchange(self, data: tuple[bytes, ...], no_body: bool) -> Response:
        """One request within ``timeout_s``: on an idle connection, and once more on a fresh one if that one
        turns out to have been closed by the server; else on a new connection."""
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        conn = self._take_idle()
        if conn is not None:
            try:
                return await self._roundtrip(conn, data, no_body, deadline)
            except ConnectionClosed:
                if conn.parser.received or self._closed:
                    raise
        conn = await self._connect(deadline)
        return await self._roundtrip(conn, data, no_body, deadline)

    async def _roundtrip(
        self, conn: _Connection, data: tuple[bytes, ...], no_body: bool, deadline: float
    ) -> Response:
        waiter = conn.request(data, no_body)
        # A timer rather than asyncio.timeout(): the same effect here at half the cost per request.
        timer = asyncio.get_running_loop().call_at(deadline, conn.expire, waiter)
        try:
            response = await waiter
        except BaseException:  # failed, timed out or cancelled: the connection's state is unknown
            conn.abort()
            raise
        finally:
            timer.cancel()
        if conn.usable and conn.parser.keep_alive and not self._closed:
            self._park(conn)
        elif not conn.lost:
            conn.close()
        return response

    def _park(self, conn: _Connection) -> None:
        """Back to the idle list; connections idle past ``idle_timeout_s`` are closed on the way."""
        conn.idle_since = now = asyncio.get_running_loop().time()
        idle = self._idle
        while idle and now - idle[0].idle_since > self.idle_timeout_s:
            idle.popleft().close()
        idle.append(conn)

    def _take_idle(self) -> _Connection | None:
        """The most recently used idle connection still open (a warm one); stale ones are closed."""
        idle = self._idle
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            conn = idle.pop()
            if conn.usable and now - conn.idle_since <= self.idle_timeout_s:
                return conn
            conn.close()
        return None

    async def _connect(self, deadline: float) -> _Connection:
        if self._closed:
            raise ConnectionClosed("client is closed")
        origin = self.origin
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(deadline):
                _, conn = await loop.create_connection(
                    lambda: _Connection(self._forget),
                    origin.host,
                    origin.port,
                    ssl=self._ssl,
                    server_hostname=origin.host if self._ssl is not None else None,
                )
        except TimeoutError:  # the deadline (or the kernel's connect timeout): a timeout either way
            raise
        except OSError as exc:  # refused, unreachable, DNS, TLS handshake and certificate errors
            raise ConnectError(f"connect to {origin.host}:{origin.port} failed ({type(exc).__name__})") from exc
        if self._closed:  # close() ran while this connection was being opened
            conn.abort()
            raise ConnectionClosed("client is closed")
        if conn.lost:
            raise ConnectionClosed("server closed the connection before the response")
        self._open.add(conn)
        return conn

    def _forget(self, conn: _Connection) -> None:
        self._open.discard(conn)
        if conn in self._idle:
            self._idle.remove(conn)
