"""MllpServer over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from mllp_support import MSG, Connect, RawClient, ServerFactory, echo, until

from suture.connectors.base import Inbound
from suture.connectors.mllp.framing import MISSING_END, START, encode, oversize_error
from suture.connectors.mllp.server import CONTENT_TYPE


async def test_port_zero_binds_a_real_port(make_server: ServerFactory) -> None:
    server = await make_server()
    assert server.port > 0


async def test_frame_is_answered_with_handler_bytes(make_server: ServerFactory, connect: Connect) -> None:
    server = await make_server()
    client = await connect(server.port)
    await client.write(encode(MSG))
    assert await client.read_frame() == MSG


async def test_inbound_carries_content_type_and_peer(make_server: ServerFactory, connect: Connect) -> None:
    seen: list[Inbound] = []

    async def record(inbound: Inbound) -> bytes:
        seen.append(inbound)
        return b"ok"

    server = await make_server(record)
    client = await connect(server.port)
    await client.write(encode(MSG))
    await client.read_frame()
    host, port = client.writer.get_extra_info("sockname")[:2]
    assert seen == [Inbound(raw=MSG, content_type=CONTENT_TYPE, peer=f"{host}:{port}")]


async def test_frame_split_across_reads_is_reassembled(make_server: ServerFactory, connect: Connect) -> None:
    server = await make_server()
    client = await connect(server.port)
    data = encode(MSG)
    for piece in (data[:1], data[1:20], data[20:-1], data[-1:]):
        await client.write(piece)
        await asyncio.sleep(0.02)  # separate TCP segments
    assert await client.read_frame() == MSG


async def test_several_frames_in_one_read_are_answered_in_order(make_server: ServerFactory, connect: Connect) -> None:
    async def slow_first(inbound: Inbound) -> bytes:
        # Earlier frames take longer: answers must still come back in arrival order.
        await asyncio.sleep(0.05 if inbound.raw.endswith(b"0") else 0)
        return inbound.raw

    server = await make_server(slow_first)
    client = await connect(server.port)
    payloads = [MSG + str(i).encode() for i in range(10)]
    await client.write(b"".join(encode(p) for p in payloads))
    assert [await client.read_frame() for _ in payloads] == payloads


async def test_large_pipelined_burst_is_answered_in_order(make_server: ServerFactory, connect: Connect) -> None:
    server = await make_server()
    client = await connect(server.port)
    payloads = [MSG + str(i).encode() for i in range(2000)]  # beyond the read backlog limit
    await client.write(b"".join(encode(p) for p in payloads))
    assert [await client.read_frame() for _ in payloads] == payloads


async def test_junk_between_frames_is_ignored(make_server: ServerFactory, connect: Connect) -> None:
    server = await make_server()
    client = await connect(server.port)
    await client.write(b"\r\n" + encode(b"one") + b"\r\njunk\n" + encode(b"two") + b"\n")
    assert [await client.read_frame(), await client.read_frame()] == [b"one", b"two"]


async def test_missing_end_byte_then_new_start_reports_error(make_server: ServerFactory, connect: Connect) -> None:
    server = await make_server()
    client = await connect(server.port)
    await client.write(START + b"MSH|broken" + encode(MSG))
    assert await client.read_frame() == b"ERR " + MISSING_END.encode()
    assert await client.read_frame() == MSG


async def test_oversize_frame_is_reported_and_connection_stays_up(make_server: ServerFactory, connect: Connect) -> None:
    seen: list[Inbound] = []

    async def record(inbound: Inbound) -> bytes:
        seen.append(inbound)
        return await echo(inbound)

    server = await make_server(record, max_frame_bytes=1000)
    client = await connect(server.port)
    await client.write(encode(b"MSH|" + b"x" * 100_000))
    assert await client.read_frame() == b"ERR " + oversize_error(1000).encode()
    assert seen[0].raw == (b"MSH|" + b"x" * 100_000)[:1000]
    assert seen[0].transport_error == "frame exceeds max_frame_bytes (1000)"
    await client.write(encode(MSG[:500]))
    assert await client.read_frame() == MSG[:500]


async def test_idle_connection_is_closed(make_server: ServerFactory, connect: Connect) -> None:
    server = await make_server(idle_timeout_s=0.2)
    client = await connect(server.port)
    await client.write(encode(MSG))
    assert await client.read_frame() == MSG
    assert await client.read_eof() == b""
    await until(lambda: server.connections == 0)


async def test_connection_busy_in_handler_is_not_idle(make_server: ServerFactory, connect: Connect) -> None:
    async def slow(inbound: Inbound) -> bytes:
        await asyncio.sleep(0.5)
        return b"done"

    server = await make_server(slow, idle_timeout_s=0.2)
    client = await connect(server.port)
    await client.write(encode(MSG))
    assert await client.read_frame() == b"done"


async def test_many_concurrent_connections(make_server: ServerFactory, connect: Connect) -> None:
    server = await make_server()
    clients = [await connect(server.port) for _ in range(100)]
    await until(lambda: server.connections == 100)

    async def converse(i: int, client: RawClient) -> list[bytes]:
        answers = []
        for n in range(20):
            await client.write(encode(b"%d-%d" % (i, n)))
            answers.append(await client.read_frame())
        return answers

    results = await asyncio.gather(*(converse(i, c) for i, c in enumerate(clients)))
    assert results == [[b"%d-%d" % (i, n) for n in range(20)] for i in range(100)]


async def test_handler_failure_closes_without_ack(make_server: ServerFactory, connect: Connect) -> None:
    async def fail_on_second(inbound: Inbound) -> bytes:
        if inbound.raw == b"second":
            raise RuntimeError("journal unavailable")
        return inbound.raw

    server = await make_server(fail_on_second)
    client = await connect(server.port)
    await client.write(encode(b"first") + encode(b"second") + encode(b"third"))
    assert await client.read_frame() == b"first"
    assert await client.read_eof() == b""  # no answer for "second", none for "third"
    other = await connect(server.port)  # the listener itself is unaffected
    await other.write(encode(b"fourth"))
    assert await other.read_frame() == b"fourth"


async def test_handler_failure_is_logged_without_payload(
    make_server: ServerFactory, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    async def fail(inbound: Inbound) -> bytes:
        raise ValueError(f"cannot parse {inbound.raw!r}")  # an exception text that leaks the payload

    server = await make_server(fail)
    client = await connect(server.port)
    with caplog.at_level(logging.DEBUG, logger="suture.connectors.mllp"):
        await client.write(encode(MSG))
        assert await client.read_eof() == b""
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"{len(MSG)}-byte frame" in text
    assert "DOE" not in text and "12345" not in text


async def test_half_closed_client_still_gets_its_answers(make_server: ServerFactory, connect: Connect) -> None:
    async def slow(inbound: Inbound) -> bytes:
        await asyncio.sleep(0.05)
        return inbound.raw

    server = await make_server(slow)
    client = await connect(server.port)
    await client.write(encode(b"one") + encode(b"two"))
    client.writer.write_eof()
    assert await client.read_frame() == b"one"
    assert await client.read_frame() == b"two"
    assert await client.read_eof() == b""


async def test_close_answers_in_flight_frame_then_disconnects(make_server: ServerFactory, connect: Connect) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def blocking(inbound: Inbound) -> bytes:
        entered.set()
        await release.wait()
        return b"durable"

    server = await make_server(blocking)
    client = await connect(server.port)
    idle = await connect(server.port)
    await client.write(encode(MSG) + encode(b"queued, never started"))
    await entered.wait()
    closing = asyncio.create_task(server.close())
    assert await idle.read_eof() == b""  # connections with nothing in flight close at once
    release.set()
    assert await client.read_frame() == b"durable"
    assert await client.read_eof() == b""
    await closing
    assert server.connections == 0


async def test_closed_server_refuses_connections(make_server: ServerFactory) -> None:
    server = await make_server()
    port = server.port
    await server.close()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


async def test_connection_count_follows_clients(make_server: ServerFactory, connect: Connect) -> None:
    server = await make_server()
    a = await connect(server.port)
    b = await connect(server.port)
    await until(lambda: server.connections == 2)
    await a.close()
    await b.close()
    await until(lambda: server.connections == 0)


async def test_handler_returning_non_bytes_closes_without_answer(make_server: ServerFactory, connect: Connect) -> None:
    async def broken(inbound: Inbound) -> bytes:
        return None  # type: ignore[return-value]

    server = await make_server(broken)
    client = await connect(server.port)
    await client.write(encode(MSG))
    assert await client.read_eof() == b""


async def test_close_gives_up_on_a_stuck_handler_after_close_timeout(
    make_server: ServerFactory, connect: Connect
) -> None:
    entered = asyncio.Event()

    async def stuck(inbound: Inbound) -> bytes:
        entered.set()
        await asyncio.Event().wait()
        return b"never"

    server = await make_server(stuck, close_timeout_s=0.2)
    client = await connect(server.port)
    await client.write(encode(MSG))
    await entered.wait()
    await asyncio.wait_for(server.close(), 5)
    assert await client.read_eof() == b""
