"""The channel runtime: receive -> parse -> filter -> transform -> journal -> ACK -> per-sink queues.

``submit`` is what sources call. It returns only after the envelope and its deliveries are committed (or
the input is rejected and kept as a dead letter); the ACK it returns is then safe to send.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from suture.codecs import hl7v2
from suture.connectors.base import Inbound, Reply
from suture.envelope import Envelope
from suture.errors import Location, RejectedInput
from suture.observability import metrics
from suture.pipeline.config import ChannelConfig, Route
from suture.pipeline.filters import Predicate, compile_all
from suture.pipeline.ids import new_control_id, new_message_id, new_trace_id
from suture.pipeline.transforms import Step, compile_chain, run_chain
from suture.pipeline.worker import SinkWorker
from suture.store.journal import Journal
from suture.store.records import Delivery, NewDelivery

log = logging.getLogger("suture.channel")
HL7 = "application/hl7-v2"


@dataclass
class CompiledRoute:
    name: str
    accepts: Predicate
    steps: list[Step]
    order_by: str | None


@dataclass
class Plan:
    """What ingest decided for one message: its status and one delivery per route that takes it."""

    status: str
    deliveries: list[NewDelivery]
    error: str | None = None


def compile_route(route: Route) -> CompiledRoute:
    return CompiledRoute(route.name, compile_all(route.filters), compile_chain(route.transforms), route.order_by)


class ChannelRuntime:
    def __init__(self, config: ChannelConfig, journal: Journal, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.name = config.name
        self.journal = journal
        self.clock = clock
        self.accepts = compile_all(config.filters)
        self.steps = compile_chain(config.transforms)
        self.routes = [compile_route(r) for r in config.routes]
        self.workers: dict[str, SinkWorker] = {}
        self._received = {s: metrics.RECEIVED.labels(self.name, s) for s in ("accepted", "filtered", "error")}
        self._duplicates = metrics.DUPLICATES.labels(self.name)
        self._ingest_seconds = metrics.INGEST_SECONDS.labels(self.name)

    # -- submit ----------------------------------------------------------------------------------------
    async def submit(self, inbound: Inbound) -> Reply:
        """Journal one inbound payload and answer it; the ACK is built only after the commit."""
        started = self.clock()
        if inbound.transport_error:
            return await self._reject(inbound, started, inbound.transport_error, None)
        if self.config.format == "raw":
            return await self._accept_raw(inbound, started)
        raws = hl7v2.split_batch(inbound.raw) if hl7v2.is_batch(inbound.raw) else [inbound.raw]
        replies = [await self._submit_hl7(inbound, raw, started) for raw in raws]
        return replies[0] if len(replies) == 1 else _batch_reply(replies)

    async def _submit_hl7(self, inbound: Inbound, raw: bytes, started: float) -> Reply:
        try:
            msg = hl7v2.parse(raw)
        except RejectedInput as exc:
            return await self._reject(inbound, started, exc.reason, exc.location, raw)
        env = self._envelope(inbound, raw, started, msg.control_id,
                             "|".join(msg.get(p) for p in self.config.idempotency_key))
        plan = self.plan(msg, env)
        result = await self.journal.ingest(env, plan.status, plan.deliveries, error=plan.error)
        self._after_commit(result.duplicate, result.deliveries, plan.status, started)
        code = hl7v2.accept_ack_code(msg, ok=plan.status != "error", rejected=False)
        ack = hl7v2.build_ack(msg, code, control_id=new_control_id(), timestamp=_hl7_time(self.clock()),
                              text=plan.error or "")
        return Reply(True, ack, 200, HL7, result.message_id, result.duplicate)

    async def _accept_raw(self, inbound: Inbound, started: float) -> Reply:
        env = self._envelope(inbound, inbound.raw, started, "", inbound.headers.get("Idempotency-Key", ""))
        deliveries = [self._delivery(env, r.name, inbound.raw, inbound.content_type, None) for r in self.routes]
        result = await self.journal.ingest(env, "accepted", deliveries)
        self._after_commit(result.duplicate, result.deliveries, "accepted", started)
        body = orjson.dumps({"message_id": result.message_id, "duplicate": result.duplicate})
        return Reply(True, body, 200 if result.duplicate else 202, "application/json", result.message_id,
                     result.duplicate)

    async def _reject(self, inbound: Inbound, started: float, reason: str, where: Location | None,
                      raw: bytes | None = None) -> Reply:
        raw = inbound.raw if raw is None else raw
        text = f"{reason} at {where}" if where is not None and str(where) else reason
        env = self._envelope(inbound, raw, started, "", "")
        result = await self.journal.ingest(env, "rejected", [], error=text)
        metrics.RECEIVED.labels(self.name, "rejected").inc()
        log.warning("channel %s rejected message %s: %s", self.name, result.message_id, text)
        if self.config.format == "raw" or inbound.content_type not in (HL7, ""):
            body = orjson.dumps({"message_id": result.message_id, "error": text})
            return Reply(False, body, 400, "application/json", result.message_id)
        nak = hl7v2.build_nak_for_unparseable(raw, reason, control_id=new_control_id(),
                                              timestamp=_hl7_time(self.clock()), error=where)
        return Reply(False, nak, 400, HL7, result.message_id)

    def _after_commit(self, duplicate: bool, deliveries: list[Delivery], status: str, started: float) -> None:
        if duplicate:
            self._duplicates.inc()
        else:
            self._received[status].inc()
            self.offer(deliveries)
        self._ingest_seconds.observe(self.clock() - started)

    def offer(self, deliveries: list[Delivery], *, out_of_order: bool = False) -> None:
        by_sink: dict[str, list[Delivery]] = {}
        for d in deliveries:
            by_sink.setdefault(d.sink, []).append(d)
        for sink, items in by_sink.items():
            self.workers[sink].offer(items, out_of_order=out_of_order)

    # -- plan (no I/O) ---------------------------------------------------------------------------------
    def plan(self, msg: hl7v2.Message, env: Envelope, only: set[str] | None = None) -> Plan:
        """Filters and transforms decide which routes get which bytes; a failing transform is an error."""
        try:
            if not self.accepts(msg):
                return Plan("filtered", [])
            base = run_chain(self.steps, msg)
            if base is None:
                return Plan("filtered", [])
            deliveries = self._route(env, base, only)
        except Exception as exc:  # a transform bug: journal the message as an error, never lose it
            log.warning("channel %s transform failed on message %s: %s", self.name, env.id, type(exc).__name__)
            return Plan("error", [], f"transform failed: {type(exc).__name__}")
        return Plan("accepted" if deliveries else "filtered", deliveries)

    def _route(self, env: Envelope, base: hl7v2.Message | bytes, only: set[str] | None) -> list[NewDelivery]:
        base_bytes = bytes(base) if isinstance(base, bytes | bytearray) else base.to_bytes()
        view = base if isinstance(base, hl7v2.Message) else hl7v2.parse(base_bytes)  # what routes filter on
        out = []
        for route in self.routes:
            if only is not None and route.name not in only:
                continue
            if not route.accepts(view):
                continue
            body = base_bytes
            if route.steps:
                payload = run_chain(route.steps, view.copy())
                if payload is None:
                    continue
                body = bytes(payload) if isinstance(payload, bytes | bytearray) else payload.to_bytes()
            key = view.get(route.order_by) if route.order_by else None
            out.append(self._delivery(env, route.name, body, HL7, key))
        return out

    def _delivery(self, env: Envelope, route: str, body: bytes, content_type: str, key: str | None) -> NewDelivery:
        return NewDelivery(route, body, content_type, f"{env.id}:{route}", key)

    def _envelope(self, inbound: Inbound, raw: bytes, now: float, control_id: str, key: str) -> Envelope:
        return Envelope(
            id=new_message_id(now), channel=self.name, raw=raw, content_type=inbound.content_type or HL7,
            received_at=now, peer=inbound.peer, control_id=control_id,
            correlation_id=inbound.headers.get("X-Correlation-Id", ""),
            trace_id=new_trace_id(), idempotency_key=key,
        )


def _batch_reply(replies: list[Reply]) -> Reply:
    ok = all(r.accepted for r in replies)
    return Reply(ok, b"\r".join(r.body for r in replies), 200 if ok else 400, replies[0].content_type,
                 ",".join(r.message_id for r in replies))


_last_second: list[tuple[int, str]] = [(-1, "")]


def _hl7_time(now: float) -> str:
    """HL7 DTM in UTC; formatted once per second (it is on every ACK)."""
    second = int(now)
    cached = _last_second[0]
    if cached[0] != second:
        cached = (second, time.strftime("%Y%m%d%H%M%S", time.gmtime(second)) + "+0000")
        _last_second[0] = cached
    return cached[1]
