"""An asyncio MLLP listener.

Each connection is an :class:`asyncio.Protocol` with a :class:`FrameDecoder`. Frames are handed to the
handler one at a time, in arrival order, and each answer is written in the same order, so pipelining
clients get their ACKs in sequence. The handler decides the answer; this module only moves bytes.

Logs name the peer and sizes, never payload bytes.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from collections.abc import Awaitable, Callable

from suture.connectors.base import Inbound
from suture.connectors.mllp.framing import Frame, FrameDecoder, encode
from suture.errors import SutureError

log = logging.getLogger("suture.connectors.mllp")

Handler = Callable[[Inbound], Awaitable[bytes]]
CONTENT_TYPE = "application/hl7-v2"

# Stop reading from a pipelining client while this much is queued for the handler.
_BACKLOG_BYTES = 1024 * 1024
_BACKLOG_FRAMES = 128


class MllpServer:
    """Listen for MLLP frames and answer each with the bytes the handler returns.

    ``handler(inbound)`` returns the response payload (unframed); the server frames and sends it. When the
    handler raises, the connection is closed without an answer so the sender resends. Frames that are
    broken or larger than ``max_frame_bytes`` reach the handler with ``Inbound.transport_error`` set.
    """

    def __init__(
        self,
        host: str,
        port: int,
        handler: Handler,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_frame_bytes: int = 4 * 1024 * 1024,
        idle_timeout_s: float = 300.0,
        close_timeout_s: float = 10.0,
    ) -> None:
        self.host = host
        self._port = port
        self.handler = handler
        self.ssl_context = ssl_context
        self.max_frame_bytes = max_frame_bytes
        self.idle_timeout_s = idle_timeout_s
        self.close_timeout_s = close_timeout_s
        self._server: asyncio.Server | None = None
        self._conns: set[_Connection] = set()

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0 and started)."""
        return self._port

    @property
    def connections(self) -> int:
        """Open client connections."""
        return len(self._conns)

    async def start(self) -> None:
        """Bind and start accepting connections."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self), self.host, self._port, ssl=self.ssl_context, reuse_address=True
        )
        self._port = self._server.sockets[0].getsockname()[1]
        log.info("mllp listening on %s:%d%s", self.host, self._port, " (tls)" if self.ssl_context else "")

    async def close(self) -> None:
        """Stop accepting, let in-flight frames finish (their answers are sent), then close connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        conns = list(self._conns)
        for conn in conns:
            conn.shutdown()
        if conns:
            await asyncio.wait([c.closed for c in conns], timeout=self.close_timeout_s)
        for conn in conns:
            conn.abort()
        await server.wait_closed()
        log.info("mllp listener on %s:%d closed", self.host, self._port)

    def _register(self, conn: _Connection) -> None:
        self._conns.add(conn)

    def _unregister(self, conn: _Connection) -> None:
        self._conns.discard(conn)


def format_peer(address: object) -> str:
    """``"host:port"`` for a socket address (``"[host]:port"`` for IPv6)."""
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address or "")


