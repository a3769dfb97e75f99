"""Group commit: one connection, many callers per transaction.

Callers on the event loop hand a function ``op(cursor) -> result`` to the writer's ``run``. The writer takes
every op waiting (up to ``max_batch``), runs them in one transaction, commits (one fsync for the whole batch),
then resolves each caller's future. Two writers do this: :class:`GroupCommitWriter` in a thread of its own
(PostgreSQL: a commit is a network round trip, which the loop should not wait on) and :class:`LoopWriter` on
the event loop's thread (SQLite: see its docstring and ADR 0009). A failing op does not sink its neighbours: the
batch is rolled back and each op is retried in a transaction of its own, so only the failing one errors.

An op is either a function of the cursor or a :class:`Batched` op: the batched ops of one kind in a
transaction go to their ``run`` together, which writes them with multi-row statements (one statement, one
round trip and one GIL hand-off for many rows). Ops in one transaction come from callers that are each
waiting for their own commit, so they are independent and may run in any order; ops of one kind keep theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from suture.errors import StoreError


class Connection(Protocol):
    def cursor(self) -> Any: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Batched:
    """An op written together with the other ops of the same ``run`` in its transaction:
    ``run(cursor, [arg, ...])`` returns one result per arg, in order. ``run`` must be one shared object
    (ops are grouped by identity), e.g. a function bound once per journal."""

    run: Callable[[Any, list[Any]], list[Any]]
    arg: Any
    # every statement ``run`` issues is complete on its own, so a group of such ops needs no transaction
    # around it (PostgreSQL: each statement commits itself, no BEGIN or COMMIT round trip; see commit_group)
    autocommit: bool = False


Op = Callable[[Any], Any] | Batched
_Item = tuple[Op, asyncio.Future[Any], asyncio.AbstractEventLoop]


Outcome = tuple[bool, Any]  # (True, result) or (False, the exception)


class _Counted:
    """What both writers count, and the one place a group is committed and counted."""

    def __init__(self, begin: Callable[[Any], None]) -> None:
        self._begin = begin
        self.batches = 0
        self.ops = 0
        self.commit_seconds = 0.0  # time inside transactions (SQL + commit), summed

    def _timed_commit(self, conn: Connection, ops: list[Op], begin: Callable[[Any], None] | None = None
                      ) -> list[Outcome]:
        started = time.perf_counter()
        outcomes = commit_group(conn, begin or self._begin, ops)
        self.commit_seconds += time.perf_counter() - started
        self.batches += 1
        self.ops += len(ops)
        return outcomes


class GroupCommitWriter(_Counted):
    """Group commit in a writer thread of its own.

    Ops are handed to the thread once per event-loop pass, not one by one: the ops a loop takes in during
    one pass go over as one list, so the thread wakes (and takes the GIL from the loop) once per pass instead
    of once per op. With 8 MLLP senders on PostgreSQL that was 8 wake-ups per commit (docs/benchmarks.md).

    When the previous commit had several ops, the thread waits up to ``linger_s`` for as many ops as it had
    before committing (PostgreSQL's ``commit_delay`` in spirit): with 8 MLLP senders on PostgreSQL, 1 ms took
    the mean group from 4 to 7.5 ops and ingest from 2,400-3,000 to 3,500-3,600 msg/s (ADR 0009). A lone
    writer never waits.
    """

    def __init__(self, connect: Callable[[], Connection], begin: Callable[[Any], None], max_batch: int,
                 linger_s: float = 0.001) -> None:
        super().__init__(begin)
        self._connect = connect
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._queue: queue.SimpleQueue[list[_Item] | None] = queue.SimpleQueue()
        self._gathered: dict[asyncio.AbstractEventLoop, list[_Item]] = {}  # this pass's ops, per loop
        self._carry: list[_Item] = []  # taken from the queue beyond max_batch: first in the next batch
        self._thread = threading.Thread(target=self._main, name="suture-journal-writer", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._last_size = 0

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise StoreError(f"journal writer could not connect: {type(self._error).__name__}") from self._error

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    async def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        self._hand_over(asyncio.get_running_loop())  # this pass's ops go before the stop
        await asyncio.to_thread(self.stop)

    async def run(self, op: Op) -> Any:
        """Run ``op`` inside the next group transaction; returns once it is committed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        gathered = self._gathered.get(loop)
        if gathered is None:
            gathered = self._gathered[loop] = []
            loop.call_soon(self._hand_over, loop)
        gathered.append((op, fut, loop))
        return await fut

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """End of the loop pass in which ops arrived: give them to the thread in one piece."""
        gathered = self._gathered.pop(loop, None)
        if gathered:
            self._queue.put(gathered)

    def _main(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                batch = self._take()
                if batch is None:
                    return
                self._commit_batch(conn, batch)
        finally:
            conn.close()

    def _take(self) -> list[_Item] | None:
        batch = self._carry
        if not batch:
            first = self._queue.get()
            if first is None:
                return None
            batch = first
        # several writers about: wait (up to linger_s) for as many ops as the last commit had
        deadline = time.perf_counter() + self._linger_s if self._last_size > 1 else 0.0
        while len(batch) < self._max_batch:
            try:
                if len(batch) < self._last_size and (left := deadline - time.perf_counter()) > 0:
                    items = self._queue.get(timeout=left)
                else:
                    items = self._queue.get_nowait()
            except queue.Empty:
                break
            if items is None:
                self._queue.put(None)  # finish this batch, then stop
                break
            batch = batch + items
        batch, self._carry = batch[:self._max_batch], batch[self._max_batch:]
        self._last_size = len(batch)
        return batch

    def _commit_batch(self, conn: Connection, batch: list[_Item]) -> None:
        outcomes = self._timed_commit(conn, [op for op, _, _ in batch])
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Outcome]]] = {}
        for (_, fut, loop), outcome in zip(batch, outcomes, strict=True):
            by_loop.setdefault(loop, []).append((fut, outcome))
        for loop, done in by_loop.items():  # one wake-up of the event loop per batch, not per caller
            loop.call_soon_threadsafe(resolve_all, done)



