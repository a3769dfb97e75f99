"""Config for the MLLP source and sink."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from suture.config.base import Strict, TlsClientConfig, TlsServerConfig

if TYPE_CHECKING:
    from suture.connectors.base import BuildContext, Sink, Source


class MllpSourceConfig(Strict):
    """Listen for HL7 v2 over MLLP. Each frame is journaled before its ACK is sent."""

    type: Literal["mllp"] = "mllp"
    host: str = "127.0.0.1"
    port: int = Field(default=2575, ge=0, le=65535)
    max_frame_bytes: int = Field(default=4 * 1024 * 1024, gt=0, description="larger frames are NAKed")
    idle_timeout_s: float = Field(default=300.0, gt=0, description="close connections idle this long")
    tls: TlsServerConfig | None = None

    def build(self, name: str) -> Source:
        from suture.connectors.mllp.source import MllpSource

        return MllpSource(name, self)


class MllpSinkConfig(Strict):
    """Send HL7 v2 over one persistent MLLP connection and interpret the ACK (AA ok, AE retry, AR fail)."""

    type: Literal["mllp"] = "mllp"
    host: str
    port: int = Field(ge=1, le=65535)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    ack_timeout_s: float = Field(default=30.0, gt=0)
    tls: TlsClientConfig | None = None

    def build(self, name: str, ctx: BuildContext) -> Sink:
        from suture.connectors.mllp.sink import MllpSink

        return MllpSink(name, self)
