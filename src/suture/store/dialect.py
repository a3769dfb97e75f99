"""What differs between the SQLite and PostgreSQL journals: connecting, placeholders, migrations."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol


class Dialect(Protocol):
    name: str

    def connect(self, *, for_writes: bool) -> Any: ...
    def sql(self, text: str) -> str: ...
    def begin(self, cur: Any) -> None: ...
    def begin_nowait(self, cur: Any) -> bool: ...


def migrations(backend: str) -> list[tuple[int, str]]:
    """Numbered SQL migration files shipped in ``suture.store.<backend>.migrations``."""
    folder = resources.files(f"suture.store.{backend}") / "migrations"
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            out.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(out)


_BUSY_TIMEOUT_MS = 30000  # how long a write waits for another connection's write lock


@dataclass
class SqliteDialect:
    """SQLite in WAL mode with ``synchronous=FULL``: a commit is on disk when it returns.

    The writer checkpoints the WAL every ``wal_autocheckpoint`` pages (SQLite's default is 1,000): with
    4,000 (a 16 MB WAL) a commit that pays for a checkpoint is four times rarer, which took the p99 of a
    group commit of 8 ingests from 5 ms to 0.8 ms and the mean down by 5-15% (docs/benchmarks.md).
    """

    path: Path
    synchronous: str = "FULL"
    name: str = "sqlite"
    wal_autocheckpoint: int = 4000

    def connect(self, *, for_writes: bool) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        if for_writes:
            conn.execute(f"PRAGMA wal_autocheckpoint={int(self.wal_autocheckpoint)}")
        return conn

    def sql(self, text: str) -> str:
        return text

    def begin(self, cur: Any) -> None:
        cur.execute("BEGIN IMMEDIATE")

    def begin_nowait(self, cur: Any) -> bool:
        """Begin a write transaction if no other connection holds the write lock; False (no transaction)
        if one does (another process on the same file), instead of waiting for it as ``begin`` does."""
        cur.execute("PRAGMA busy_timeout=0")
        try:
            cur.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return False
            raise
        finally:
            cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        return True


@dataclass
class PostgresDialect:
    """PostgreSQL through psycopg 3; synchronous commit (the server default) makes a commit durable.

    Connections use psycopg's ``RawCursor``: statements carry PostgreSQL's own ``$1, $2, ...`` placeholders
    (``sql`` numbers the ``?`` once per statement text and remembers it), so psycopg does not parse the text
    again. It would for every execution of a multi-row INSERT: psycopg caches its ``%s`` parsing only for
    statements with at most 50 parameters, and 8 messages have 104. That parsing took 0.17 ms of the writer
    thread's CPU (of 0.29) per 8-message INSERT (docs/benchmarks.md, fourth round).
    """

    url: str
    name: str = "postgres"

    def connect(self, *, for_writes: bool) -> Any:
        import psycopg

        conn = psycopg.connect(self.url, autocommit=not for_writes, cursor_factory=psycopg.RawCursor)
        conn.execute("SET synchronous_commit = on")
        if for_writes:
            conn.commit()  # else the first rollback would undo the SET and fall back to the server default
        return conn

    def sql(self, text: str) -> str:
        return _numbered(text)

    def begin(self, cur: Any) -> None:
        """psycopg opens the transaction on the first statement."""

    def begin_nowait(self, cur: Any) -> bool:
        """Row locks, no database write lock: nothing to wait for before the first statement."""
        return True


@lru_cache(maxsize=1024)
def _numbered(text: str) -> str:
    """``?`` placeholders as ``$1, $2, ...`` (the journal's SQL has no ``?`` inside string literals)."""
    parts = text.split("?")
    out = [parts[0]]
    for n, part in enumerate(parts[1:], start=1):
        out.append(f"${n}")
        out.append(part)
    return "".join(out)


def dialect_for(url: str, base_dir: Path) -> Dialect:
    """``sqlite:///relative/path.db``, ``sqlite:////abs/path.db`` or ``postgresql://...``."""
    if url.startswith("sqlite:///"):
        raw = url[len("sqlite:///"):]
        path = Path(raw)
        return SqliteDialect(path if path.is_absolute() else (base_dir / path).resolve())
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDialect(url)
    raise ValueError("database_url must start with sqlite:/// or postgresql://")
