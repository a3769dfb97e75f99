"""In-memory sink for tests and rehearsals: records deliveries, can fail or stall on cue.

Like a well-behaved downstream system it applies each idempotency key once and counts repeats, so a test
can tell wire-level repeats from duplicates that were applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from suture.connectors.base import DeliveryResult, Outbound

Behaviour = Callable[[Outbound, int], Exception | None]


@dataclass
class MemorySink:
    """``behaviour(item, try_no)`` may return an exception to raise; ``delay_s`` stalls each delivery."""

    name: str = "memory"
    behaviour: Behaviour | None = None
    delay_s: float = 0.0
    applied: dict[str, Outbound] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    tries: dict[str, int] = field(default_factory=dict)
    repeats: int = 0
    started: bool = False

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.started = False

    async def deliver(self, item: Outbound) -> DeliveryResult:
        n = self.tries[item.idempotency_key] = self.tries.get(item.idempotency_key, 0) + 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.behaviour is not None:
            exc = self.behaviour(item, n)
            if exc is not None:
                raise exc
        if item.idempotency_key in self.applied:
            self.repeats += 1
        else:
            self.applied[item.idempotency_key] = item
            self.order.append(item.idempotency_key)
        return DeliveryResult(response="stored")
