"""Fixtures for the Tryton tests: the `tryton` marker, an installed Tryton, a database seeded once per run,
and a fresh server over a copy of it for every test."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tryton_support import HOW_TO_INSTALL, Seeded, TrytonServer, ensure_installed, seed

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "tryton: needs Tryton 7.0 (installed by scripts/tryton/) run as a process")


@pytest.fixture(scope="session")
def tryton_installed() -> None:
    """Install and initialise Tryton under var/tryton when needed (cached there for later runs). In CI a
    problem fails the test; elsewhere it skips with how to install."""
    problem = ensure_installed()
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"Tryton could not be set up: {problem}")
    pytest.skip(f"Tryton is not available ({HOW_TO_INSTALL}): {problem}")


@pytest.fixture(scope="session")
def seeded_database(tryton_installed: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """The pristine database seeded over JSON-RPC by a real server, once; each test gets its own copy."""
    server = TrytonServer(tmp_path_factory.mktemp("tryton-seed"))
    server.start()

    async def run() -> Seeded:
        async with server.client() as client:
            return await seed(client)

    try:
        seeded = asyncio.run(run())
    finally:
        server.stop()
    return server.served_file, seeded


@pytest.fixture
def seeded(seeded_database: tuple[Path, Seeded]) -> Seeded:
    return seeded_database[1]


@pytest.fixture
def tryton_server(seeded_database: tuple[Path, Seeded], tmp_path: Path,
                  request: pytest.FixtureRequest) -> Iterator[TrytonServer]:
    """trytond on a free port over a fresh copy of the seeded database; stopped after the test.
    Parametrize indirectly with ``{"session_max_age_s": n}`` to make sessions expire sooner."""
    server = TrytonServer(tmp_path, database_file=seeded_database[0], **getattr(request, "param", {}))
    server.start()
    try:
        yield server
    finally:
        server.stop()
