"""HTTP sink: POST (or PUT) each message to one URL over pooled keep-alive connections.

The sink only classifies the outcome; the runtime owns retries:

* 2xx -> :class:`DeliveryResult` ``"HTTP <status>"``
* 5xx, 408, 425, 429, timeouts, connection and TLS errors -> :class:`RetryableError`
* any other status (3xx, 4xx) -> :class:`PermanentError`; redirects are not followed, so a payload is
  never sent anywhere but the configured URL.

Every try carries ``idempotency_header: item.idempotency_key`` so the receiver can drop duplicates.
Response bodies are read (to keep the connection reusable) but never put in exception text: they may hold
PHI.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from typing import Any

import aiohttp
import orjson
from multidict import CIMultiDict

from suture.connectors.base import DeliveryResult, Outbound
from suture.connectors.http.config import HttpSinkConfig
from suture.connectors.tls import client_context as client_ssl_context
from suture.errors import PermanentError, RetryableError

RETRYABLE_STATUSES = frozenset({408, 425, 429})


class HttpSink:
    """Deliver :class:`Outbound` items by HTTP.

    >>> sink = HttpSink("erp", HttpSinkConfig(url="http://127.0.0.1:9/in"))
    >>> sink.name
    'erp'
    """

    def __init__(self, name: str, config: HttpSinkConfig) -> None:
        self.name = name
        self.config = config
        self._session: aiohttp.ClientSession | None = None
        # At most max_connections requests in flight. The timeout starts once a slot is held, so waiting
        # for a pooled connection under load never counts against timeout_s.
        self._slots = asyncio.Semaphore(config.max_connections)

    async def start(self) -> None:
        """Open the connection pool."""
        ssl_context = client_ssl_context(self.config.tls) if self.config.tls else True
        connector = aiohttp.TCPConnector(limit=self.config.max_connections, ssl=ssl_context)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.config.timeout_s),
            auto_decompress=True,
        )

    async def deliver(self, item: Outbound) -> DeliveryResult:
        """Send one item; return ``HTTP <status>`` on 2xx, raise Retryable/PermanentError otherwise."""
        if self._session is None:
            raise RuntimeError(f"http sink {self.name} is not started")
        async with self._slots:
            status = await self._send(self._session, item)
        return self._classify(status, item)

    async def close(self) -> None:
        """Close the pool; idempotent."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def _send(self, session: aiohttp.ClientSession, item: Outbound) -> int:
        """Send the request and return the status; map transport failures to Suture errors."""
        body, headers = self._request_parts(item)
        try:
            async with session.request(
                self.config.method, self.config.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                # The status decides the outcome; the body is drained only so the connection can be
                # reused, and a failure while draining must not turn a delivered message into a retry.
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    await response.read()
                return response.status
        except TimeoutError as exc:
            raise RetryableError(self._failure(item, f"timeout after {self.config.timeout_s}s")) from exc
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
            raise PermanentError(self._failure(item, "invalid URL")) from exc
        except aiohttp.ClientError as exc:
            raise RetryableError(self._failure(item, type(exc).__name__)) from exc

    def _request_parts(self, item: Outbound) -> tuple[bytes, CIMultiDict[str]]:
        """Body and headers: content type, then config headers, then item headers; the key always wins."""
        if self.config.body == "json":
            body, content_type = json_body(item), "application/json"
        else:
            body, content_type = item.payload, item.content_type
        headers: CIMultiDict[str] = CIMultiDict({"Content-Type": content_type})
        for extra in (self.config.headers, item.headers):
            for key, value in extra.items():
                headers[key] = value
        headers[self.config.idempotency_header] = item.idempotency_key
        return body, headers

    def _classify(self, status: int, item: Outbound) -> DeliveryResult:
        if 200 <= status < 300:
            return DeliveryResult(response=f"HTTP {status}")
        if status >= 500 or status in RETRYABLE_STATUSES:
            raise RetryableError(self._failure(item, f"HTTP {status}"))
        raise PermanentError(self._failure(item, f"HTTP {status}"))

    def _failure(self, item: Outbound, what: str) -> str:
        """PHI-free error text: sink, ids and what happened, never payload or response bytes."""
        return f"http sink {self.name}: {what} for message {item.message_id}"


def json_body(item: Outbound) -> bytes:
    """The ``body: json`` envelope: ``{message_id, content_type, payload}``.

    ``payload`` is the payload as UTF-8 text. A payload that is not valid UTF-8 also gets
    ``payload_base64`` with its exact bytes (``payload`` then holds replacement characters).

    >>> json_body(Outbound(b"MSH|", "application/hl7-v2", "k1", "m1"))
    b'{"message_id":"m1","content_type":"application/hl7-v2","payload":"MSH|"}'
    """
    document: dict[str, Any] = {"message_id": item.message_id, "content_type": item.content_type}
    try:
        document["payload"] = item.payload.decode("utf-8")
    except UnicodeDecodeError:
        document["payload"] = item.payload.decode("utf-8", errors="replace")
        document["payload_base64"] = base64.b64encode(item.payload).decode("ascii")
    return orjson.dumps(document)
