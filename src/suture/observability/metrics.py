"""Prometheus metrics. Labels are channel, sink, status and outcome names only: never payload values (PHI)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

RECEIVED = Counter("suture_messages_received_total", "Envelopes received, by outcome", ["channel", "status"])
DUPLICATES = Counter("suture_messages_duplicate_total", "Repeated messages ACKed but not processed", ["channel"])
DELIVERIES = Counter("suture_delivery_attempts_total", "Delivery attempts by outcome", ["channel", "sink", "outcome"])
DELIVERY_SECONDS = Histogram("suture_delivery_seconds", "Time of one delivery attempt", ["channel", "sink"])
QUEUE_DEPTH = Gauge("suture_queue_depth", "Deliveries held in memory for a sink", ["channel", "sink"])
INGEST_SECONDS = Histogram(
    "suture_ingest_seconds", "Receive to durable (time before the ACK)", ["channel"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0),
)


class JournalCollector(Collector):
    """Group-commit figures read from the journal at scrape time: transactions, operations (their ratio is the
    mean batch size) and seconds inside transactions."""

    def __init__(self, stats: Callable[[], tuple[int, int, float]]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        commits, ops, seconds = self._stats()
        yield CounterMetricFamily("suture_journal_commits", "Journal transactions committed", value=commits)
        yield CounterMetricFamily("suture_journal_commit_ops", "Journal writes committed (in those transactions)",
                                  value=ops)
        yield CounterMetricFamily("suture_journal_commit_seconds", "Time inside journal transactions", value=seconds)


_journal_collector: list[JournalCollector] = []


def watch_journal(stats: Callable[[], tuple[int, int, float]]) -> None:
    """Export the running engine's journal figures (one engine per process; a new one replaces the old)."""
    for old in _journal_collector:
        REGISTRY.unregister(old)
    _journal_collector[:] = [JournalCollector(stats)]
    REGISTRY.register(_journal_collector[0])
