"""Shared fixtures: the public sample corpus and the real servers (PostgreSQL, NATS)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("SUTURE_CORPUS", ROOT.parent / "shared" / "corpus"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

START_HINTS = {
    5432: "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    4222: (
        "start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- "
        "-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log"
    ),
}


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared public corpus (../shared/corpus); tests using it skip where it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"sample corpus not found at {CORPUS} (set SUTURE_CORPUS)")
    return CORPUS


def require_server(name: str, port: int) -> None:
    """Fail in CI, skip elsewhere, when a real server the test needs is not listening on 127.0.0.1."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return
    except OSError:
        msg = f"{name} is not listening on 127.0.0.1:{port}; {START_HINTS.get(port, '')}"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    require_server("PostgreSQL", 5432)
    return os.environ.get("SUTURE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_schema_url(postgres_url: str) -> Iterator[str]:
    """A throwaway schema in the test database, dropped afterwards."""
    import psycopg

    schema = f"suture_t_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
