"""Interoperability with python-hl7's MLLP client (blocking sockets) and asyncio MLLP server."""

from __future__ import annotations

import asyncio

import hl7
import hl7.client
import hl7.mllp
from mllp_support import MSG, ServerFactory, ack

from suture.connectors.base import DeliveryResult, Inbound, Outbound
from suture.connectors.mllp.config import MllpSinkConfig
from suture.connectors.mllp.framing import encode
from suture.connectors.mllp.sink import MllpSink


async def test_python_hl7_client_gets_the_ack_from_our_server(make_server: ServerFactory) -> None:
    received: list[bytes] = []

    async def reply(inbound: Inbound) -> bytes:
        received.append(inbound.raw)
        return ack("AA")

    server = await make_server(reply)

    def send_with_python_hl7() -> list[bytes]:
        with hl7.client.MLLPClient("127.0.0.1", server.port) as client:
            return [client.send_message(MSG), client.send_message(MSG.decode())]

    answers = await asyncio.to_thread(send_with_python_hl7)
    assert answers == [encode(ack("AA"))] * 2
    assert received == [MSG, MSG]


async def test_our_sink_delivers_to_python_hl7_server() -> None:
    received: list[str] = []

    async def on_client(reader: hl7.mllp.HL7StreamReader, writer: hl7.mllp.HL7StreamWriter) -> None:
        try:
            while not reader.at_eof():
                message = await reader.readmessage()
                received.append(str(message.segment("MSH")[10]))
                writer.writemessage(message.create_ack("AA"))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    server = await hl7.mllp.start_hl7_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sink = MllpSink("out", MllpSinkConfig(host="127.0.0.1", port=port))
    await sink.start()
    try:
        item = Outbound(payload=MSG, content_type="application/hl7-v2", idempotency_key="k", message_id="m")
        assert await sink.deliver(item) == DeliveryResult(response="AA")
        assert await sink.deliver(item) == DeliveryResult(response="AA")
    finally:
        await sink.close()
        server.close()
        await server.wait_closed()
    assert received == ["MSG0001", "MSG0001"]
