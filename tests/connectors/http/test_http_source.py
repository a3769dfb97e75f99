"""HttpSource on 127.0.0.1 with a fake submit, driven by a real aiohttp client."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from suture.connectors.base import Inbound, Reply
from suture.connectors.http.config import HttpSourceConfig
from suture.connectors.http.source import HttpSource
from suture.errors import StoreError

PHI_PAYLOAD = b"MSH|^~\\&|A|B|C|D|202401011200||ADT^A01|1|P|2.5\rPID|1||12345||DOE^JANE\r"


class FakeRuntime:
    """Records what was submitted and answers a scripted reply (or raises)."""

    def __init__(self) -> None:
        self.received: list[Inbound] = []
        self.reply = Reply(accepted=True, body=b"MSA|AA|1", status=202, content_type="application/hl7-v2")
        self.error: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def submit(self, inbound: Inbound) -> Reply:
        self.received.append(inbound)
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.reply


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
async def start_source(runtime) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    sources: list[HttpSource] = []

    async def start(**config: object) -> str:
        source = HttpSource("lab-in", HttpSourceConfig(port=0, path="/hl7", **config))  # type: ignore[arg-type]
        await source.start(runtime.submit)
        sources.append(source)
        return f"http://127.0.0.1:{source.port}"

    yield start
    for source in sources:
        await source.close()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_post_is_submitted_and_answered_with_the_runtime_reply(start_source, runtime, client):
    base = await start_source()
    headers = {
        "Content-Type": "application/hl7-v2",
        "X-Correlation-Id": "c-1",
        "Idempotency-Key": "k-1",
        "Authorization": "Bearer secret",
        "Cookie": "s=1",
    }
    async with client.post(f"{base}/hl7", data=PHI_PAYLOAD, headers=headers) as response:
        assert response.status == 202
        assert await response.read() == b"MSA|AA|1"
        assert response.headers["Content-Type"] == "application/hl7-v2"
    [inbound] = runtime.received
    assert inbound.raw == PHI_PAYLOAD
    assert inbound.content_type == "application/hl7-v2"
    assert inbound.peer == "127.0.0.1"
    assert inbound.headers == {"X-Correlation-Id": "c-1", "Idempotency-Key": "k-1"}


async def test_missing_content_type_is_submitted_as_octet_stream(start_source, runtime, client):
    base = await start_source()
    async with client.post(f"{base}/hl7", data=b"abc", skip_auto_headers=["Content-Type"]) as response:
        assert response.status == 202
    assert runtime.received[0].content_type == "application/octet-stream"


async def test_explicit_charset_is_kept_in_the_content_type(start_source, runtime, client):
    base = await start_source()
    headers = {"Content-Type": "application/hl7-v2; charset=ISO-8859-1"}
    async with client.post(f"{base}/hl7", data=b"abc", headers=headers) as response:
        assert response.status == 202
    assert runtime.received[0].content_type == "application/hl7-v2; charset=ISO-8859-1"


async def test_rejected_reply_status_and_body_are_passed_through(start_source, runtime, client):
    runtime.reply = Reply(accepted=False, body=b"MSA|AR|1|bad segment", status=422)
    base = await start_source()
    async with client.post(f"{base}/hl7", data=b"garbage") as response:
        assert response.status == 422
        assert await response.read() == b"MSA|AR|1|bad segment"


async def test_other_methods_on_the_path_get_405(start_source, runtime, client):
    base = await start_source()
    for method in ("GET", "PUT", "DELETE"):
        async with client.request(method, f"{base}/hl7") as response:
            assert response.status == 405
    assert runtime.received == []


async def test_other_paths_get_404(start_source, runtime, client):
    base = await start_source()
    async with client.post(f"{base}/other", data=b"x") as response:
        assert response.status == 404
    assert runtime.received == []


async def test_body_over_the_limit_gets_413_and_is_not_submitted(start_source, runtime, client):
    base = await start_source(max_body_bytes=64)
    async with client.post(f"{base}/hl7", data=b"x" * 65) as response:
        assert response.status == 413
    async with client.post(f"{base}/hl7", data=b"x" * 64) as response:
        assert response.status == 202
    assert [len(inbound.raw) for inbound in runtime.received] == [64]


async def test_submit_failure_answers_503_without_payload_in_body_or_log(
    start_source, runtime, client, caplog
):
    runtime.error = StoreError("could not store message DOE^JANE")
    base = await start_source()
    with caplog.at_level(logging.DEBUG):
        async with client.post(f"{base}/hl7", data=PHI_PAYLOAD) as response:
            assert response.status == 503
            body = await response.read()
    assert "StoreError" in caplog.text
    for text in (body.decode(), caplog.text):
        assert "DOE" not in text and "12345" not in text


async def test_close_lets_an_in_flight_request_finish(runtime, client):
    source = HttpSource("lab-in", HttpSourceConfig(port=0, path="/hl7"))
    await source.start(runtime.submit)
    runtime.gate = asyncio.Event()
    request = asyncio.create_task(client.post(f"http://127.0.0.1:{source.port}/hl7", data=b"x"))
    while not runtime.received:
        await asyncio.sleep(0.01)
    closing = asyncio.create_task(source.close())
    await asyncio.sleep(0.05)
    runtime.gate.set()
    response = await request
    assert response.status == 202
    response.release()
    await closing


async def test_port_before_start_is_an_error():
    with pytest.raises(RuntimeError, match="not started"):
        _ = HttpSource("lab-in", HttpSourceConfig(port=0)).port
