"""The MLLP source: an :class:`MllpServer` whose handler submits each frame to the runtime."""

from __future__ import annotations

from suture.connectors.base import Inbound, Submit
from suture.connectors.mllp.config import MllpSourceConfig
from suture.connectors.mllp.server import MllpServer
from suture.connectors.tls import server_context


class MllpSource:
    """Receive HL7 v2 over MLLP and answer each frame with the runtime's ``Reply.body`` (its ACK/NAK).

    The answer is sent only after ``submit`` returns, i.e. after the frame is durable; if ``submit`` raises,
    the connection is closed without an answer so the sender resends.
    """

    def __init__(self, name: str, config: MllpSourceConfig) -> None:
        self.name = name
        self.config = config
        self._server: MllpServer | None = None

    @property
    def port(self) -> int:
        """The bound port once started (useful with ``port: 0``), else the configured one."""
        return self._server.port if self._server is not None else self.config.port

    @property
    def connections(self) -> int:
        """Open client connections."""
        return self._server.connections if self._server is not None else 0

    async def start(self, submit: Submit) -> None:
        """Start listening; every frame goes to ``submit``."""

        async def handle(inbound: Inbound) -> bytes:
            reply = await submit(inbound)
            return reply.body

        cfg = self.config
        server = MllpServer(
            cfg.host,
            cfg.port,
            handle,
            ssl_context=server_context(cfg.tls) if cfg.tls else None,
            max_frame_bytes=cfg.max_frame_bytes,
            idle_timeout_s=cfg.idle_timeout_s,
        )
        await server.start()
        self._server = server

    async def close(self) -> None:
        """Stop listening; frames already in ``submit`` are answered before their connection closes."""
        server, self._server = self._server, None
        if server is not None:
            await server.close()