class _Connection(asyncio.Protocol):
    """One client connection: decode frames, run the handler in order, write answers in order."""

    def __init__(self, server: MllpServer) -> None:
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._decoder = FrameDecoder(server.max_frame_bytes)
        self._pending: deque[Frame] = deque()
        self._pending_bytes = 0
        self._worker: asyncio.Task[None] | None = None
        self._transport: asyncio.Transport | None = None
        self._peer = ""
        self._last_activity = 0.0
        self._idle_timer: asyncio.TimerHandle | None = None
        self._reading_paused = False
        self._can_write: asyncio.Future[None] | None = None
        self._closing = False
        self._eof = False
        self.closed: asyncio.Future[None] = self._loop.create_future()

    # -- asyncio.Protocol -------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's TCPTransport is not a subclass
        self._peer = format_peer(transport.get_extra_info("peername"))
        self._last_activity = self._loop.time()
        self._arm_idle_timer(self._server.idle_timeout_s)
        self._server._register(self)
        log.debug("mllp connection from %s", self._peer)

    def data_received(self, data: bytes) -> None:
        self._last_activity = self._loop.time()
        if self._closing:
            return
        frames = self._decoder.feed(data)
        if not frames:
            return
        self._pending.extend(frames)
        self._pending_bytes += sum(len(f.payload) for f in frames)
        if self._worker is None:
            self._worker = self._loop.create_task(self._work())
        if self._backlogged():
            self._pause_reading()

    def eof_received(self) -> bool | None:
        # A client may half-close after its last frame and still read the answers: finish the queue first.
        self._eof = True
        if self._worker is None:
            return None  # nothing queued: let the transport close
        return self._transport is not None and self._transport.get_extra_info("sslcontext") is None

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self._drop_pending()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self._can_write is not None and not self._can_write.done():
            self._can_write.set_result(None)
        if self._decoder.in_frame:
            log.info("mllp connection from %s lost mid-frame (%d bytes)", self._peer, self._decoder.pending)
        self._server._unregister(self)
        if not self.closed.done():
            self.closed.set_result(None)
        log.debug("mllp connection from %s closed", self._peer)

    def pause_writing(self) -> None:
        self._can_write = self._loop.create_future()

    def resume_writing(self) -> None:
        if self._can_write is not None and not self._can_write.done():
            self._can_write.set_result(None)
        self._can_write = None

    # -- shutdown ---------------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop taking frames; close once the frame in the handler (if any) has been answered."""
        self._closing = True
        self._drop_pending()
        self._pause_reading()
        if self._worker is None and self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        """Close at once, dropping unsent bytes and cancelling a handler that is still running."""
        if self._worker is not None:
            self._worker.cancel()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.abort()

    # -- work loop --------------------------------------------------------------------------------------

    async def _work(self) -> None:
        """Answer queued frames in order until the queue is empty."""
        try:
            while self._pending:
                frame = self._pending.popleft()
                self._pending_bytes -= len(frame.payload)
                if not await self._answer(frame):
                    return
                if self._reading_paused and not self._closing and not self._backlogged():
                    self._resume_reading()
        finally:
            self._worker = None
            if (self._closing or self._eof) and self._transport is not None:
                self._transport.close()

    async def _answer(self, frame: Frame) -> bool:
        """Run the handler for one frame and write its answer; False when the connection must end."""
        try:
            data = encode(await self._server.handler(self._inbound(frame)))
        except Exception as exc:
            self._handler_failed(frame, exc)
            return False
        transport = self._transport
        if transport is None or transport.is_closing():
            log.info("mllp answer for %s dropped: connection already closed", self._peer)
            return False
        transport.write(data)
        self._last_activity = self._loop.time()
        if self._can_write is not None:
            await self._can_write
        return not self._closing

    def _inbound(self, frame: Frame) -> Inbound:
        if frame.error:
            log.warning("mllp frame from %s rejected (%d bytes kept): %s", self._peer, len(frame.payload), frame.error)
        return Inbound(raw=frame.payload, content_type=CONTENT_TYPE, peer=self._peer, transport_error=frame.error)

    def _handler_failed(self, frame: Frame, exc: Exception) -> None:
        # No ACK: the frame is not known to be durable, so the sender must resend it.
        reason = str(exc) if isinstance(exc, SutureError) else type(exc).__name__
        log.error(
            "mllp handler failed for a %d-byte frame from %s (%s); closing without ACK",
            len(frame.payload),
            self._peer,
            reason,
        )
        self._closing = True
        self._drop_pending()
        if self._transport is not None:
            self._transport.close()

    # -- flow control and idle timeout ------------------------------------------------------------------

    def _drop_pending(self) -> None:
        self._pending.clear()
        self._pending_bytes = 0

    def _backlogged(self) -> bool:
        return self._pending_bytes >= _BACKLOG_BYTES or len(self._pending) >= _BACKLOG_FRAMES

    def _pause_reading(self) -> None:
        if self._transport is not None and not self._reading_paused and not self._transport.is_closing():
            self._transport.pause_reading()
            self._reading_paused = True

    def _resume_reading(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()
            self._reading_paused = False

    def _arm_idle_timer(self, delay: float) -> None:
        self._idle_timer = self._loop.call_later(delay, self._check_idle)

    def _check_idle(self) -> None:
        """Close when nothing moved for ``idle_timeout_s``; a frame in the handler counts as activity."""
        timeout = self._server.idle_timeout_s
        idle_for = self._loop.time() - self._last_activity
        if self._worker is not None or idle_for < timeout:
            self._arm_idle_timer(timeout if self._worker is not None else timeout - idle_for)
            return
        log.info("mllp connection from %s idle for %.0fs; closing", self._peer, idle_for)
        self._closing = True
        if self._transport is not None:
            self._transport.close()
