"""MllpSource and MllpSink through their config models, over real sockets."""

from __future__ import annotations

import asyncio
import logging

import pytest
from mllp_support import MSG, Pki, ServerFactory, ack, until

from suture.config.base import TlsClientConfig
from suture.connectors.base import DeliveryResult, Inbound, Outbound, Reply
from suture.connectors.mllp.client import MllpClient
from suture.connectors.mllp.config import MllpSinkConfig, MllpSourceConfig
from suture.connectors.mllp.sink import MllpSink, classify_ack, msa_code
from suture.connectors.mllp.source import MllpSource
from suture.connectors.tls import client_context
from suture.errors import PermanentError, RetryableError


def outbound(payload: bytes = MSG) -> Outbound:
    return Outbound(payload=payload, content_type="application/hl7-v2", idempotency_key="k1", message_id="m1")


async def answering(code: str, make_server: ServerFactory, **kwargs: object) -> MllpSink:
    """A started sink pointed at a server that answers every message with MSA-1 = ``code``."""

    async def reply(inbound: Inbound) -> bytes:
        return ack(code)

    server = await make_server(reply)
    sink = MllpSinkConfig(host="127.0.0.1", port=server.port, **kwargs).build("out", None)  # type: ignore[arg-type]
    await sink.start()
    assert isinstance(sink, MllpSink)
    return sink


# -- source ---------------------------------------------------------------------------------------------


async def test_source_submits_inbound_and_answers_with_reply_body() -> None:
    received: list[Inbound] = []

    async def submit(inbound: Inbound) -> Reply:
        received.append(inbound)
        return Reply(accepted=True, body=ack("AA"))

    source = MllpSourceConfig(port=0).build("adt-in")
    await source.start(submit)
    try:
        assert isinstance(source, MllpSource) and source.port > 0
        async with MllpClient("127.0.0.1", source.port) as client:
            assert await client.send(MSG) == ack("AA")
        assert [(i.raw, i.content_type) for i in received] == [(MSG, "application/hl7-v2")]
    finally:
        await source.close()


async def test_source_passes_transport_errors_to_submit_and_sends_the_nak() -> None:
    async def submit(inbound: Inbound) -> Reply:
        code = "AR" if inbound.transport_error else "AA"
        return Reply(accepted=not inbound.transport_error, body=ack(code))

    source = MllpSource("adt-in", MllpSourceConfig(port=0, max_frame_bytes=100))
    await source.start(submit)
    try:
        async with MllpClient("127.0.0.1", source.port) as client:
            assert msa_code(await client.send(MSG * 10)) == "AR"
            assert msa_code(await client.send(MSG[:50])) == "AA"
    finally:
        await source.close()


async def test_source_submit_failure_closes_without_ack(caplog: pytest.LogCaptureFixture) -> None:
    async def submit(inbound: Inbound) -> Reply:
        raise OSError("disk full")

    source = MllpSource("adt-in", MllpSourceConfig(port=0))
    await source.start(submit)
    try:
        async with MllpClient("127.0.0.1", source.port) as client:
            with pytest.raises(RetryableError):
                await client.send(MSG)
        await until(lambda: source.connections == 0)
    finally:
        await source.close()
    assert "DOE" not in caplog.text


async def test_source_with_tls_from_config(pki: Pki) -> None:
    async def submit(inbound: Inbound) -> Reply:
        return Reply(accepted=True, body=ack("AA"))

    source = MllpSource("adt-in", MllpSourceConfig(port=0, tls=pki.server(mutual=True)))
    await source.start(submit)
    try:
        ctx = client_context(pki.client(with_cert=True))
        async with MllpClient("127.0.0.1", source.port, ssl_context=ctx) as client:
            assert msa_code(await client.send(MSG)) == "AA"
    finally:
        await source.close()


# -- sink -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["AA", "CA"])
async def test_sink_accepts_aa_and_ca(code: str, make_server: ServerFactory) -> None:
    sink = await answering(code, make_server)
    assert await sink.deliver(outbound()) == DeliveryResult(response=code)
    await sink.close()


@pytest.mark.parametrize("code", ["AE", "CE"])
async def test_sink_ae_raises_retryable(code: str, make_server: ServerFactory) -> None:
    sink = await answering(code, make_server)
    with pytest.raises(RetryableError, match=code):
        await sink.deliver(outbound())
    await sink.close()


