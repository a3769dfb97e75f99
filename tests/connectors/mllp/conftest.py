"""Fixtures for the MLLP tests: servers on port 0, raw socket clients and trustme certificates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from mllp_support import Connect, Pki, RawClient, ServerFactory, echo

from suture.connectors.mllp.server import Handler, MllpServer


@pytest.fixture
async def make_server() -> AsyncIterator[ServerFactory]:
    """Start MllpServers on 127.0.0.1:0; all are closed at the end of the test."""
    servers: list[MllpServer] = []

    async def make(handler: Handler = echo, port: int = 0, **kwargs: Any) -> MllpServer:
        kwargs.setdefault("max_frame_bytes", 64 * 1024)
        kwargs.setdefault("idle_timeout_s", 30.0)
        server = MllpServer("127.0.0.1", port, handler, **kwargs)
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.close()


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Open raw TCP (or TLS, with ``ssl=``) clients; all are closed at the end of the test."""
    clients: list[RawClient] = []

    async def open_client(port: int, **kwargs: Any) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, **kwargs)
        client = RawClient(reader, writer)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.close()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("pki")
    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("client.suture.test")

    def write(blob: trustme.Blob, name: str) -> str:
        path = Path(root, name)
        blob.write_to_path(str(path))
        return str(path)

    return Pki(
        ca=write(ca.cert_pem, "ca.pem"),
        server_cert=write(server.cert_chain_pems[0], "server.pem"),
        server_key=write(server.private_key_pem, "server.key"),
        client_cert=write(client.cert_chain_pems[0], "client.pem"),
        client_key=write(client.private_key_pem, "client.key"),
        other_ca=write(other.cert_pem, "other-ca.pem"),
    )
