"""Sink workers: retries with backoff, dead letters, FIFO per key, isolation between keys and sinks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from suture.connectors.base import Outbound
from suture.envelope import Envelope
from suture.errors import PermanentError, RetryableError
from suture.pipeline.config import RetryPolicy
from suture.pipeline.worker import SinkWorker
from suture.store import Journal, open_journal
from suture.store.records import Delivery, NewDelivery
from suture.testing.memory import MemorySink

FAST = RetryPolicy(max_attempts=4, initial_backoff_s=0.01, max_backoff_s=0.05, jitter=0.1)


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[Journal]:
    j = open_journal(f"sqlite:///{tmp_path}/j.db", tmp_path)
    await j.open()
    yield j
    await j.close()


async def ingest(journal: Journal, n: int, sinks: tuple[str, ...] = ("out",), key: str | None = None) -> list[Delivery]:
    env = Envelope(id=f"m{n:06d}", channel="ch", raw=b"x", content_type="t", received_at=time.time(),
                   idempotency_key=f"k{n}")
    items = [NewDelivery(s, f"{n}".encode(), "t", f"m{n:06d}:{s}", key) for s in sinks]
    return (await journal.ingest(env, "accepted", items)).deliveries


async def until(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def worker(journal: Journal, sink: MemorySink, name: str = "out", **kw: object) -> SinkWorker:
    opts: dict[str, object] = {"concurrency": 4, **kw}
    w = SinkWorker("ch", name, sink, journal, opts.pop("policy", FAST), **opts)  # type: ignore[arg-type]
    w.start()
    return w


async def states(journal: Journal, message_id: str) -> list[tuple[str, int]]:
    detail = await journal.message(message_id)
    assert detail is not None
    return [(d.state, d.attempts) for d in detail.deliveries]


async def test_every_offered_delivery_is_delivered_and_journaled(journal: Journal) -> None:
    sink = MemorySink()
    w = worker(journal, sink)
    for n in range(50):
        w.offer(await ingest(journal, n))
    await until(lambda: len(sink.applied) == 50)
    await w.stop()
    assert await states(journal, "m000007") == [("delivered", 1)]


async def test_retryable_failure_is_retried_with_the_same_idempotency_key(journal: Journal) -> None:
    seen: list[str] = []

    def flaky(item: Outbound, n: int) -> Exception | None:
        seen.append(item.idempotency_key)
        return RetryableError("HTTP 503") if n < 3 else None

    sink = MemorySink(behaviour=flaky)
    w = worker(journal, sink)
    w.offer(await ingest(journal, 1))
    await until(lambda: len(sink.applied) == 1)
    await w.stop()
    assert seen == ["m000001:out"] * 3
    detail = await journal.message("m000001")
    assert detail is not None
    assert [(a.try_no, a.outcome, a.error) for a in detail.attempts] == [
        (1, "retry", "HTTP 503"), (2, "retry", "HTTP 503"), (3, "ok", None)]
    assert detail.attempts[1].started_at >= detail.attempts[0].ended_at + 0.005  # backed off


async def test_permanent_failure_is_dead_lettered_at_once(journal: Journal) -> None:
    sink = MemorySink(behaviour=lambda item, n: PermanentError("HTTP 400"))
    w = worker(journal, sink)
    w.offer(await ingest(journal, 1))
    await until(lambda: sink.tries.get("m000001:out") == 1)
    await asyncio.sleep(0.1)
    await w.stop()
    assert await states(journal, "m000001") == [("dead", 1)]


async def test_spent_retry_policy_ends_in_a_dead_letter(journal: Journal) -> None:
    sink = MemorySink(behaviour=lambda item, n: RetryableError("timeout"))
    w = worker(journal, sink)
    w.offer(await ingest(journal, 1))
    await until(lambda: sink.tries.get("m000001:out") == FAST.max_attempts)
    await asyncio.sleep(0.1)
    await w.stop()
    assert await states(journal, "m000001") == [("dead", FAST.max_attempts)]


async def test_unexpected_connector_exception_is_retried_not_lost(journal: Journal) -> None:
    sink = MemorySink(behaviour=lambda item, n: ValueError("bug") if n == 1 else None)
    w = worker(journal, sink)
    w.offer(await ingest(journal, 1))
    await until(lambda: len(sink.applied) == 1)
    await w.stop()


async def test_failing_key_holds_back_only_its_own_later_messages(journal: Journal) -> None:
    def patient_a_fails_twice(item: Outbound, n: int) -> Exception | None:
        return RetryableError("AE") if item.idempotency_key == "m000001:out" and n <= 2 else None

    sink = MemorySink(behaviour=patient_a_fails_twice)
    w = worker(journal, sink, concurrency=8)
    for n, key in enumerate(["A", "A", "B", "A", "B", "C"], start=1):
        w.offer(await ingest(journal, n, key=key))
    await until(lambda: len(sink.applied) == 6)
    await w.stop()
    order = sink.order
    a_order = [k for k in order if k in {"m000001:out", "m000002:out", "m000004:out"}]
    assert a_order == ["m000001:out", "m000002:out", "m000004:out"]  # FIFO within A despite the failures
    assert order.index("m000003:out") < order.index("m000001:out")  # B went ahead while A was retrying
    assert order.index("m000006:out") < order.index("m000001:out")


async def test_slow_sink_does_not_block_another_sink(journal: Journal) -> None:
    slow, fast = MemorySink(delay_s=5.0), MemorySink()
    ws, wf = worker(journal, slow, "slow", concurrency=1), worker(journal, fast, "fast")
    for n in range(20):
        ds = await ingest(journal, n, sinks=("slow", "fast"))
        ws.offer([d for d in ds if d.sink == "slow"])
        wf.offer([d for d in ds if d.sink == "fast"])
    await until(lambda: len(fast.applied) == 20, timeout=3.0)
    assert len(slow.applied) == 0
    await wf.stop()
    await ws.stop(grace_s=0.05)
    assert await states(journal, "m000000") == [("pending", 0), ("delivered", 1)]


async def test_restarted_worker_pages_pending_deliveries_in_from_the_journal(journal: Journal) -> None:
    for n in range(30):
        await ingest(journal, n)  # committed but never offered: as after a crash
    sink = MemorySink()
    w = worker(journal, sink)
    await until(lambda: len(sink.applied) == 30)
    await w.stop()


async def test_full_window_falls_back_to_paging_without_losing_deliveries(journal: Journal) -> None:
    sink = MemorySink(delay_s=0.001)
    w = worker(journal, sink, window=8)
    for n in range(120):
        w.offer(await ingest(journal, n))
    await until(lambda: len(sink.applied) == 120)
    await w.stop()
    assert sink.repeats == 0
    assert sorted(sink.order) == [f"m{n:06d}:out" for n in range(120)]
