"""HttpSink against a real aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import ssl
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
import trustme
from aiohttp import web

from suture.config.base import TlsClientConfig
from suture.connectors.base import Outbound
from suture.connectors.http.config import HttpSinkConfig
from suture.connectors.http.sink import HttpSink
from suture.errors import PermanentError, RetryableError

PHI_PAYLOAD = b"MSH|^~\\&|A|B|C|D|202401011200||ADT^A01|1|P|2.5\rPID|1||12345||DOE^JANE\r"
PHI_RESPONSE = b"error: patient DOE^JANE MRN 12345 not found"


@dataclass
class Seen:
    method: str
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int]


@dataclass
class FakeReceiver:
    """A real HTTP server whose answers the test scripts: queued statuses, then 201."""

    statuses: deque[int] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)
    hold: asyncio.Event | None = None  # when set, handlers wait for it (slow server)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        peer = request.transport.get_extra_info("peername") if request.transport else ("", 0)
        self.seen.append(Seen(request.method, dict(request.headers), body, peer))
        if self.hold is not None:
            await self.hold.wait()
        status = self.statuses.popleft() if self.statuses else 201
        return web.Response(status=status, body=PHI_RESPONSE, headers={"Location": "http://127.0.0.1:9/x"})

    @property
    def connections(self) -> set[tuple[str, int]]:
        return {seen.peer for seen in self.seen}


async def serve(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]], ssl_context: ssl.SSLContext | None = None
) -> tuple[web.AppRunner, int]:
    app = web.Application()
    app.router.add_route("*", "/in", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context).start()
    return runner, runner.addresses[0][1]


@pytest.fixture
async def receiver() -> AsyncIterator[FakeReceiver]:
    fake = FakeReceiver()
    runner, port = await serve(fake.handle)
    fake.url = f"http://127.0.0.1:{port}/in"
    yield fake
    if fake.hold is not None:
        fake.hold.set()
    await runner.cleanup()


@pytest.fixture
async def make_sink() -> AsyncIterator[Callable[..., Awaitable[HttpSink]]]:
    sinks: list[HttpSink] = []

    async def make(url: str, **config: object) -> HttpSink:
        sink = HttpSink("erp", HttpSinkConfig(url=url, **config))  # type: ignore[arg-type]
        await sink.start()
        sinks.append(sink)
        return sink

    yield make
    for sink in sinks:
        await sink.close()


def outbound(
    payload: bytes = PHI_PAYLOAD, key: str = "chan1:env42:erp", headers: dict[str, str] | None = None
) -> Outbound:
    return Outbound(payload, "application/hl7-v2", key, "env42", headers=headers or {})


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_2xx_is_delivered_with_raw_body_and_status_summary(receiver, make_sink):
    sink = await make_sink(receiver.url)
    result = await sink.deliver(outbound())
    assert result.response == "HTTP 201"
    [seen] = receiver.seen
    assert (seen.method, seen.body) == ("POST", PHI_PAYLOAD)
    assert seen.headers["Content-Type"] == "application/hl7-v2"


async def test_put_method_is_used_when_configured(receiver, make_sink):
    sink = await make_sink(receiver.url, method="PUT")
    await sink.deliver(outbound())
    assert receiver.seen[0].method == "PUT"


@pytest.mark.parametrize("status", [500, 502, 503, 408, 425, 429])
async def test_server_errors_and_throttling_are_retryable(receiver, make_sink, status):
    receiver.statuses.append(status)
    sink = await make_sink(receiver.url)
    with pytest.raises(RetryableError, match=f"HTTP {status}"):
        await sink.deliver(outbound())


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_client_errors_are_permanent(receiver, make_sink, status):
    receiver.statuses.append(status)
    sink = await make_sink(receiver.url)
    with pytest.raises(PermanentError, match=f"HTTP {status}"):
        await sink.deliver(outbound())


async def test_redirect_is_permanent_and_not_followed(receiver, make_sink):
    receiver.statuses.append(302)
    sink = await make_sink(receiver.url)
    with pytest.raises(PermanentError, match="HTTP 302"):
        await sink.deliver(outbound())
    assert len(receiver.seen) == 1


async def test_slow_server_times_out_as_retryable(receiver, make_sink):
    receiver.hold = asyncio.Event()
    sink = await make_sink(receiver.url, timeout_s=0.1)
    with pytest.raises(RetryableError, match="timeout"):
        await sink.deliver(outbound())


async def test_connection_refused_is_retryable(make_sink):
    sink = await make_sink(f"http://127.0.0.1:{unused_port()}/in")
    with pytest.raises(RetryableError, match="env42"):
        await sink.deliver(outbound())


async def test_idempotency_key_is_sent_identically_on_every_retry(receiver, make_sink):
    receiver.statuses.extend([503, 429])
    sink = await make_sink(receiver.url, idempotency_header="X-Dedup")
    item = outbound()
    for _ in range(2):
        with pytest.raises(RetryableError):
            await sink.deliver(item)
    await sink.deliver(item)
    assert [seen.headers["X-Dedup"] for seen in receiver.seen] == ["chan1:env42:erp"] * 3


async def test_config_and_item_headers_are_sent_but_cannot_replace_the_idempotency_key(receiver, make_sink):
    sink = await make_sink(receiver.url, headers={"Authorization": "Bearer t", "X-Env": "config"})
    await sink.deliver(outbound(headers={"X-Env": "item", "idempotency-key": "forged"}))
    headers = receiver.seen[0].headers
    assert headers["Authorization"] == "Bearer t"
    assert headers["X-Env"] == "item"
    assert headers["Idempotency-Key"] == "chan1:env42:erp"


async def test_json_body_wraps_payload_with_ids(receiver, make_sink):
    sink = await make_sink(receiver.url, body="json")
    await sink.deliver(outbound())
    seen = receiver.seen[0]
    assert seen.headers["Content-Type"] == "application/json"
    assert json.loads(seen.body) == {
        "message_id": "env42",
        "content_type": "application/hl7-v2",
        "payload": PHI_PAYLOAD.decode(),
    }


async def test_json_body_carries_exact_bytes_in_base64_when_payload_is_not_utf8(receiver, make_sink):
    sink = await make_sink(receiver.url, body="json")
    latin1 = "PID|1||1||MÜLLER^JÖRG".encode("latin-1")
    await sink.deliver(outbound(latin1))
    document = json.loads(receiver.seen[0].body)
    assert base64.b64decode(document["payload_base64"]) == latin1
    assert document["payload"].startswith("PID|1||1||M")


async def test_sequential_deliveries_reuse_one_keep_alive_connection(receiver, make_sink):
    sink = await make_sink(receiver.url)
    for n in range(20):
        await sink.deliver(outbound(key=f"k{n}"))
    assert len(receiver.seen) == 20
    assert len(receiver.connections) == 1


async def test_concurrent_deliveries_never_open_more_than_max_connections(receiver, make_sink):
    sink = await make_sink(receiver.url, max_connections=3)
    results = await asyncio.gather(*(sink.deliver(outbound(key=f"k{n}")) for n in range(50)))
    assert {result.response for result in results} == {"HTTP 201"}
    assert len(receiver.connections) <= 3


async def test_connection_stays_reusable_after_an_error_status(receiver, make_sink):
    receiver.statuses.extend([503, 400])
    sink = await make_sink(receiver.url)
    for error in (RetryableError, PermanentError):
        with pytest.raises(error):
            await sink.deliver(outbound())
    await sink.deliver(outbound())
    assert len(receiver.connections) == 1


@pytest.mark.parametrize("status", [400, 503])
async def test_error_text_names_ids_and_status_but_no_payload_or_response_body(receiver, make_sink, status):
    receiver.statuses.append(status)
    sink = await make_sink(receiver.url)
    with pytest.raises((RetryableError, PermanentError)) as caught:
        await sink.deliver(outbound())
    text = str(caught.value)
    assert "env42" in text and str(status) in text and "erp" in text
    for secret in ("DOE", "JANE", "12345", "MRN"):
        assert secret not in text


async def test_deliver_before_start_is_a_programming_error():
    sink = HttpSink("erp", HttpSinkConfig(url="http://127.0.0.1:9/in"))
    with pytest.raises(RuntimeError, match="not started"):
        await sink.deliver(outbound())


async def test_close_is_idempotent(make_sink, receiver):
    sink = await make_sink(receiver.url)
    await sink.close()
    await sink.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_receiver(ca: trustme.CA, tmp_path) -> AsyncIterator[FakeReceiver]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    fake = FakeReceiver()
    runner, port = await serve(fake.handle, server_context)
    fake.url = f"https://127.0.0.1:{port}/in"
    yield fake
    await runner.cleanup()


async def test_tls_delivery_verifies_the_server_against_the_configured_ca(
    tls_receiver, make_sink, ca, tmp_path
):
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    sink = await make_sink(tls_receiver.url, tls=TlsClientConfig(ca=str(ca_file)))
    assert (await sink.deliver(outbound())).response == "HTTP 201"


async def test_tls_server_with_untrusted_certificate_is_not_sent_the_payload(tls_receiver, make_sink):
    sink = await make_sink(tls_receiver.url, tls=TlsClientConfig())
    with pytest.raises(RetryableError):
        await sink.deliver(outbound())
    assert tls_receiver.seen == []
