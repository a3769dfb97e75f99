"""TLS context for the HTTP sink, built from :class:`~suture.config.base.TlsClientConfig`."""

from __future__ import annotations

import ssl

from suture.config.base import TlsClientConfig


def client_ssl_context(config: TlsClientConfig) -> ssl.SSLContext:
    """Return a client context that verifies the server (system CAs unless ``ca`` is set).

    ``cert``/``key`` add a client certificate for mutual TLS. ``verify_hostname: false`` keeps certificate
    verification but skips the host name check (for peers addressed by an IP their certificate lacks).

    >>> client_ssl_context(TlsClientConfig()).verify_mode == ssl.CERT_REQUIRED
    True
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=config.ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = config.verify_hostname
    if config.cert:
        context.load_cert_chain(config.cert, config.key)
    return context
