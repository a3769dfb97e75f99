"""The journal contract suite runs once per backend and writer: SQLite with its default loop writer, SQLite
with the thread writer, and a real PostgreSQL (thread writer)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from suture.store import Journal, open_journal


@pytest.fixture(params=["sqlite", "sqlite-thread", "postgres"])
def journal_setup(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(database URL, journal writer)"""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_schema_url")), "auto"
    return f"sqlite:///{tmp_path}/journal.db", "thread" if request.param == "sqlite-thread" else "auto"


@pytest.fixture
def journal_url(journal_setup: tuple[str, str]) -> str:
    return journal_setup[0]


@pytest.fixture
async def journal(journal_setup: tuple[str, str], tmp_path: Path) -> AsyncIterator[Journal]:
    url, writer = journal_setup
    j = open_journal(url, tmp_path, writer=writer)
    await j.open()
    yield j
    await j.close()
