"""Plain records the journal reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MessageStatus = Literal["accepted", "filtered", "rejected", "error"]
DeliveryState = Literal["pending", "delivered", "dead"]
AttemptOutcome = Literal["ok", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """One sink's copy of a message, created in the same transaction as the message."""

    sink: str
    payload: bytes
    content_type: str
    idempotency_key: str
    order_key: str | None = None


@dataclass(slots=True)
class Delivery:
    id: int
    message_id: str
    channel: str
    sink: str
    payload: bytes
    content_type: str
    idempotency_key: str
    order_key: str | None
    state: str
    attempts: int
    next_attempt_at: float
    created_at: float
    last_error: str | None = None
    replay_of: int | None = None


@dataclass(frozen=True, slots=True)
class IngestResult:
    message_id: str
    duplicate: bool
    deliveries: list[Delivery] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One finished try of one delivery."""

    delivery_id: int
    message_id: str
    sink: str
    try_no: int
    started_at: float
    ended_at: float
    outcome: str
    response: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: str
    channel: str
    received_at: float
    peer: str
    content_type: str
    control_id: str
    correlation_id: str
    trace_id: str
    idempotency_key: str | None
    status: str
    error: str | None
    size: int
    duplicates: int
    raw: bytes | None = None


@dataclass(frozen=True, slots=True)
class MessageDetail:
    message: MessageRecord
    deliveries: list[Delivery]
    attempts: list[Attempt]


@dataclass(frozen=True, slots=True)
class MessageQuery:
    """Filters for message search; every field optional. ``before`` pages by id (newest first)."""

    channel: str | None = None
    status: str | None = None
    since: float | None = None
    until: float | None = None
    control_id: str | None = None
    ids: tuple[str, ...] | None = None
    before: str | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class DeliveryQuery:
    """Select deliveries for replay or dead-letter listing."""

    channel: str | None = None
    sink: str | None = None
    state: str | None = None
    since: float | None = None
    until: float | None = None
    message_ids: tuple[str, ...] | None = None
    delivery_ids: tuple[int, ...] | None = None
    limit: int = 1000
