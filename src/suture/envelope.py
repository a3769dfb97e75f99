"""The Envelope: the immutable unit that moves through a channel."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Envelope:
    """One received payload, before and independent of any parsing.

    ``raw`` is kept byte for byte; everything else is metadata. ``received_at`` is epoch seconds (float),
    supplied by the caller so that pure code never reads the clock.
    """

    id: str
    channel: str
    raw: bytes
    content_type: str
    received_at: float
    peer: str = ""
    control_id: str = ""
    correlation_id: str = ""
    trace_id: str = ""
    idempotency_key: str = ""
    headers: dict[str, str] = field(default_factory=dict)
