"""Config for the HTTP source and sink."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from suture.config.base import Strict, TlsClientConfig
from suture.connectors.http.wire import CLIENT_HEADERS, check_header

if TYPE_CHECKING:
    from suture.connectors.base import BuildContext, Sink, Source


class HttpSourceConfig(Strict):
    """Accept raw payloads by HTTP POST on ``host:port`` + ``path``; answers after the journal commit."""

    type: Literal["http"] = "http"
    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=0, le=65535)
    path: str = "/"
    max_body_bytes: int = Field(default=16 * 1024 * 1024, gt=0)

    def build(self, name: str) -> Source:
        from suture.connectors.http.source import HttpSource

        return HttpSource(name, self)


class HttpSinkConfig(Strict):
    """POST (or PUT) each message to ``url`` over pooled keep-alive connections (our lean HTTP/1.1 client, ADR 0008).

    5xx, 408, 429, timeouts and connection errors are retryable; other 4xx are permanent.
    """

    type: Literal["http"] = "http"
    url: str
    method: Literal["POST", "PUT"] = "POST"
    body: Literal["raw", "json"] = Field(
        default="raw", description="raw: payload as is; json: {message_id, content_type, payload}"
    )
    headers: dict[str, str] = Field(default_factory=dict)
    idempotency_header: str = "Idempotency-Key"
    timeout_s: float = Field(default=30.0, gt=0)
    max_connections: int = Field(default=16, gt=0)
    tls: TlsClientConfig | None = None

    @field_validator("headers")
    @classmethod
    def _headers_are_single_lines(cls, headers: dict[str, str]) -> dict[str, str]:
        """No header injection (CR/LF), and no framing headers: the client sets those itself."""
        for name, value in headers.items():
            check_header(name, value)
            if name.lower() in CLIENT_HEADERS:
                raise ValueError(f"header {name} is set by the HTTP client")
        return headers

    @field_validator("idempotency_header")
    @classmethod
    def _idempotency_header_is_a_name(cls, name: str) -> str:
        check_header(name, "")
        if name.lower() in CLIENT_HEADERS | {"host", "content-type"}:
            raise ValueError(f"header {name} cannot carry the idempotency key")
        return name

    def build(self, name: str, ctx: BuildContext) -> Sink:
        from suture.connectors.http.sink import HttpSink

        return HttpSink(name, self)
