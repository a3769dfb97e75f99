"""Replay: run journaled envelopes through their channel again, for all routes or one sink.

A replay never edits history: it adds new deliveries to the original message (``replay_of`` points at the
delivery being replayed, when there is one), and their attempts are journaled like any other. Each replayed
delivery gets its own idempotency key (``<message>:<route>:replay-<n>``) so a sink that deduplicates does
not swallow a deliberate re-send; its retries keep that key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from suture.codecs import hl7v2
from suture.envelope import Envelope
from suture.errors import RejectedInput
from suture.pipeline.channel import ChannelRuntime
from suture.store.journal import Journal
from suture.store.records import DeliveryQuery, MessageQuery, MessageRecord, NewDelivery

DELIVERY_STATES = {"pending", "delivered", "dead"}


@dataclass(frozen=True)
class Selection:
    """What to replay. ``status`` is a message status (accepted, filtered, error, rejected) or a delivery
    state (pending, delivered, dead); ``sink`` limits the replay to one route."""

    channel: str | None = None
    sink: str | None = None
    status: str | None = None
    since: float | None = None
    until: float | None = None
    ids: tuple[str, ...] = ()
    limit: int = 1000


@dataclass
class ReplayItem:
    message_id: str
    channel: str
    sinks: list[str]
    replay_of: dict[str, int] = field(default_factory=dict)
    new_delivery_ids: list[int] = field(default_factory=list)
    skipped: str = ""


async def select(journal: Journal, sel: Selection) -> list[ReplayItem]:
    """The messages (and for each, the sinks) a replay would send."""
    if sel.sink is not None or sel.status in DELIVERY_STATES:
        rows = await journal.deliveries(DeliveryQuery(
            channel=sel.channel, sink=sel.sink, state=sel.status if sel.status in DELIVERY_STATES else None,
            since=sel.since, until=sel.until, message_ids=sel.ids or None, limit=sel.limit))
        items: dict[str, ReplayItem] = {}
        for d in rows:
            item = items.setdefault(d.message_id, ReplayItem(d.message_id, d.channel, []))
            if d.sink not in item.sinks:
                item.sinks.append(d.sink)
            item.replay_of[d.sink] = d.id
        return list(items.values())
    msgs = await journal.messages(MessageQuery(channel=sel.channel, status=sel.status, since=sel.since,
                                               until=sel.until, ids=sel.ids or None, limit=sel.limit))
    return [ReplayItem(m.id, m.channel, []) for m in msgs]


async def replay(journal: Journal, runtimes: dict[str, ChannelRuntime], sel: Selection, *, dry_run: bool,
                 now: float) -> list[ReplayItem]:
    """Select, and unless ``dry_run``, re-run each message through its channel's routes."""
    items = await select(journal, sel)
    for item in items:
        runtime = runtimes.get(item.channel)
        if runtime is None:
            item.skipped = "channel is not configured"
            continue
        if not item.sinks:
            item.sinks = [r.name for r in runtime.routes]
        if not dry_run:
            await _replay_one(journal, runtime, item, now)
    return items


async def _replay_one(journal: Journal, runtime: ChannelRuntime, item: ReplayItem, now: float) -> None:
    detail = await journal.message(item.message_id)
    if detail is None or detail.message.raw is None:
        item.skipped = "message not found"
        return
    try:
        msg = hl7v2.parse(detail.message.raw)
    except RejectedInput as exc:
        item.skipped = f"still unparseable: {exc.reason}"
        return
    plan = runtime.plan(msg, _envelope(detail.message), only=set(item.sinks))
    if plan.status == "error":
        item.skipped = plan.error or "transform failed"
        return
    tag = secrets.token_hex(3)
    fresh = [NewDelivery(d.sink, d.payload, d.content_type, f"{d.idempotency_key}:replay-{tag}", d.order_key)
             for d in plan.deliveries]
    if not fresh:
        item.skipped = "filtered out"
        return
    created = await journal.add_deliveries(item.message_id, item.channel, fresh, now, item.replay_of)
    item.new_delivery_ids = [d.id for d in created]
    runtime.offer(created, out_of_order=True)


def _envelope(m: MessageRecord) -> Envelope:
    return Envelope(id=m.id, channel=m.channel, raw=m.raw or b"", content_type=m.content_type,
                    received_at=m.received_at, control_id=m.control_id)
