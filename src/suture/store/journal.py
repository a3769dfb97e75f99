"""The journal: every envelope and every delivery attempt, on SQLite or PostgreSQL.

Writes go through one group-commit writer (see ``writer.py``); reads use per-thread connections. The same
class serves both backends; :mod:`suture.store.dialect` holds what differs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from suture.envelope import Envelope
from suture.store import queries as q
from suture.store.dialect import Dialect, migrations
from suture.store.records import (
    Attempt,
    Delivery,
    DeliveryQuery,
    IngestResult,
    MessageDetail,
    MessageQuery,
    MessageRecord,
    NewDelivery,
)
from suture.store.writer import Batched, GroupCommitWriter, LoopWriter, Writer


class Journal:
    """Durable record of envelopes, their deliveries (the per-sink queues) and attempts."""

    def __init__(self, dialect: Dialect, *, group_commit_max: int = 256, writer: str = "auto",
                 group_commit_linger: int = 4, group_commit_linger_ms: float = 1.0) -> None:
        self.dialect = dialect
        connect = partial(dialect.connect, for_writes=True)
        self._writer: Writer
        if writer == "loop" or (writer == "auto" and dialect.name == "sqlite"):
            self._writer = LoopWriter(connect, dialect.begin, dialect.begin_nowait, group_commit_max,
                                      group_commit_linger)
        else:
            self._writer = GroupCommitWriter(connect, dialect.begin, group_commit_max, group_commit_linger_ms / 1000)
        # bound once: the writer groups batched ops by these objects (see writer.Batched)
        postgres = dialect.name == "postgres"
        self._ingest_many = partial(q.ingest_many, dialect.sql, postgres)
        self._finish_many = partial(q.finish_many, dialect.sql, postgres)
        self._autocommit = postgres  # its ingests and finished attempts are one statement each (writer.Batched)
        self._local = threading.local()
        self._readers: list[Any] = []
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------------
    async def open(self) -> None:
        await asyncio.to_thread(self._migrate)
        self._writer.start()

    async def close(self) -> None:
        await self._writer.close()
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    @property
    def group_commit_stats(self) -> tuple[int, int]:
        """(transactions, operations) committed so far."""
        return self._writer.batches, self._writer.ops

    @property
    def commit_seconds(self) -> float:
        """Time spent inside group transactions (SQL and commit) so far."""
        return self._writer.commit_seconds

    def _migrate(self) -> None:
        conn = self.dialect.connect(for_writes=True)
        try:
            cur = conn.cursor()
            cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at "
                        "DOUBLE PRECISION NOT NULL)")
            conn.commit()
            cur.execute("SELECT version FROM schema_migrations")
            done = {row[0] for row in cur.fetchall()}
            for version, script in migrations(self.dialect.name):
                if version not in done:
                    self._apply(conn, version, script)
        finally:
            conn.close()

    def _apply(self, conn: Any, version: int, script: str) -> None:
        cur = conn.cursor()
        self.dialect.begin(cur)
        for statement in (s.strip() for s in script.split(";")):
            if statement:
                cur.execute(statement)
        cur.execute(self.dialect.sql("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
                    (version, time.time()))
        conn.commit()

    # -- writes --------------------------------------------------------------------------------------
    async def ingest(self, env: Envelope, status: str, deliveries: Sequence[NewDelivery], *,
                     error: str | None = None) -> IngestResult:
        """Store an envelope and its deliveries in one transaction.

        When the envelope's idempotency key was seen before on the channel, nothing new is stored: the
        original's duplicate counter goes up and ``duplicate=True`` comes back with the original id.
        """
        op = Batched(self._ingest_many, (env, status, list(deliveries), error), self._autocommit)
        result: IngestResult = await self._writer.run(op)
        return result

    async def finish_attempt(self, attempt: Attempt, state: str, next_attempt_at: float) -> None:
        """Journal one finished try and move its delivery to ``state`` (pending/delivered/dead)."""
        await self._writer.run(Batched(self._finish_many, (attempt, state, next_attempt_at), self._autocommit))

    async def add_deliveries(self, message_id: str, channel: str, items: Sequence[NewDelivery], now: float,
                             replay_of: dict[str, int] | None = None) -> list[Delivery]:
        """New deliveries for an existing message (replay). ``replay_of`` maps sink -> original delivery."""
        op = partial(q.add_deliveries, self.dialect.sql, message_id, channel, list(items), now, replay_of or {})
        result: list[Delivery] = await self._writer.run(op)
        return result

    async def requeue(self, delivery_ids: Sequence[int], now: float) -> list[Delivery]:
        """Dead deliveries back to pending, due now. Returns the ones that changed."""
        result: list[Delivery] = await self._writer.run(partial(q.requeue, self.dialect.sql, list(delivery_ids), now))
        return result

    # -- for other stores sharing this database (master data, workflows) -------------------------------
    async def write(self, op: Any) -> Any:
        """Run ``op(cursor)`` in the next group-commit transaction (see ``writer.py``)."""
        return await self._writer.run(op)

    async def read(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(sql, cursor, *args)`` on a reader connection in a worker thread."""
        return await asyncio.to_thread(self._read, fn, *args)

    # -- reads ---------------------------------------------------------------------------------------
    def _reader(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.dialect.connect(for_writes=False)
            self._local.conn = conn
            with self._lock:
                self._readers.append(conn)
        return conn

    def _read(self, fn: Any, *args: Any) -> Any:
        cur = self._reader().cursor()
        try:
            return fn(self.dialect.sql, cur, *args)
        finally:
            cur.close()

    async def pending(self, channel: str, sink: str, after_id: int, limit: int) -> list[Delivery]:
        """Pending deliveries of one sink with id > after_id, oldest first."""
        result: list[Delivery] = await asyncio.to_thread(self._read, q.pending, channel, sink, after_id, limit)
        return result

    async def messages(self, query: MessageQuery) -> list[MessageRecord]:
        result: list[MessageRecord] = await asyncio.to_thread(self._read, q.messages, query)
        return result

    async def message(self, message_id: str) -> MessageDetail | None:
        result: MessageDetail | None = await asyncio.to_thread(self._read, q.message_detail, message_id)
        return result

    async def deliveries(self, query: DeliveryQuery) -> list[Delivery]:
        result: list[Delivery] = await asyncio.to_thread(self._read, q.deliveries, query)
        return result

    async def channel_counts(self) -> dict[str, dict[str, int]]:
        """Per channel: messages by status, duplicates, deliveries by state."""
        result: dict[str, dict[str, int]] = await asyncio.to_thread(self._read, q.channel_counts)
        return result
