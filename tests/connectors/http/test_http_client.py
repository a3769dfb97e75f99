"""HttpClient (and HttpSink on top of it) against real servers on 127.0.0.1: aiohttp.web and small raw asyncio
servers that misbehave on purpose. Every test runs on asyncio's loop and on uvloop (the engine's default)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import pydantic
import pytest
import trustme
from aiohttp import web

from suture.config.base import TlsClientConfig
from suture.connectors.base import Outbound
from suture.connectors.http.client import (
    ConnectionClosed,
    HttpClient,
    HttpClientError,
    InvalidRequest,
    ResponseError,
)
from suture.connectors.http.config import HttpSinkConfig
from suture.connectors.http.sink import HttpSink
from suture.connectors.http.wire import MAX_BODY_BYTES
from suture.connectors.tls import client_context
from suture.errors import PermanentError, RetryableError

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"asyncio": asyncio.new_event_loop}
with contextlib.suppress(ImportError):
    import uvloop

    LOOPS["uvloop"] = uvloop.new_event_loop

PHI = b"PID|1||12345||DOE^JANE"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
HEADERS = [("Content-Type", "application/hl7-v2"), ("Idempotency-Key", "chan1:env42:erp")]


def on_both_loops(scenario: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Turn an async scenario into a test run once per event loop; its parameters are (sync) fixtures."""
    names = list(inspect.signature(scenario).parameters)

    @pytest.mark.parametrize("loop", list(LOOPS))
    def test(loop: str, request: pytest.FixtureRequest) -> None:
        kwargs = {name: request.getfixturevalue(name) for name in names}
        with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
            runner.run(asyncio.wait_for(scenario(**kwargs), 30))

    test.__name__ = test.__qualname__ = scenario.__name__
    test.__doc__ = scenario.__doc__
    return test


