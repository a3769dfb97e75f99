"""Helpers shared by the MLLP tests (a uniquely named module, so imports never hit another conftest)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from suture.config.base import TlsClientConfig, TlsServerConfig
from suture.connectors.base import Inbound
from suture.connectors.mllp.framing import END, START
from suture.connectors.mllp.server import MllpServer

MSG = b"MSH|^~\\&|SND|FAC|RCV|FAC|20240101120000||ADT^A01|MSG0001|P|2.5\rPID|1||12345^^^MRN||DOE^JANE\r"


def ack(code: str, control_id: str = "MSG0001") -> bytes:
    """An HL7 ACK with MSA-1 = ``code``."""
    return b"MSH|^~\\&|RCV|FAC|SND|FAC|20240101120001||ACK^A01|A1|P|2.5\r" + f"MSA|{code}|{control_id}\r".encode()


async def echo(inbound: Inbound) -> bytes:
    """A handler that answers with the payload (or the transport error) it got."""
    if inbound.transport_error:
        return b"ERR " + inbound.transport_error.encode()
    return inbound.raw


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``predicate()`` is true (state that changes after a socket event)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


ServerFactory = Callable[..., Awaitable[MllpServer]]


@dataclass
class RawClient:
    """A plain TCP client that writes arbitrary bytes and reads MLLP frames."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read_frame(self, timeout: float = 5.0) -> bytes:
        data = await asyncio.wait_for(self.reader.readuntil(END), timeout)
        assert data.startswith(START), data[:20]
        return data[1 : -len(END)]

    async def read_eof(self, timeout: float = 5.0) -> bytes:
        """Read until the server closes; returns whatever arrived first."""
        return await asyncio.wait_for(self.reader.read(), timeout)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


Connect = Callable[..., Awaitable[RawClient]]


@dataclass(frozen=True)
class Pki:
    """PEM files for a CA, a server cert for 127.0.0.1/localhost, a client cert, and an unrelated CA."""

    ca: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str
    other_ca: str

    def server(self, *, mutual: bool = False) -> TlsServerConfig:
        return TlsServerConfig(cert=self.server_cert, key=self.server_key, client_ca=self.ca if mutual else None)

    def client(self, *, with_cert: bool = False, **kwargs: object) -> TlsClientConfig:
        certs = {"cert": self.client_cert, "key": self.client_key} if with_cert else {}
        return TlsClientConfig(ca=kwargs.pop("ca", self.ca), **certs, **kwargs)  # type: ignore[arg-type]
