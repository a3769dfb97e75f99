"""An asyncio MLLP sender over one persistent connection.

``send`` writes one frame and waits for one response frame; a lock keeps one exchange in flight per client.
Any doubt about the connection's state (timeout, reset, a stray or broken frame, cancellation) drops the
connection, so a late answer can never be taken for the answer to the next message. The next ``send``
reconnects.

>>> async def main() -> None:  # doctest: +SKIP
...     async with MllpClient("127.0.0.1", 2575) as client:
...         ack = await client.send(b"MSH|^~\\\\&|...")
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from types import TracebackType

from suture.connectors.mllp.framing import Frame, FrameDecoder, encode
from suture.errors import RetryableError

log = logging.getLogger("suture.connectors.mllp")


class MllpClient:
    """Send MLLP frames and return each response payload. Failures raise :class:`RetryableError`."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout_s: float = 5.0,
        ack_timeout_s: float = 30.0,
        max_frame_bytes: int = 16 * 1024 * 1024,
        server_hostname: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.connect_timeout_s = connect_timeout_s
        self.ack_timeout_s = ack_timeout_s
        self.max_frame_bytes = max_frame_bytes
        self.server_hostname = server_hostname
        self._proto: _ClientProtocol | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def connected(self) -> bool:
        """True while a connection is open (it may still be closed by the peer at any time)."""
        return self._proto is not None and not self._proto.lost

    async def send(self, payload: bytes) -> bytes:
        """Send one payload and return the response payload (unframed)."""
        async with self._lock:
            proto = await self._connection()
            try:
                return await self._exchange(proto, payload)
            except BaseException:
                self._drop()
                raise

    async def close(self) -> None:
        """Close the connection; a ``send`` in progress fails with RetryableError, later ones too."""
        self._closed = True
        self._drop()

    async def __aenter__(self) -> MllpClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    async def _connection(self) -> _ClientProtocol:
        if self._closed:
            raise RetryableError(f"mllp client for {self._where()} is closed")
        if self._proto is not None and not self._proto.lost:
            return self._proto
        self._drop()
        self._proto = await self._connect()
        return self._proto

    async def _connect(self) -> _ClientProtocol:
        loop = asyncio.get_running_loop()
        hostname = (self.server_hostname or self.host) if self.ssl_context else None
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _ClientProtocol(self.max_frame_bytes),
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    server_hostname=hostname,
                ),
                self.connect_timeout_s,
            )
        except TimeoutError as exc:
            msg = f"connect to {self._where()} timed out after {self.connect_timeout_s}s"
            raise RetryableError(msg) from exc
        except OSError as exc:  # refused, unreachable, TLS handshake failure (ssl.SSLError is an OSError)
            raise RetryableError(f"connect to {self._where()} failed: {exc}") from exc
        log.debug("mllp connected to %s", self._where())
        return proto

    async def _exchange(self, proto: _ClientProtocol, payload: bytes) -> bytes:
        frame = await proto.request(encode(payload), self.ack_timeout_s)
        if isinstance(frame, BaseException):
            raise self._failure(frame)
        if frame.error:
            raise RetryableError(f"bad response frame from {self._where()}: {frame.error}")
        return frame.payload

    def _failure(self, exc: BaseException) -> RetryableError:
        if isinstance(exc, TimeoutError):
            return RetryableError(f"no response from {self._where()} within {self.ack_timeout_s}s")
        detail = f": {exc}" if str(exc) else ""
        return RetryableError(f"connection to {self._where()} lost while waiting for a response{detail}")

    def _drop(self) -> None:
        proto, self._proto = self._proto, None
        if proto is not None:
            proto.abort()


class _ClientProtocol(asyncio.Protocol):
    """The connection: at most one outstanding request, resolved by the next frame received."""

    def __init__(self, max_frame_bytes: int) -> None:
        self._loop = asyncio.get_running_loop()
        self._decoder = FrameDecoder(max_frame_bytes)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[Frame | BaseException] | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's transports are not subclasses

    def data_received(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            waiter, self._waiter = self._waiter, None
            if waiter is None or waiter.done():
                # An answer nobody asked for: the exchange is out of step, so start over.
                log.warning("mllp unsolicited %d-byte frame; dropping the connection", len(frame.payload))
                self.abort()
                return
            waiter.set_result(frame)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._resolve(exc or ConnectionResetError("connection closed by peer"))

    async def request(self, data: bytes, timeout: float) -> Frame | BaseException:
        """Write ``data`` and wait for the next frame; an exception is returned, not raised."""
        if self.lost or self._transport is None:
            return ConnectionResetError("connection closed by peer")
        waiter: asyncio.Future[Frame | BaseException] = self._loop.create_future()
        self._waiter = waiter
        timer = self._loop.call_later(timeout, self._resolve, TimeoutError())
        try:
            self._transport.write(data)
            return await waiter
        finally:
            timer.cancel()

    def _resolve(self, outcome: BaseException) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(outcome)

    def abort(self) -> None:
        self.lost = True
        if self._transport is not None:
            self._transport.abort()