class LoopWriter(_Counted):
    """Group commit on the event loop's own thread, for SQLite.

    A thread writer pays two thread hand-offs per commit (about 90 µs of a 0.6 ms ACK here) and, while it
    runs SQL, competes with the event loop for the GIL (a commit took three times as long inside the engine as
    alone). This writer runs the hot-path ops (:class:`Batched`: ingest, finished attempts; a few rows each)
    right on the loop: each waiting op joins the next transaction, which runs in a callback scheduled when the
    first op arrives, so everything the loop took in meanwhile commits together. When the previous commit
    had company (several writers are active), the callback first lets the loop make up to ``linger`` more
    passes (each polls the sockets without blocking, a few µs) so that the answers now on their way join
    this commit instead of paying for the next fsync: with 8 MLLP senders that took the mean group from 2.7
    to 6 messages and ingest from about 3,800 to 5,900 msg/s (ADR 0009). One sender never lingers.

    A batch holding any other op (bulk master-data imports, replays: unbounded work) runs in a worker thread
    instead, on the same connection, while new ops wait for the next batch; so the loop is never blocked by
    more than a small commit. So does a batch that would have to wait for the write lock (another process
    writing to the same SQLite file): ``begin_nowait`` tells.
    """

    def __init__(self, connect: Callable[[], Connection], begin: Callable[[Any], None],
                 begin_nowait: Callable[[Any], bool], max_batch: int, linger: int = 4) -> None:
        super().__init__(begin)
        self._connect = connect
        self._begin_nowait = begin_nowait
        self._max_batch = max_batch
        self._linger = linger
        self._lingered = 0
        self._last_size = 0
        self._pending: list[tuple[Op, asyncio.Future[Any]]] = []
        self._scheduled = False
        self._busy: asyncio.Future[Any] | None = None  # a batch running in the worker thread
        self._conn: Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0  # callers awaiting their commit

    def start(self) -> None:
        self._conn = self._connect()

    async def close(self) -> None:
        while self._pending or self._busy is not None or self._scheduled:
            await asyncio.sleep(0.001)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def run(self, op: Op) -> Any:
        """Run ``op`` inside the next group transaction; returns once it is committed."""
        if self._conn is None:
            raise StoreError("journal writer is not open")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._waiting or self._pending or self._busy is not None or self._scheduled:
                raise StoreError("the journal's loop writer serves one event loop at a time "
                                 "(set journal_writer: thread to share a journal between loops)")
            self._loop = loop
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending.append((op, fut))
        self._schedule(loop)
        self._waiting += 1
        try:
            return await fut
        finally:
            self._waiting -= 1

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._scheduled and self._busy is None and self._pending:
            self._scheduled = True
            loop.call_soon(self._flush, loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._lingered < self._linger and self._last_size > 1 and len(self._pending) < self._max_batch:
            self._lingered += 1  # more writers are about: let the loop take in what has arrived meanwhile
            loop.call_soon(self._flush, loop)
            return
        self._lingered = 0
        self._scheduled = False
        batch = self._pending[:self._max_batch]
        del self._pending[:self._max_batch]
        self._last_size = len(batch)
        ops = [op for op, _ in batch]
        if all(isinstance(op, Batched) for op in ops) and self._lock_free():
            self._done(batch, self._commit(ops, _BegunOnce(self._begin)))
            self._schedule(loop)
            return
        self._busy = loop.run_in_executor(None, self._commit, ops)
        self._busy.add_done_callback(lambda f: self._offloaded(loop, batch, f))

    def _offloaded(self, loop: asyncio.AbstractEventLoop, batch: list[tuple[Op, asyncio.Future[Any]]],
                   done: asyncio.Future[list[Outcome]]) -> None:
        self._busy = None
        exc = done.exception()
        self._done(batch, [(False, _store_error(exc))] * len(batch) if exc is not None else done.result())
        self._schedule(loop)

    def _lock_free(self) -> bool:
        """Begin the transaction if that needs no wait: the loop must not wait for another process's write
        lock (SQLite's busy timeout is 30 s); such a batch goes to the worker thread, which may wait."""
        assert self._conn is not None
        cur = self._conn.cursor()
        try:
            return self._begin_nowait(cur)
        except Exception:  # the worker's transaction meets it again and reports it per op
            with contextlib.suppress(Exception):
                self._conn.rollback()
            return False
        finally:
            cur.close()

    def _commit(self, ops: list[Op], begin: Callable[[Any], None] | None = None) -> list[Outcome]:
        assert self._conn is not None
        return self._timed_commit(self._conn, ops, begin)

    @staticmethod
    def _done(batch: list[tuple[Op, asyncio.Future[Any]]], outcomes: list[Outcome]) -> None:
        resolve_all([(fut, outcome) for (_, fut), outcome in zip(batch, outcomes, strict=True)])


Writer = GroupCommitWriter | LoopWriter


class _BegunOnce:
    """``begin`` for a group whose first transaction the writer has already begun."""

    def __init__(self, begin: Callable[[Any], None]) -> None:
        self._begin = begin
        self._first = True

    def __call__(self, cur: Any) -> None:
        if self._first:
            self._first = False
        else:
            self._begin(cur)


def commit_group(conn: Connection, begin: Callable[[Any], None], ops: list[Op]) -> list[Outcome]:
    """Run ``ops`` in one transaction and commit. If that fails, roll back and run each op in a transaction
    of its own, so only the failing ones fail. Shared by both writers.

    When every op is :class:`Batched` with ``autocommit`` (the PostgreSQL journal's ingests and finished
    attempts, each written as one statement per kind), they run without a transaction: one round trip per
    kind instead of ``BEGIN``, the statements and ``COMMIT``. Each statement is still durable when it
    returns (synchronous commit); with 8 MLLP senders on PostgreSQL this took ingest from 4,481-4,685 to
    4,808-5,003 msg/s (docs/benchmarks.md, fourth round)."""
    if ops and all(isinstance(op, Batched) and op.autocommit for op in ops):
        return _autocommit_group(conn, ops)  # type: ignore[arg-type]
    try:
        return [(True, r) for r in transaction(conn, begin, ops)]
    except Exception:
        if len(ops) == 1:
            return [(False, _store_error(sys.exc_info()[1]))]
    outcomes: list[Outcome] = []
    for op in ops:  # isolate the failing op
        try:
            outcomes.append((True, transaction(conn, begin, [op])[0]))
        except Exception as exc:
            outcomes.append((False, _store_error(exc)))
    return outcomes


def _autocommit_group(conn: Any, ops: list[Batched]) -> list[Outcome]:
    """Each kind of op in one call of its ``run``, each statement committing itself. A kind whose call fails
    changed nothing (its statements are complete on their own, and the failing one is atomic), so its ops
    are retried one by one; the kinds that succeeded keep their results."""
    outcomes: list[Outcome | None] = [None] * len(ops)
    groups: dict[int, list[int]] = {}
    for i, op in enumerate(ops):
        groups.setdefault(id(op.run), []).append(i)
    conn.autocommit = True
    cur = conn.cursor()
    try:
        for positions in groups.values():
            run = ops[positions[0]].run
            try:
                out = run(cur, [ops[i].arg for i in positions])
                for i, result in zip(positions, out, strict=True):
                    outcomes[i] = (True, result)
            except Exception:
                for i in positions:
                    try:
                        outcomes[i] = (True, run(cur, [ops[i].arg])[0])
                    except Exception as exc:
                        outcomes[i] = (False, _store_error(exc))
    finally:
        cur.close()
        conn.autocommit = False
    return outcomes  # type: ignore[return-value]  # every position was filled above


def transaction(conn: Connection, begin: Callable[[Any], None], ops: list[Op]) -> list[Any]:
    cur = conn.cursor()
    try:
        begin(cur)
        results = _run_ops(cur, ops)
        conn.commit()
        return results
    except BaseException:
        with contextlib.suppress(Exception):
            conn.rollback()
        raise
    finally:
        cur.close()


def _store_error(exc: BaseException | None) -> StoreError:
    if isinstance(exc, StoreError):
        return exc
    err = StoreError(f"journal write failed: {type(exc).__name__}")
    err.__cause__ = exc
    return err


def _run_ops(cur: Any, ops: list[Op]) -> list[Any]:
    if len(ops) == 1:
        op = ops[0]
        return op.run(cur, [op.arg]) if isinstance(op, Batched) else [op(cur)]
    results: list[Any] = [None] * len(ops)
    groups: dict[int, tuple[Batched, list[int]]] = {}
    for i, op in enumerate(ops):
        if isinstance(op, Batched):
            groups.setdefault(id(op.run), (op, []))[1].append(i)
        else:
            results[i] = op(cur)
    for first, positions in groups.values():
        out = first.run(cur, [ops[i].arg for i in positions])  # type: ignore[union-attr]
        for i, result in zip(positions, out, strict=True):
            results[i] = result
    return results


def resolve_all(done: list[tuple[asyncio.Future[Any], Outcome]]) -> None:
    for fut, (ok, value) in done:
        if fut.done():
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)

