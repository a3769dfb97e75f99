"""HTTP sink: POST (or PUT) each message to one URL over pooled keep-alive connections.

The sink only classifies the outcome; the runtime owns retries:

* 2xx -> :class:`DeliveryResult` ``"HTTP <status>"``
* 5xx, 408, 425, 429, timeouts, connection and TLS errors, malformed responses -> :class:`RetryableError`
* any other status (3xx, 4xx) -> :class:`PermanentError`; redirects are not followed, so a payload is
  never sent anywhere but the configured URL. An unusable URL or header is permanent too.

Every try carries ``idempotency_header: item.idempotency_key`` so the receiver can drop duplicates; the
client (:mod:`suture.connectors.http.client`, ADR 0008) relies on it when it resends a request once after a
keep-alive connection turned out to be closed. Response bodies are read (to keep the connection reusable)
but never put in exception text: they may hold PHI.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from suture.config.base import TlsClientConfig
from suture.connectors.base import DeliveryResult, Outbound
from suture.connectors.http.client import HttpClient, HttpClientError, InvalidRequest, Origin
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
        self._client: HttpClient | None = None
        self._invalid_url = False

    async def start(self) -> None:
        """Set up the connection pool; connections open on demand. An unusable URL fails each delivery."""
        try:
            https = Origin.parse(self.config.url).scheme == "https"
        except InvalidRequest:
            self._invalid_url = True
            return
        tls = self.config.tls or (TlsClientConfig() if https else None)  # https without tls: system CAs
        # The client's pool holds at most max_connections requests in flight, and its timeout starts once a
        # connection is held, so waiting for one under load never counts against timeout_s.
        self._client = HttpClient(
            self.config.url,
            max_connections=self.config.max_connections,
            timeout_s=self.config.timeout_s,
            ssl_context=client_ssl_context(tls) if tls else None,
        )

    async def deliver(self, item: Outbound) -> DeliveryResult:
        """Send one item; return ``HTTP <status>`` on 2xx, raise Retryable/PermanentError otherwise."""
        if self._client is None:
            if self._invalid_url:
                raise PermanentError(self._failure(item, "invalid URL"))
            raise RuntimeError(f"http sink {self.name} is not started")
        body, headers = self._request_parts(item)
        try:
            # A body that fails to arrive whole after the status line does not undo the status
            # (response.complete is then false): a delivered message must not turn into a retry.
            response = await self._client.request(self.config.method, headers, body)
        except TimeoutError as exc:
            raise RetryableError(self._failure(item, f"timeout after {self.config.timeout_s}s")) from exc
        except InvalidRequest as exc:
            raise PermanentError(self._failure(item, str(exc))) from exc
        except HttpClientError as exc:
            raise RetryableError(self._failure(item, str(exc))) from exc
        return self._classify(response.status, item)

    async def close(self) -> None:
        """Close the pool; idempotent."""
        self._invalid_url = False
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    def _request_parts(self, item: Outbound) -> tuple[bytes, list[tuple[str, str]]]:
        """Body and headers: content type, then config headers, then item headers (a later name replaces an
        earlier one, ignoring case); the idempotency key always wins."""
        if self.config.body == "json":
            body, content_type = json_body(item), "application/json"
        else:
            body, content_type = item.payload, item.content_type
        headers = {"content-type": ("Content-Type", content_type)}
        for extra in (self.config.headers, item.headers):
            for key, value in extra.items():
                headers[key.lower()] = (key, value)
        key = self.config.idempotency_header
        headers[key.lower()] = (key, item.idempotency_key)
        return body, list(headers.values())

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
