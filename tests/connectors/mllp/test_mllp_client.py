"""MllpClient against a real MllpServer (and a few hand-rolled misbehaving servers)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from mllp_support import MSG, ServerFactory, until

from suture.connectors.base import Inbound
from suture.connectors.mllp.client import MllpClient
from suture.connectors.mllp.framing import encode
from suture.errors import RetryableError


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., object]]:
    """A plain asyncio server with a custom connection callback, for peers that break the protocol."""
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []

    async def start(callback: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> int:
        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                await callback(reader, writer)

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()
    for writer in writers:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_send_returns_response_payload(make_server: ServerFactory) -> None:
    server = await make_server()
    async with MllpClient("127.0.0.1", server.port) as client:
        assert await client.send(MSG) == MSG


async def test_client_keeps_one_persistent_connection(make_server: ServerFactory) -> None:
    peers: list[str] = []

    async def record(inbound: Inbound) -> bytes:
        peers.append(inbound.peer)
        return b"ok"

    server = await make_server(record)
    async with MllpClient("127.0.0.1", server.port) as client:
        for _ in range(5):
            await client.send(MSG)
        assert len(set(peers)) == 1
        assert server.connections == 1


async def test_concurrent_sends_on_one_client_each_get_their_own_answer(make_server: ServerFactory) -> None:
    server = await make_server()
    async with MllpClient("127.0.0.1", server.port) as client:
        answers = await asyncio.gather(*(client.send(b"%d" % i) for i in range(50)))
    assert answers == [b"%d" % i for i in range(50)]


async def test_connect_refused_raises_retryable() -> None:
    async with MllpClient("127.0.0.1", free_port(), connect_timeout_s=2) as client:
        with pytest.raises(RetryableError, match=r"connect to 127\.0\.0\.1"):
            await client.send(MSG)


async def test_client_reconnects_after_server_restart(make_server: ServerFactory) -> None:
    server = await make_server()
    port = server.port
    async with MllpClient("127.0.0.1", port) as client:
        assert await client.send(b"before") == b"before"
        await server.close()
        await until(lambda: not client.connected)
        with pytest.raises(RetryableError):
            await client.send(b"while down")
        await make_server(port=port)
        assert await client.send(b"after") == b"after"


async def test_idle_close_by_server_is_handled_by_reconnecting(make_server: ServerFactory) -> None:
    server = await make_server(idle_timeout_s=0.1)
    async with MllpClient("127.0.0.1", server.port) as client:
        assert await client.send(b"one") == b"one"
        await until(lambda: not client.connected)
        assert await client.send(b"two") == b"two"


async def test_ack_timeout_raises_retryable_and_drops_connection(make_server: ServerFactory) -> None:
    async def slow_first(inbound: Inbound) -> bytes:
        if inbound.raw == b"slow":
            await asyncio.sleep(0.5)
        return inbound.raw

    server = await make_server(slow_first)
    async with MllpClient("127.0.0.1", server.port, ack_timeout_s=0.1) as client:
        with pytest.raises(RetryableError, match="no response"):
            await client.send(b"slow")
        assert not client.connected
        # A fresh connection: the late answer to "slow" can never be taken for this one.
        assert await client.send(b"next") == b"next"
        await asyncio.sleep(0.6)
        assert await client.send(b"last") == b"last"


async def test_connection_closed_without_answer_raises_retryable(make_server: ServerFactory) -> None:
    async def fail(inbound: Inbound) -> bytes:
        raise RuntimeError("store down")

    server = await make_server(fail)
    async with MllpClient("127.0.0.1", server.port) as client:
        with pytest.raises(RetryableError, match="lost while waiting"):
            await client.send(MSG)


async def test_broken_response_frame_raises_retryable(raw_server: Callable[..., object]) -> None:
    async def oversize(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\x1c\r")
        writer.write(encode(b"A" * 2000))
        await writer.drain()

    port = await raw_server(oversize)  # type: ignore[misc]
    async with MllpClient("127.0.0.1", port, max_frame_bytes=1000) as client:
        with pytest.raises(RetryableError, match="bad response frame"):
            await client.send(MSG)
        assert not client.connected


async def test_unsolicited_frame_drops_the_connection(raw_server: Callable[..., object]) -> None:
    async def double(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await reader.readuntil(b"\x1c\r")
            writer.write(encode(b"answer") + encode(b"extra"))
            await writer.drain()

    port = await raw_server(double)  # type: ignore[misc]
    async with MllpClient("127.0.0.1", port) as client:
        assert await client.send(MSG) == b"answer"
        await until(lambda: not client.connected)
        assert await client.send(MSG) == b"answer"  # reconnected, never "extra"


async def test_cancelled_send_drops_the_connection(make_server: ServerFactory) -> None:
    async def slow(inbound: Inbound) -> bytes:
        await asyncio.sleep(0.3 if inbound.raw == b"slow" else 0)
        return inbound.raw

    server = await make_server(slow)
    async with MllpClient("127.0.0.1", server.port) as client:
        task = asyncio.create_task(client.send(b"slow"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not client.connected
        assert await client.send(b"fast") == b"fast"


async def test_send_after_close_raises_retryable(make_server: ServerFactory) -> None:
    server = await make_server()
    client = MllpClient("127.0.0.1", server.port)
    await client.send(MSG)
    await client.close()
    with pytest.raises(RetryableError, match="closed"):
        await client.send(MSG)