@pytest.mark.parametrize("code", ["AR", "CR"])
async def test_sink_ar_raises_permanent(code: str, make_server: ServerFactory) -> None:
    sink = await answering(code, make_server)
    with pytest.raises(PermanentError, match=code):
        await sink.deliver(outbound())
    await sink.close()


async def test_sink_unparseable_ack_raises_retryable(make_server: ServerFactory) -> None:
    async def garbage(inbound: Inbound) -> bytes:
        return b"not an ack"

    server = await make_server(garbage)
    sink = MllpSink("out", MllpSinkConfig(host="127.0.0.1", port=server.port))
    await sink.start()
    with pytest.raises(RetryableError, match="unparseable ACK"):
        await sink.deliver(outbound())
    await sink.close()


async def test_sink_timeout_raises_retryable_and_the_connection_is_dropped(make_server: ServerFactory) -> None:
    async def late_first(inbound: Inbound) -> bytes:
        if inbound.raw.endswith(b"late"):
            await asyncio.sleep(0.4)
            return ack("AR")  # must never be read as the answer to the next message
        return ack("AA")

    server = await make_server(late_first)
    sink = MllpSink("out", MllpSinkConfig(host="127.0.0.1", port=server.port, ack_timeout_s=0.1))
    await sink.start()
    with pytest.raises(RetryableError, match="no response"):
        await sink.deliver(outbound(MSG + b"late"))
    await asyncio.sleep(0.5)
    assert await sink.deliver(outbound()) == DeliveryResult(response="AA")
    await sink.close()


async def test_sink_peer_down_raises_retryable() -> None:
    sink = MllpSink("out", MllpSinkConfig(host="127.0.0.1", port=1, connect_timeout_s=1))
    await sink.start()
    with pytest.raises(RetryableError):
        await sink.deliver(outbound())
    await sink.close()


async def test_sink_errors_and_logs_carry_no_payload(
    make_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async def reject_with_text(inbound: Inbound) -> bytes:
        return ack("AR") + b"ERR|||||E|||patient DOE^JANE unknown\r"

    server = await make_server(reject_with_text)
    sink = MllpSink("out", MllpSinkConfig(host="127.0.0.1", port=server.port))
    await sink.start()
    with caplog.at_level(logging.DEBUG), pytest.raises(PermanentError) as info:
        await sink.deliver(outbound())
    await sink.close()
    assert "DOE" not in str(info.value) and "DOE" not in caplog.text


async def test_sink_over_tls_from_config(make_server: ServerFactory, pki: Pki) -> None:
    from suture.connectors.tls import server_context

    async def reply(inbound: Inbound) -> bytes:
        return ack("AA")

    server = await make_server(reply, ssl_context=server_context(pki.server(mutual=True)))
    tls = TlsClientConfig(ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
    sink = MllpSink("out", MllpSinkConfig(host="127.0.0.1", port=server.port, tls=tls))
    await sink.start()
    assert await sink.deliver(outbound()) == DeliveryResult(response="AA")
    await sink.close()


async def test_deliver_before_start_raises_retryable() -> None:
    sink = MllpSink("out", MllpSinkConfig(host="127.0.0.1", port=2575))
    with pytest.raises(RetryableError, match="not started"):
        await sink.deliver(outbound())


# -- MSA-1 extraction -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ack_bytes", "code"),
    [
        (b"MSH|^~\\&|A\rMSA|AA|1\r", "AA"),
        (b"MSH|^~\\&|A\r\nMSA|ae|1\r\n", "AE"),  # CRLF line ends, lower case
        (b"MSH#^~\\&#A\rMSA#AR#1", "AR"),  # another field separator, no trailing CR
        (b"\nMSH|^~\\&|A\rERR|x\rMSA|CA\r", "CA"),  # leading newline, MSA not second
        (b"MSH|^~\\&|A\rMSA||1\r", None),  # empty MSA-1: no usable code
        (b"MSH|^~\\&|A\rMSA|AA^extra|1\r", "AA"),  # a component after the code
        (b"MSH|^~\\&|A\r", None),  # no MSA
        (b"garbage", None),  # no MSH
        (b"", None),
    ],
)
def test_msa_code_reads_msa_1(ack_bytes: bytes, code: str | None) -> None:
    assert msa_code(ack_bytes) == code


def test_unknown_ack_code_is_retryable() -> None:
    with pytest.raises(RetryableError, match="unknown MSA-1"):
        classify_ack(b"MSH|^~\\&|A\rMSA|ZZ|1\r")