@dataclass
class Seen:
    connection: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Peer:
    """One accepted connection, as the server's handler sees it."""

    server: RawServer
    number: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def read_request(self) -> Seen | None:
        """The next request on this connection, or None when the client closed it."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        lines = head.decode("latin-1").split("\r\n")[1:-2]
        headers = dict(line.split(": ", 1) for line in lines)
        body = await self.reader.readexactly(int(headers.get("Content-Length", "0")))
        seen = Seen(self.number, headers, body)
        self.server.seen.append(seen)
        return seen

    async def wait_closed_by_client(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self.reader.read()
        self.server.closed_by_client += 1


Handler = Callable[[Peer], Awaitable[None]]


@dataclass
class RawServer:
    """A TCP (or TLS) server running ``handler`` per connection; counts connections, concurrent peak, requests."""

    handler: Handler
    ssl_context: ssl.SSLContext | None = None
    accepted: int = 0
    active: int = 0
    peak: int = 0
    closed_by_client: int = 0
    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await self.handler(Peer(self, self.accepted, reader, writer))
        finally:
            self.active -= 1
            writer.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[RawServer]:
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 1)

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl_context else 'http'}://127.0.0.1:{self.port}/in"


def answering(*responses: bytes, then: bytes = OK) -> Handler:
    """Answer requests (on whichever connection) with ``responses`` in turn, then ``then`` for ever."""
    queue = list(responses)

    async def handler(peer: Peer) -> None:
        while await peer.read_request() is not None:
            peer.writer.write(queue.pop(0) if queue else then)
        peer.server.closed_by_client += 1

    return handler


@contextlib.asynccontextmanager
async def client_for(server: RawServer, **options: Any) -> AsyncIterator[HttpClient]:
    client = HttpClient(server.url, **options)
    try:
        yield client
    finally:
        await client.close()


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.005)


async def post(client: HttpClient, body: bytes = PHI, key: str = "chan1:env42:erp") -> int:
    response = await client.request("POST", [("Content-Type", "application/hl7-v2"), ("Idempotency-Key", key)], body)
    return response.status


# --- keep-alive and framing on real connections -------------------------------------------------------------


@on_both_loops
async def test_sequential_requests_reuse_one_keep_alive_connection_to_an_aiohttp_server() -> None:
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.Response(status=201, text="created")

    app = web.Application()
    app.router.add_post("/in", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    client = HttpClient(f"http://127.0.0.1:{runner.addresses[0][1]}/in")
    try:
        statuses = [await post(client, PHI + bytes([65 + n])) for n in range(10)]
        assert statuses == [201] * 10
        assert bodies == [PHI + bytes([65 + n]) for n in range(10)]
        assert client.connections == 1
    finally:
        await client.close()
        await runner.cleanup()


@on_both_loops
async def test_chunked_response_is_read_whole_and_the_connection_reused() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n"

    async def dribble(peer: Peer) -> None:  # one byte per write: every parser state sees a split
        while await peer.read_request() is not None:
            for i in range(len(chunked)):
                peer.writer.write(chunked[i : i + 1])
                await peer.writer.drain()

    async with RawServer(dribble).running() as server, client_for(server) as client:
        responses = [await client.request("POST", HEADERS, PHI) for _ in range(3)]
        assert [(r.status, r.body_prefix, r.complete) for r in responses] == [(200, b"hello", True)] * 3
        assert server.accepted == 1


@on_both_loops
async def test_close_delimited_body_ends_with_the_connection_which_is_not_reused() -> None:
    async def close_delimited(peer: Peer) -> None:
        await peer.read_request()
        peer.writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
        await peer.writer.drain()

    async with RawServer(close_delimited).running() as server, client_for(server) as client:
        first = await client.request("POST", HEADERS, PHI)
        assert (first.status, first.body_prefix, first.complete) == (200, b"all of it", True)
        assert await post(client) == 200
        assert server.accepted == 2


@on_both_loops
async def test_connection_close_response_makes_the_client_close_and_open_a_new_one() -> None:
    close = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    async with RawServer(answering(close, close)).running() as server, client_for(server) as client:
        assert [await post(client), await post(client)] == [200, 200]
        await until(lambda: server.closed_by_client == 2)  # the server kept them open; the client closed them
        assert server.accepted == 2


@on_both_loops
async def test_http_1_0_response_closes_unless_it_asks_for_keep_alive() -> None:
    plain = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
    keep = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"
    async with RawServer(answering(plain, then=keep)).running() as server, client_for(server) as client:
        assert [await post(client) for _ in range(4)] == [200] * 4
        assert server.accepted == 2  # the first closed, the second carried three requests


@on_both_loops
async def test_interim_1xx_responses_are_skipped_before_the_final_status() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
    async with RawServer(answering(interim + OK)).running() as server, client_for(server) as client:
        assert [await post(client), await post(client)] == [200, 200]
        assert server.accepted == 1


@on_both_loops
async def test_no_content_and_head_responses_have_no_body_and_keep_the_connection() -> None:
    no_content = b"HTTP/1.1 204 No Content\r\n\r\n"
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
    async with RawServer(answering(no_content, head)).running() as server, client_for(server) as client:
        assert await post(client) == 204
        assert (await client.request("HEAD", [])).status == 200
        assert await post(client) == 200
        assert server.accepted == 1


@on_both_loops
async def test_redirect_is_returned_not_followed() -> None:
    redirect = b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:9/x\r\nContent-Length: 0\r\n\r\n"
    async with RawServer(answering(redirect)).running() as server, client_for(server) as client:
        assert await post(client) == 307
        assert len(server.seen) == 1


@on_both_loops
async def test_request_carries_host_length_and_the_callers_headers_but_no_expect() -> None:
    async with RawServer(answering()).running() as server, client_for(server) as client:
        await post(client, key="k-1")
        [seen] = server.seen
        assert seen.headers["Host"] == f"127.0.0.1:{server.port}"
        assert seen.headers["Content-Length"] == str(len(PHI))
        assert seen.headers["Idempotency-Key"] == "k-1"
        assert "Expect" not in seen.headers and seen.body == PHI


# --- stale connections and retries --------------------------------------------------------------------------


@on_both_loops
async def test_idle_connection_closed_by_the_server_is_not_reused() -> None:
    async def one_then_close(peer: Peer) -> None:
        await peer.read_request()
        peer.writer.write(OK)  # keep-alive response, then an idle timeout on the server's side
        await peer.writer.drain()

    async with RawServer(one_then_close).running() as server, client_for(server) as client:
        assert await post(client) == 200
        await until(lambda: client.connections == 0)  # connection_lost noticed while idle
        assert await post(client) == 200
        assert (server.accepted, len(server.seen)) == (2, 2)


@on_both_loops
async def test_reused_connection_closed_before_any_answer_is_retried_once_with_the_same_key() -> None:
    async def drops_second_request(peer: Peer) -> None:
        if peer.number == 1:  # answers one request, then closes on reading the next (a keep-alive race)
            await peer.read_request()
            peer.writer.write(OK)
            await peer.read_request()
            return
        await answering()(peer)

    async with RawServer(drops_second_request).running() as server, client_for(server) as client:
        assert await post(client, key="k-1") == 200
        assert await post(client, key="k-2") == 200
        assert [(seen.connection, seen.headers["Idempotency-Key"]) for seen in server.seen] == [
            (1, "k-1"),
            (1, "k-2"),
            (2, "k-2"),
        ]


@on_both_loops
async def test_fresh_connection_closed_before_any_answer_is_an_error_not_a_retry() -> None:
    async def hang_up(peer: Peer) -> None:
        await peer.read_request()

    async with RawServer(hang_up).running() as server, client_for(server) as client:
        with pytest.raises(ConnectionClosed, match="before the response"):
            await post(client)
        assert server.accepted == 1


@on_both_loops
async def test_connection_cut_inside_the_response_head_is_not_retried() -> None:
    async def half_head(peer: Peer) -> None:
        await peer.read_request()
        peer.writer.write(b"HTTP/1.1 200 OK\r\nContent-Le")
        await peer.writer.drain()

    async with RawServer(half_head).running() as server, client_for(server) as client:
        with pytest.raises(ConnectionClosed, match="inside the response"):
            await post(client)
        assert server.accepted == 1


@on_both_loops
async def test_bytes_sent_on_an_idle_connection_retire_it() -> None:
    async def unsolicited(peer: Peer) -> None:
        await peer.read_request()
        peer.writer.write(OK)
        await asyncio.sleep(0.05)
        peer.writer.write(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")  # Apache-style
        await peer.wait_closed_by_client()

    async with RawServer(unsolicited).running() as server, client_for(server) as client:
        assert await post(client) == 200
        await until(lambda: server.closed_by_client == 1)
        server.handler = answering()
        assert await post(client) == 200
        assert server.accepted == 2


# --- timeouts and the pool ----------------------------------------------------------------------------------


@on_both_loops
async def test_unanswered_request_times_out_and_its_connection_is_closed() -> None:
    async def silent(peer: Peer) -> None:
        await peer.read_request()
        await peer.wait_closed_by_client()

    async with RawServer(silent).running() as server, client_for(server, timeout_s=0.2) as client:
        with pytest.raises(TimeoutError):
            await post(client)
        await until(lambda: server.closed_by_client == 1)
        server.handler = answering()
        assert await post(client) == 200
        assert server.accepted == 2


@on_both_loops
async def test_timeout_while_the_body_trickles_keeps_the_status() -> None:
    async def slow_body(peer: Peer) -> None:
        await peer.read_request()
        peer.writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        await peer.wait_closed_by_client()

    async with RawServer(slow_body).running() as server, client_for(server, timeout_s=0.2) as client:
        response = await client.request("POST", HEADERS, PHI)
        assert (response.status, response.complete) == (200, False)
        await until(lambda: server.closed_by_client == 1)


@on_both_loops
async def test_concurrent_requests_never_use_more_than_max_connections() -> None:
    async def slow(peer: Peer) -> None:
        while await peer.read_request() is not None:
            await asyncio.sleep(0.01)
            peer.writer.write(OK)

    async with RawServer(slow).running() as server, client_for(server, max_connections=4) as client:
        statuses = await asyncio.gather(*(post(client, key=f"k{n}") for n in range(60)))
        assert statuses == [200] * 60
        assert server.peak == 4 and server.accepted == 4
        assert len({seen.headers["Idempotency-Key"] for seen in server.seen}) == 60


@on_both_loops
async def test_waiting_for_a_free_connection_does_not_count_against_the_timeout() -> None:
    async def slow(peer: Peer) -> None:
        while await peer.read_request() is not None:
            await asyncio.sleep(0.1)
            peer.writer.write(OK)

    async with (
        RawServer(slow).running() as server,
        client_for(server, max_connections=1, timeout_s=0.5) as client,
    ):
        assert await asyncio.gather(*(post(client) for _ in range(8))) == [200] * 8  # 0.8 s in all


@on_both_loops
async def test_close_fails_a_request_in_flight_and_later_ones() -> None:
    async def silent(peer: Peer) -> None:
        await peer.read_request()
        await peer.wait_closed_by_client()

    async with RawServer(silent).running() as server:
        client = HttpClient(server.url)
        pending = asyncio.ensure_future(post(client))
        await until(lambda: len(server.seen) == 1)
        await client.close()
        with pytest.raises(ConnectionClosed):
            await pending
        with pytest.raises(ConnectionClosed):
            await post(client)


# --- hostile and broken servers -----------------------------------------------------------------------------


@on_both_loops
async def test_oversized_or_endless_headers_are_an_error() -> None:
    async def endless_headers(peer: Peer) -> None:
        await peer.read_request()
        peer.writer.write(b"HTTP/1.1 200 OK\r\n")
        with contextlib.suppress(ConnectionError):
            for _ in range(200):
                peer.writer.write(b"X-Pad: " + b"p" * 1000 + b"\r\n")
                await peer.writer.drain()
        await peer.wait_closed_by_client()

    async with RawServer(endless_headers).running() as server, client_for(server) as client:
        with pytest.raises(ResponseError, match="head over"):
            await post(client)
        assert client.connections == 0


@on_both_loops
async def test_oversized_body_keeps_the_status_but_closes_the_connection() -> None:
    huge = f"HTTP/1.1 200 OK\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode()
    async with RawServer(answering(huge)).running() as server, client_for(server) as client:
        response = await client.request("POST", HEADERS, PHI)
        assert (response.status, response.complete) == (200, False)
        assert await post(client) == 200
        assert server.accepted == 2


@on_both_loops
async def test_garbage_response_is_an_error_that_names_no_bytes() -> None:
    garbage = RawServer(answering(b"SSH-2.0-OpenSSH " + PHI + b"\r\n\r\n"))
    async with garbage.running() as server, client_for(server) as client:
        with pytest.raises(ResponseError) as caught:
            await post(client)
    assert "malformed" in str(caught.value)
    assert "DOE" not in str(caught.value) and "12345" not in str(caught.value)


@on_both_loops
async def test_header_injection_is_refused_before_anything_is_sent() -> None:
    async with RawServer(answering()).running() as server, client_for(server) as client:
        with pytest.raises(InvalidRequest):
            await client.request("POST", [("X-Env", "prod\r\nX-Injected: 1")], PHI)
        with pytest.raises(InvalidRequest):
            await client.request("POST", [("Content-Length", "1")], PHI)
        assert server.accepted == 0


# --- TLS ----------------------------------------------------------------------------------------------------


@dataclass
class Pki:
    ca: trustme.CA
    ca_file: str
    client_cert: str
    client_key: str

    def server_context(self, *, mutual: bool = False) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1").configure_cert(ctx)
        if mutual:
            self.ca.configure_trust(ctx)
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    ca = trustme.CA()
    root = tmp_path_factory.mktemp("pki")
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    client = ca.issue_cert("sink.suture.test")
    client.cert_chain_pems[0].write_to_path(str(root / "client.pem"))
    client.private_key_pem.write_to_path(str(root / "client.key"))
    return Pki(ca, str(root / "ca.pem"), str(root / "client.pem"), str(root / "client.key"))


@on_both_loops
async def test_tls_requests_reuse_one_verified_connection(pki: Pki) -> None:
    verified = client_context(TlsClientConfig(ca=pki.ca_file))
    async with (
        RawServer(answering(), pki.server_context()).running() as server,
        client_for(server, ssl_context=verified) as client,
    ):
        assert [await post(client) for _ in range(3)] == [200] * 3
        assert server.accepted == 1


@on_both_loops
async def test_tls_server_not_signed_by_the_configured_ca_gets_no_request(pki: Pki) -> None:
    async with RawServer(answering(), pki.server_context()).running() as server:
        async with client_for(server, ssl_context=client_context(TlsClientConfig())) as client:
            with pytest.raises(HttpClientError, match="SSLCertVerificationError"):
                await post(client)
        assert server.seen == []


@on_both_loops
async def test_tls_handshake_that_never_completes_times_out(pki: Pki) -> None:
    async def mute(peer: Peer) -> None:  # plain TCP: accepts, never answers the ClientHello
        await peer.wait_closed_by_client()

    async with RawServer(mute).running() as server:
        url = f"https://127.0.0.1:{server.port}/in"
        client = HttpClient(url, timeout_s=0.2, ssl_context=client_context(TlsClientConfig(ca=pki.ca_file)))
        try:
            with pytest.raises(TimeoutError):
                await post(client)
        finally:
            await client.close()
        await until(lambda: server.closed_by_client == 1)


@on_both_loops
async def test_mutual_tls_presents_the_client_certificate(pki: Pki) -> None:
    mutual = TlsClientConfig(ca=pki.ca_file, cert=pki.client_cert, key=pki.client_key)
    async with RawServer(answering(), pki.server_context(mutual=True)).running() as server:
        async with client_for(server, ssl_context=client_context(mutual)) as client:
            assert await post(client) == 200
        async with client_for(server, ssl_context=client_context(TlsClientConfig(ca=pki.ca_file))) as client:
            with pytest.raises(HttpClientError):
                await post(client)
        assert len(server.seen) == 1


# --- HttpSink on the lean client ----------------------------------------------------------------------------


def outbound(key: str = "chan1:env42:erp") -> Outbound:
    return Outbound(PHI, "application/hl7-v2", key, "env42")


@contextlib.asynccontextmanager
async def sink_for(server: RawServer, **config: Any) -> AsyncIterator[HttpSink]:
    sink = HttpSink("erp", HttpSinkConfig(url=server.url, **config))
    await sink.start()
    try:
        yield sink
    finally:
        await sink.close()


def assert_phi_free(error: BaseException) -> None:
    text = str(error)
    assert "env42" in text and "erp" in text
    for secret in ("DOE", "JANE", "12345"):
        assert secret not in text


@on_both_loops
async def test_sink_maps_broken_responses_to_retryable_errors_without_phi() -> None:
    broken = [b"SSH-2.0 " + PHI + b"\r\n\r\n", b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n", b""]
    for response in broken:

        async def answer_and_close(peer: Peer, response: bytes = response) -> None:
            await peer.read_request()
            peer.writer.write(response)
            await peer.writer.drain()

        async with RawServer(answer_and_close).running() as server, sink_for(server) as sink:
            with pytest.raises(RetryableError) as caught:
                await sink.deliver(outbound())
            assert_phi_free(caught.value)


@on_both_loops
async def test_sink_counts_a_2xx_as_delivered_even_when_its_body_is_oversized() -> None:
    huge = f"HTTP/1.1 200 OK\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode()
    async with RawServer(answering(huge)).running() as server, sink_for(server) as sink:
        assert (await sink.deliver(outbound())).response == "HTTP 200"


@on_both_loops
async def test_sink_timeout_is_retryable() -> None:
    async def silent(peer: Peer) -> None:
        await peer.read_request()
        await peer.wait_closed_by_client()

    async with RawServer(silent).running() as server, sink_for(server, timeout_s=0.2) as sink:
        with pytest.raises(RetryableError, match=r"timeout after 0\.2s") as caught:
            await sink.deliver(outbound())
        assert_phi_free(caught.value)


@on_both_loops
async def test_sink_resend_after_a_keep_alive_race_carries_the_same_idempotency_key() -> None:
    async def drops_second_request(peer: Peer) -> None:
        if peer.number == 1:
            await peer.read_request()
            peer.writer.write(OK)
            await peer.read_request()
            return
        await answering()(peer)

    async with RawServer(drops_second_request).running() as server, sink_for(server) as sink:
        await sink.deliver(outbound("k-1"))
        assert (await sink.deliver(outbound("k-2"))).response == "HTTP 200"
        assert [seen.headers["Idempotency-Key"] for seen in server.seen] == ["k-1", "k-2", "k-2"]


@on_both_loops
async def test_sink_over_mutual_tls(pki: Pki) -> None:
    tls = TlsClientConfig(ca=pki.ca_file, cert=pki.client_cert, key=pki.client_key)
    server = RawServer(answering(), pki.server_context(mutual=True))
    async with server.running(), sink_for(server, tls=tls) as sink:
        assert (await sink.deliver(outbound())).response == "HTTP 200"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/in", "http:///in", "http://127.0.0.1:99999/in"])
async def test_sink_with_an_unusable_url_fails_each_delivery_permanently(url: str) -> None:
    sink = HttpSink("erp", HttpSinkConfig(url=url))
    await sink.start()
    with pytest.raises(PermanentError, match="invalid URL"):
        await sink.deliver(outbound())
    await sink.close()


@pytest.mark.parametrize(
    "config",
    [
        {"headers": {"X-Env": "prod\r\nX-Injected: 1"}},
        {"headers": {"Bad Name": "x"}},
        {"headers": {"Content-Length": "10"}},
        {"headers": {"Transfer-Encoding": "chunked"}},
        {"idempotency_header": "Idempotency Key"},
        {"idempotency_header": "X-Key\r\n"},
    ],
)
def test_config_rejects_header_injection_and_framing_headers(config: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        HttpSinkConfig(url="http://127.0.0.1/in", **config)


def test_every_client_test_runs_on_uvloop_too() -> None:
    pytest.importorskip("uvloop")
    assert set(LOOPS) == {"asyncio", "uvloop"}

