"""One durable queue per sink: deliver, retry with backoff, keep FIFO per key, dead-letter when spent.

The queue *is* the ``deliveries`` table; this worker keeps a bounded window of it in memory. New deliveries
are offered straight from the ingest commit (no read back); when the window is full, or after a restart,
the worker pages pending rows in from the journal by id. A failing or slow delivery holds back only later
deliveries with the same order key; other keys, other sinks and the source go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterable

from suture.connectors.base import Outbound, Sink
from suture.errors import PermanentError, RetryableError, StoreError
from suture.observability import metrics
from suture.pipeline.config import RetryPolicy
from suture.pipeline.retry import backoff_s, spent
from suture.store.journal import Journal
from suture.store.records import Attempt, Delivery

log = logging.getLogger("suture.worker")
PAGE = 500


class SinkWorker:
    def __init__(self, channel: str, name: str, sink: Sink, journal: Journal, policy: RetryPolicy, *,
                 concurrency: int, window: int = 10_000, clock: Callable[[], float] = time.time,
                 rand: Callable[[], float] = random.random) -> None:
        self.channel, self.name, self.sink, self.journal, self.policy = channel, name, sink, journal, policy
        self.concurrency, self.window, self._clock, self._rand = concurrency, window, clock, rand
        self._ready: deque[Delivery] = deque()
        self._retry: list[tuple[float, int, Delivery]] = []
        self._holder: dict[str, int] = {}  # order key -> delivery id that holds it
        self._blocked: dict[str, deque[Delivery]] = {}
        self._inflight = 0
        self._cursor = 0
        self._paging = True  # something may be in the journal that is not in memory
        self._loading = False
        self._offered_while_loading: list[Delivery] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._attempts: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._depth = metrics.QUEUE_DEPTH.labels(channel, name)

    # -- public ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"sink:{self.channel}/{self.name}")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop dispatching; give in-flight attempts ``grace_s`` to finish, then cancel them (they stay
        pending in the journal and go again, with the same idempotency key, after a restart)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._attempts:
            _, late = await asyncio.wait(set(self._attempts), timeout=grace_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def offer(self, deliveries: Iterable[Delivery], *, out_of_order: bool = False) -> None:
        """Hand over freshly committed deliveries (``out_of_order``: requeued ones with older ids)."""
        for d in deliveries:
            if out_of_order:
                self._admit(d)
            elif self._loading:
                self._offered_while_loading.append(d)
            elif self._paging or self.size >= self.window:
                self._paging = True
            elif d.id > self._cursor:
                self._cursor = d.id
                self._admit(d)
        self._wake.set()

    @property
    def size(self) -> int:
        return len(self._ready) + len(self._retry) + sum(len(b) for b in self._blocked.values()) + self._inflight

    # -- loop ------------------------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping:
            if self._paging and self.size < self.window // 2:
                await self._page_in()
            self._release_due()
            self._dispatch()
            self._depth.set(self.size)
            await self._sleep()

    async def _sleep(self) -> None:
        timeout = None
        if self._retry:
            timeout = max(0.0, self._retry[0][0] - self._clock())
        if self._paging and self.size < self.window // 2:
            timeout = 0.0 if timeout is None else min(timeout, 0.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def _page_in(self) -> None:
        self._loading, self._offered_while_loading = True, []
        try:
            rows = await self.journal.pending(self.channel, self.name, self._cursor, PAGE)
        except StoreError:
            log.exception("could not page in the queue of %s/%s", self.channel, self.name)
            self._loading = False
            await asyncio.sleep(1.0)
            return
        self._loading = False
        for d in rows:
            self._admit(d)
            self._cursor = d.id
        if len(rows) < PAGE:
            self._paging = False
            for d in self._offered_while_loading:
                if d.id > self._cursor:
                    self._cursor = d.id
                    self._admit(d)
        self._offered_while_loading = []

    def _admit(self, d: Delivery) -> None:
        if d.next_attempt_at > self._clock() and d.attempts > 0:
            heapq.heappush(self._retry, (d.next_attempt_at, d.id, d))
            if d.order_key is not None:
                self._holder.setdefault(d.order_key, d.id)
        else:
            self._ready.append(d)

    def _release_due(self) -> None:
        now = self._clock()
        while self._retry and self._retry[0][0] <= now:
            self._ready.appendleft(heapq.heappop(self._retry)[2])

    def _dispatch(self) -> None:
        while self._inflight < self.concurrency and self._ready:
            d = self._ready.popleft()
            key = d.order_key
            if key is not None:
                holder = self._holder.get(key)
                if holder is not None and holder != d.id:
                    self._blocked.setdefault(key, deque()).append(d)
                    continue
                self._holder[key] = d.id
            self._inflight += 1
            task = asyncio.create_task(self._attempt(d))
            self._attempts.add(task)
            task.add_done_callback(self._attempts.discard)

    # -- one try ---------------------------------------------------------------------------------------
    async def _attempt(self, d: Delivery) -> None:
        started = self._clock()
        outcome, response, error = await self._deliver(d)
        ended = self._clock()
        tries = d.attempts + 1
        state, next_at = self._decide(outcome, tries, ended - d.created_at, ended)
        attempt = Attempt(d.id, d.message_id, self.name, tries, started, ended,
                          "ok" if outcome == "ok" else ("retry" if state == "pending" else "failed"), response, error)
        metrics.DELIVERIES.labels(self.channel, self.name, attempt.outcome).inc()
        metrics.DELIVERY_SECONDS.labels(self.channel, self.name).observe(ended - started)
        try:
            await self.journal.finish_attempt(attempt, state, next_at)
        except StoreError:
            log.exception("could not journal attempt %s of delivery %s; will try again", tries, d.id)
            state, next_at = "pending", ended + backoff_s(self.policy, tries, self._rand())
        d.attempts, d.state, d.next_attempt_at, d.last_error = tries, state, next_at, error
        self._inflight -= 1
        if state == "pending":
            heapq.heappush(self._retry, (next_at, d.id, d))
        else:
            self._release_key(d)
        self._wake.set()

    async def _deliver(self, d: Delivery) -> tuple[str, str | None, str | None]:
        item = Outbound(d.payload, d.content_type, d.idempotency_key, d.message_id)
        try:
            result = await self.sink.deliver(item)
        except RetryableError as exc:
            return "retry", None, str(exc) or type(exc).__name__
        except PermanentError as exc:
            return "failed", None, str(exc) or type(exc).__name__
        except Exception as exc:  # an unexpected connector bug: retry under the policy, never lose the message
            log.exception("sink %s/%s raised unexpectedly", self.channel, self.name)
            return "retry", None, f"unexpected {type(exc).__name__}"
        return "ok", result.response, None

    def _decide(self, outcome: str, tries: int, age_s: float, now: float) -> tuple[str, float]:
        if outcome == "ok":
            return "delivered", now
        if outcome == "retry" and not spent(self.policy, tries, age_s):
            return "pending", now + backoff_s(self.policy, tries, self._rand())
        return "dead", now

    def _release_key(self, d: Delivery) -> None:
        key = d.order_key
        if key is None or self._holder.get(key) != d.id:
            return
        del self._holder[key]
        waiting = self._blocked.get(key)
        if waiting:
            self._ready.appendleft(waiting.popleft())
            if not waiting:
                del self._blocked[key]
