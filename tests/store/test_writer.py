"""The two group-commit writers on a real SQLite file: what runs where, what shares a transaction, what
fails alone. (The journal contract suite runs the whole journal on both writers.)"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from suture.errors import StoreError
from suture.store.dialect import SqliteDialect
from suture.store.writer import Batched, GroupCommitWriter, LoopWriter


def _insert_many(cur: Any, values: list[int]) -> list[tuple[int, int]]:
    """A Batched run: one multi-row INSERT; a negative value breaks the CHECK constraint."""
    cur.execute("INSERT INTO t (v, thread) VALUES " + ", ".join("(?, ?)" for _ in values),
                [x for v in values for x in (v, threading.get_ident())])
    return [(v, threading.get_ident()) for v in values]


def _plain(value: int) -> Any:
    def op(cur: Any) -> int:
        cur.execute("INSERT INTO t (v, thread) VALUES (?, ?)", (value, threading.get_ident()))
        return threading.get_ident()
    return op


@pytest.fixture
def dialect(tmp_path: Path) -> SqliteDialect:
    d = SqliteDialect(tmp_path / "w.db")
    conn = d.connect(for_writes=True)
    conn.execute("CREATE TABLE t (v INTEGER NOT NULL CHECK (v >= 0), thread INTEGER NOT NULL)")
    conn.close()
    return d


def _rows(d: SqliteDialect) -> list[int]:
    conn = sqlite3.connect(d.path)
    try:
        return [r[0] for r in conn.execute("SELECT v FROM t ORDER BY rowid")]
    finally:
        conn.close()


def _writer(kind: str, d: SqliteDialect, linger: int = 4) -> GroupCommitWriter | LoopWriter:
    connect = partial(d.connect, for_writes=True)
    w = (LoopWriter(connect, d.begin, d.begin_nowait, 64, linger) if kind == "loop"
         else GroupCommitWriter(connect, d.begin, 64))
    w.start()
    return w


@pytest.mark.parametrize("kind", ["loop", "thread"])
async def test_waiting_ops_share_one_transaction_and_a_bad_one_fails_alone(kind: str, dialect: SqliteDialect) -> None:
    w = _writer(kind, dialect)
    try:
        results = await asyncio.gather(*(w.run(Batched(_insert_many, v)) for v in [1, 2, -3, 4, 5]),
                                       return_exceptions=True)
        assert [r[0] if isinstance(r, tuple) else "error" for r in results] == [1, 2, "error", 4, 5]
        assert isinstance(results[2], StoreError) and "IntegrityError" in str(results[2])
        assert sorted(_rows(dialect)) == [1, 2, 4, 5]
        assert w.ops == 5
    finally:
        await w.close()


async def test_loop_writer_commits_hot_ops_on_the_loop_and_bulk_ops_in_a_worker(dialect: SqliteDialect) -> None:
    w = _writer("loop", dialect, linger=0)
    loop_thread = threading.get_ident()
    try:
        hot = await asyncio.gather(*(w.run(Batched(_insert_many, v)) for v in range(10)))
        assert {thread for _, thread in hot} == {loop_thread}
        assert (w.batches, w.ops) == (1, 10)  # ten callers, one transaction

        # A plain op (unbounded work) goes to a worker thread; what arrives meanwhile waits for the next batch.
        bulk = asyncio.ensure_future(w.run(_plain(100)))
        await asyncio.sleep(0)  # the bulk batch is now running in the worker
        later = [asyncio.ensure_future(w.run(Batched(_insert_many, v))) for v in (101, 102)]
        assert await bulk != loop_thread
        assert [r[1] for r in await asyncio.gather(*later)] == [loop_thread, loop_thread]
        assert _rows(dialect)[-3:] == [100, 101, 102]
        assert w.batches == 3
    finally:
        await w.close()


@pytest.mark.parametrize(("linger", "batches"), [(0, 1 + 4), (4, 1 + 1), (2, 1 + 2)])
async def test_loop_writer_lingers_for_writes_on_their_way_once_writers_have_company(
        dialect: SqliteDialect, linger: int, batches: int) -> None:
    w = _writer("loop", dialect, linger)

    async def arrive_after(passes: int, value: int) -> Any:
        for _ in range(passes):
            await asyncio.sleep(0)  # one pass of the loop each
        return await w.run(Batched(_insert_many, value))

    try:
        await asyncio.gather(*(w.run(Batched(_insert_many, v)) for v in (1, 2)))  # two writers: company
        assert w.batches == 1
        # four writes, each arriving one loop pass after the other: with linger 4 they share one commit
        await asyncio.gather(*(arrive_after(n, 10 + n) for n in range(4)))
        assert w.batches == batches
        assert sorted(_rows(dialect)) == [1, 2, 10, 11, 12, 13]
        # a lone writer (last commit had no company) never waits
        before = w.batches
        await w.run(Batched(_insert_many, 20))
        await w.run(Batched(_insert_many, 21))
        assert w.batches == before + 2
    finally:
        await w.close()


async def test_thread_writer_gets_one_loop_pass_of_ops_in_one_piece(dialect: SqliteDialect) -> None:
    """The ops a loop takes in during one pass reach the thread together: one commit even without lingering,
    and a pass larger than ``max_batch`` is split across commits without losing or reordering an op."""
    w = GroupCommitWriter(partial(dialect.connect, for_writes=True), dialect.begin, 4, linger_s=0.0)
    w.start()
    try:
        await asyncio.gather(*(w.run(Batched(_insert_many, v)) for v in range(3)))
        assert (w.batches, w.ops) == (1, 3)
        await asyncio.gather(*(w.run(Batched(_insert_many, v)) for v in range(10, 20)))
        assert (w.batches, w.ops) == (1 + 3, 13)  # 10 ops, at most 4 per commit
        assert _rows(dialect) == [0, 1, 2, *range(10, 20)]
        pending = [asyncio.ensure_future(w.run(Batched(_insert_many, v))) for v in (30, 31)]
        await asyncio.sleep(0)  # both were gathered in this pass
    finally:
        await w.close()  # commits what this pass gathered, before the thread stops
    assert [r[0] for r in await asyncio.gather(*pending)] == [30, 31]


@pytest.mark.parametrize(("linger_s", "shared"), [(0.0, False), (3.0, True)])
async def test_thread_writer_waits_for_as_many_ops_as_last_time(dialect: SqliteDialect, linger_s: float,
                                                                 shared: bool) -> None:
    w = GroupCommitWriter(partial(dialect.connect, for_writes=True), dialect.begin, 64, linger_s)
    w.start()
    gate = threading.Event()

    def held(cur: Any) -> int:
        gate.wait(10)
        return 0

    try:
        first = asyncio.ensure_future(w.run(held))
        await asyncio.sleep(0.05)  # the thread is inside `held`; the next two queue up behind it
        pair = [asyncio.ensure_future(w.run(Batched(_insert_many, v))) for v in (1, 2)]
        await asyncio.sleep(0.05)
        gate.set()
        await asyncio.gather(first, *pair)
        assert w.batches == 2  # [held], then [1, 2]: the last commit had company
        late = asyncio.ensure_future(w.run(Batched(_insert_many, 3)))
        await asyncio.sleep(0.2)  # arrives 0.2 s after the first: inside a 3 s linger, long after none
        await asyncio.gather(late, w.run(Batched(_insert_many, 4)))
        assert w.batches == (3 if shared else 4)
    finally:
        gate.set()
        await w.close()


async def test_loop_writer_never_waits_on_the_loop_for_another_process_write_lock(dialect: SqliteDialect) -> None:
    """Another connection (e.g. a second process on the same file) holds the write lock for 0.3 s: the batch
    waits for it in the worker thread while the loop goes on serving."""
    w = _writer("loop", dialect)
    loop_thread = threading.get_ident()
    other = sqlite3.connect(dialect.path, isolation_level=None, check_same_thread=False)
    try:
        await w.run(Batched(_insert_many, 1))
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.3, other.commit).start()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        tick = asyncio.ensure_future(ticker())
        (value, thread), = await asyncio.gather(w.run(Batched(_insert_many, 2)))
        tick.cancel()
        assert value == 2 and thread != loop_thread  # committed by the worker, once the lock was free
        assert ticks >= 3  # the loop ticked while the write waited (~30 times; none had the loop waited)
        assert (await w.run(Batched(_insert_many, 3)))[1] == loop_thread  # lock free again: back on the loop
        assert _rows(dialect) == [1, 2, 3]
    finally:
        other.close()
        await w.close()


async def test_loop_writer_close_commits_what_is_waiting(dialect: SqliteDialect) -> None:
    w = _writer("loop", dialect)
    pending = [asyncio.ensure_future(w.run(op)) for op in (_plain(7), Batched(_insert_many, 8))]
    await asyncio.sleep(0)
    await w.close()
    assert sorted(_rows(dialect)) == [7, 8]  # committed before the connection closed
    await asyncio.gather(*pending)
    with pytest.raises(StoreError, match="not open"):
        await w.run(Batched(_insert_many, 9))


def test_loop_writer_serves_one_loop_at_a_time(dialect: SqliteDialect) -> None:
    w = _writer("loop", dialect)
    try:
        # one loop after another is fine (e.g. a CLI command, then another)
        assert asyncio.run(w.run(Batched(_insert_many, 1)))[0] == 1
        assert asyncio.run(w.run(Batched(_insert_many, 2)))[0] == 2

        # a second loop while the first has a batch in flight is refused with a clear reason
        started, release = threading.Event(), threading.Event()

        def slow(cur: Any) -> int:
            started.set()
            release.wait(10)
            return 3

        errors: list[str] = []

        def other_loop() -> None:
            started.wait(10)
            try:
                asyncio.run(w.run(Batched(_insert_many, 4)))
            except StoreError as exc:
                errors.append(str(exc))
            finally:
                release.set()

        t = threading.Thread(target=other_loop)
        t.start()
        assert asyncio.run(w.run(slow)) == 3
        t.join()
        assert errors and "journal_writer: thread" in errors[0]
    finally:
        asyncio.run(w.close())


async def test_autocommit_ops_run_without_a_transaction_and_a_failing_kind_fails_alone(pg_schema_url: str) -> None:
    """PostgreSQL: ops whose statements are complete on their own run in autocommit (no BEGIN/COMMIT round
    trips). One kind's failure leaves the other kind's rows committed; its own good ops are retried alone."""
    from suture.store.dialect import PostgresDialect

    d = PostgresDialect(pg_schema_url)
    setup = d.connect(for_writes=True)
    setup.execute("CREATE TABLE t (v INTEGER NOT NULL CHECK (v >= 0), thread BIGINT NOT NULL)")
    setup.commit()
    setup.close()

    def insert_many(cur: Any, values: list[int]) -> list[int]:
        assert cur.connection.autocommit  # no transaction around the statement
        cur.execute(d.sql("INSERT INTO t (v, thread) VALUES " + ", ".join("(?, 0)" for _ in values)), values)
        return values

    def other_kind(cur: Any, values: list[int]) -> list[int]:
        return insert_many(cur, [v + 1000 for v in values])

    w = GroupCommitWriter(partial(d.connect, for_writes=True), d.begin, 64, 0.0)
    w.start()
    try:
        ops = [Batched(insert_many, v, autocommit=True) for v in (1, 2, 3)]
        ops += [Batched(other_kind, v, autocommit=True) for v in (4, -2000, 6)]
        results = await asyncio.gather(*(w.run(op) for op in ops), return_exceptions=True)
        assert results[:3] == [1, 2, 3] and results[3] == 1004 and results[5] == 1006
        assert isinstance(results[4], StoreError)
        assert w.batches == 1
        conn = d.connect(for_writes=False)
        try:
            assert sorted(r[0] for r in conn.execute("SELECT v FROM t")) == [1, 2, 3, 1004, 1006]
        finally:
            conn.close()

        def in_transaction(cur: Any, values: list[int]) -> list[bool]:
            return [not cur.connection.autocommit for _ in values]

        # ops without the flag keep their transaction, and so does a group that mixes them with flagged ones
        mixed = await asyncio.gather(w.run(Batched(in_transaction, 1)), w.run(Batched(insert_many, 8,
                                                                                       autocommit=True)),
                                     return_exceptions=True)
        assert mixed[0] is True and isinstance(mixed[1], StoreError)  # insert_many saw a transaction
    finally:
        await w.close()
