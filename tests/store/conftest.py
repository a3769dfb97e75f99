"""The journal contract suite runs once per backend: SQLite and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from suture.store import Journal, open_journal


@pytest.fixture(params=["sqlite", "postgres"])
def journal_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/journal.db"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
async def journal(journal_url: str, tmp_path: Path) -> AsyncIterator[Journal]:
    j = open_journal(journal_url, tmp_path)
    await j.open()
    yield j
    await j.close()
