"""Prometheus metrics. Labels are channel, sink, status and outcome names only: never payload values (PHI)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECEIVED = Counter("suture_messages_received_total", "Envelopes received, by outcome", ["channel", "status"])
DUPLICATES = Counter("suture_messages_duplicate_total", "Repeated messages ACKed but not processed", ["channel"])
DELIVERIES = Counter("suture_delivery_attempts_total", "Delivery attempts by outcome", ["channel", "sink", "outcome"])
DELIVERY_SECONDS = Histogram("suture_delivery_seconds", "Time of one delivery attempt", ["channel", "sink"])
QUEUE_DEPTH = Gauge("suture_queue_depth", "Deliveries held in memory for a sink", ["channel", "sink"])
INGEST_SECONDS = Histogram(
    "suture_ingest_seconds", "Receive to durable (time before the ACK)", ["channel"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0),
)
