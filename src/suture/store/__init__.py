"""Journal, queues and dedup keys on SQLite (default) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from suture.store.dialect import dialect_for
from suture.store.journal import Journal


def open_journal(url: str, base_dir: Path, *, group_commit_max: int = 256, writer: str = "auto",
                 group_commit_linger: int = 4, group_commit_linger_ms: float = 1.0) -> Journal:
    """A journal for ``url`` (not opened yet: ``await journal.open()`` runs migrations). ``writer``: where
    group commits run, ``loop`` (the event loop's thread), ``thread`` (a writer thread) or ``auto`` (loop
    for SQLite, thread for PostgreSQL); ``group_commit_linger`` and ``group_commit_linger_ms``: see
    ``writer.LoopWriter`` and ``writer.GroupCommitWriter``."""
    return Journal(dialect_for(url, base_dir), group_commit_max=group_commit_max, writer=writer,
                   group_commit_linger=group_commit_linger, group_commit_linger_ms=group_commit_linger_ms)


__all__ = ["Journal", "open_journal"]
