"""Shared pieces of the typed configuration."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Base for every config model: unknown keys are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsServerConfig(Strict):
    """TLS for a listening source. Set ``client_ca`` to require client certificates (mutual TLS)."""

    cert: str = Field(description="PEM certificate chain file")
    key: str = Field(description="PEM private key file")
    client_ca: str | None = Field(default=None, description="PEM CA bundle; when set, clients must present a cert")


class TlsClientConfig(Strict):
    """TLS for an outbound sink. ``cert``/``key`` present a client certificate (mutual TLS)."""

    ca: str | None = Field(default=None, description="PEM CA bundle to verify the server; system CAs if unset")
    cert: str | None = None
    key: str | None = None
    verify_hostname: bool = True
