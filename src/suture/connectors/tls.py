"""Build :class:`ssl.SSLContext` objects from the TLS config models.

Both sides require TLS 1.2 or later. A server with ``client_ca`` requires and verifies client certificates
(mutual TLS). A client verifies the server against ``ca`` (or the system CAs) and checks the host name
unless ``verify_hostname`` is false.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

from suture.config.base import TlsClientConfig, TlsServerConfig
from suture.errors import ConfigError


def server_context(config: TlsServerConfig) -> ssl.SSLContext:
    """A context for a listening source; ``client_ca`` turns on mutual TLS."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    _load(ctx.load_cert_chain, "tls.cert", config.cert, config.key)
    if config.client_ca:
        _load(ctx.load_verify_locations, "tls.client_ca", config.client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def client_context(config: TlsClientConfig) -> ssl.SSLContext:
    """A context for an outbound sink; ``cert``/``key`` present a client certificate."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if config.ca:
        _load(ctx.load_verify_locations, "tls.ca", config.ca)
    ctx.check_hostname = config.verify_hostname
    if config.cert:
        _load(ctx.load_cert_chain, "tls.cert", config.cert, config.key)
    elif config.key:
        raise ConfigError([(config.key, None, "tls.key", "a key needs a cert")])
    return ctx


def _load(method: Callable[..., object], field: str, path: str, *args: str | None) -> None:
    """Call a context loader, turning file and format problems into a ConfigError naming the field."""
    try:
        method(path, *args)
    except OSError as exc:  # ssl.SSLError is an OSError too
        raise ConfigError([(path, None, field, f"cannot load: {exc or type(exc).__name__}")]) from exc
