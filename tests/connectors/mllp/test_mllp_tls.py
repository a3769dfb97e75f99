"""TLS and mutual TLS for the MLLP server and client, with trustme certificates and real sockets."""

from __future__ import annotations

import asyncio
import ssl

import pytest
from mllp_support import MSG, Connect, Pki, ServerFactory, until

from suture.config.base import TlsClientConfig, TlsServerConfig
from suture.connectors.base import Inbound
from suture.connectors.mllp.client import MllpClient
from suture.connectors.mllp.framing import encode
from suture.connectors.tls import client_context, server_context
from suture.errors import ConfigError, RetryableError


async def test_tls_roundtrip(make_server: ServerFactory, pki: Pki) -> None:
    server = await make_server(ssl_context=server_context(pki.server()))
    async with MllpClient("127.0.0.1", server.port, ssl_context=client_context(pki.client())) as client:
        assert await client.send(MSG) == MSG
        assert await client.send(b"second") == b"second"


async def test_tls_server_refuses_plaintext_frames(make_server: ServerFactory, connect: Connect, pki: Pki) -> None:
    handled: list[Inbound] = []

    async def record(inbound: Inbound) -> bytes:
        handled.append(inbound)
        return b"ok"

    server = await make_server(record, ssl_context=server_context(pki.server()))
    client = await connect(server.port)
    await client.write(encode(MSG))
    assert await client.read_eof() == b""
    assert handled == []


async def test_mutual_tls_accepts_client_with_cert(make_server: ServerFactory, pki: Pki) -> None:
    server = await make_server(ssl_context=server_context(pki.server(mutual=True)))
    ctx = client_context(pki.client(with_cert=True))
    async with MllpClient("127.0.0.1", server.port, ssl_context=ctx) as client:
        assert await client.send(MSG) == MSG


async def test_mutual_tls_rejects_client_without_cert(make_server: ServerFactory, pki: Pki) -> None:
    handled: list[Inbound] = []

    async def record(inbound: Inbound) -> bytes:
        handled.append(inbound)
        return b"ok"

    server = await make_server(record, ssl_context=server_context(pki.server(mutual=True)))
    async with MllpClient("127.0.0.1", server.port, ssl_context=client_context(pki.client())) as client:
        with pytest.raises(RetryableError):
            await client.send(MSG)
    assert handled == []
    await until(lambda: server.connections == 0)


async def test_client_rejects_server_signed_by_unknown_ca(make_server: ServerFactory, pki: Pki) -> None:
    server = await make_server(ssl_context=server_context(pki.server()))
    ctx = client_context(pki.client(ca=pki.other_ca))
    async with MllpClient("127.0.0.1", server.port, ssl_context=ctx) as client:
        with pytest.raises(RetryableError, match=r"connect to 127\.0\.0\.1"):
            await client.send(MSG)


async def test_client_checks_host_name_unless_told_not_to(make_server: ServerFactory, pki: Pki) -> None:
    server = await make_server(ssl_context=server_context(pki.server()))
    strict = client_context(pki.client())
    async with MllpClient("127.0.0.1", server.port, ssl_context=strict, server_hostname="other.test") as client:
        with pytest.raises(RetryableError):
            await client.send(MSG)
    lax = client_context(pki.client(verify_hostname=False))
    async with MllpClient("127.0.0.1", server.port, ssl_context=lax, server_hostname="other.test") as client:
        assert await client.send(MSG) == MSG


def test_server_context_requires_client_cert_only_with_client_ca(pki: Pki) -> None:
    assert server_context(pki.server()).verify_mode == ssl.CERT_NONE
    assert server_context(pki.server(mutual=True)).verify_mode == ssl.CERT_REQUIRED


def test_contexts_refuse_tls_below_1_2(pki: Pki) -> None:
    assert server_context(pki.server()).minimum_version == ssl.TLSVersion.TLSv1_2
    assert client_context(pki.client()).minimum_version == ssl.TLSVersion.TLSv1_2


def test_missing_cert_file_is_a_config_error_naming_the_field() -> None:
    with pytest.raises(ConfigError, match=r"tls\.cert"):
        server_context(TlsServerConfig(cert="/nonexistent/cert.pem", key="/nonexistent/key.pem"))


def test_client_key_without_cert_is_a_config_error(pki: Pki) -> None:
    with pytest.raises(ConfigError, match=r"tls\.key"):
        client_context(TlsClientConfig(ca=pki.ca, key=pki.client_key))


async def test_tls_connections_are_counted_and_closed_on_server_close(make_server: ServerFactory, pki: Pki) -> None:
    server = await make_server(ssl_context=server_context(pki.server()))
    client = MllpClient("127.0.0.1", server.port, ssl_context=client_context(pki.client()))
    await client.send(MSG)
    assert server.connections == 1
    await asyncio.wait_for(server.close(), 5)
    await until(lambda: not client.connected)
    await client.close()
