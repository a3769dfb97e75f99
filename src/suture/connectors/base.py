"""Ports between the channel runtime and the connectors.

Connectors move bytes and report success or failure; they never decide routing, retries or ACK content.

* A *Sink* gets an :class:`Outbound` and either returns a :class:`DeliveryResult` or raises
  ``suture.errors.RetryableError`` / ``suture.errors.PermanentError``. The runtime owns retries.
* A *Source* gets a ``submit`` callable from the runtime. For every payload it receives it awaits
  ``submit(Inbound)`` and sends the returned :class:`Reply` back to its peer (MLLP: the ACK frame;
  HTTP: status + body; directory: ``accepted`` decides processed/ vs error/). ``submit`` returns only after
  the payload is durable in the journal (or rejected and kept as a dead letter).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Outbound:
    """What a sink is asked to deliver. ``idempotency_key`` is the same on every try of one delivery."""

    payload: bytes
    content_type: str
    idempotency_key: str
    message_id: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """A successful delivery. ``response`` is a short, PHI-free summary kept in the journal."""

    response: str = ""


@dataclass(frozen=True, slots=True)
class Inbound:
    """A payload a source received."""

    raw: bytes
    content_type: str
    peer: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # Set by a source when the transport itself failed (e.g. frame larger than the maximum). The runtime then
    # rejects the payload with this reason and keeps ``raw`` (possibly truncated) as a dead letter.
    transport_error: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the runtime tells the source to answer. ``body`` is the ACK/NAK bytes or response body."""

    accepted: bool
    body: bytes = b""
    status: int = 200  # for HTTP-like sources
    content_type: str = "text/plain"
    message_id: str = ""
    duplicate: bool = False


Submit = Callable[[Inbound], Awaitable[Reply]]


class Sink(Protocol):
    name: str

    async def start(self) -> None: ...

    async def deliver(self, item: Outbound) -> DeliveryResult: ...

    async def close(self) -> None: ...


class BuildContext(Protocol):
    """What the engine offers a sink config while building: sinks that feed engine services (master data,
    workflows) get them from here, so connectors never import the layers above them."""

    def master_data_sink(self, name: str, config: Any) -> Sink: ...


class Source(Protocol):
    name: str

    async def start(self, submit: Submit) -> None: ...

    async def close(self) -> None: ...
