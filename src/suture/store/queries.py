"""SQL for the journal, shared by SQLite and PostgreSQL (``sql`` adapts the placeholders).

Write functions run inside the group-commit transaction (they get a cursor); read functions get a cursor
on a reader connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from suture.envelope import Envelope
from suture.store.records import (
    Attempt,
    Delivery,
    DeliveryQuery,
    IngestResult,
    MessageDetail,
    MessageQuery,
    MessageRecord,
    NewDelivery,
)

Sql = Callable[[str], str]

DELIVERY_COLS = ("id, message_id, channel, sink, payload, content_type, idempotency_key, order_key, state, "
                 "attempts, next_attempt_at, created_at, last_error, replay_of")
MESSAGE_COLS = ("id, channel, received_at, peer, content_type, control_id, correlation_id, trace_id, "
                "idempotency_key, status, error, size, duplicates")


def _delivery(row: Any) -> Delivery:
    return Delivery(row[0], row[1], row[2], row[3], bytes(row[4]), row[5], row[6], row[7], row[8], row[9],
                    row[10], row[11], row[12], row[13])


def _message(row: Any, raw: bytes | None = None) -> MessageRecord:
    return MessageRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10],
                         row[11], row[12], raw)


def ingest(sql: Sql, env: Envelope, status: str, items: list[NewDelivery], error: str | None,
           cur: Any) -> IngestResult:
    key = env.idempotency_key or None
    cur.execute(sql(
        "INSERT INTO messages (id, channel, received_at, peer, content_type, control_id, correlation_id, "
        "trace_id, idempotency_key, status, error, size, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (channel, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"),
        (env.id, env.channel, env.received_at, env.peer, env.content_type, env.control_id, env.correlation_id,
         env.trace_id, key, status, error, len(env.raw), env.raw))
    if cur.rowcount == 0:
        cur.execute(sql("UPDATE messages SET duplicates = duplicates + 1 WHERE channel = ? AND idempotency_key = ? "
                        "RETURNING id"), (env.channel, key))
        return IngestResult(cur.fetchone()[0], duplicate=True)
    return IngestResult(env.id, False, _insert_deliveries(sql, cur, env.id, env.channel, items, env.received_at, {}))


def _insert_deliveries(sql: Sql, cur: Any, message_id: str, channel: str, items: list[NewDelivery], now: float,
                       replay_of: dict[str, int]) -> list[Delivery]:
    out = []
    for item in items:
        origin = replay_of.get(item.sink)
        cur.execute(sql(
            "INSERT INTO deliveries (message_id, channel, sink, payload, content_type, idempotency_key, order_key, "
            "state, attempts, next_attempt_at, created_at, replay_of) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) RETURNING id"),
            (message_id, channel, item.sink, item.payload, item.content_type, item.idempotency_key, item.order_key,
             now, now, origin))
        out.append(Delivery(cur.fetchone()[0], message_id, channel, item.sink, item.payload, item.content_type,
                            item.idempotency_key, item.order_key, "pending", 0, now, now, None, origin))
    return out


def add_deliveries(sql: Sql, message_id: str, channel: str, items: list[NewDelivery], now: float,
                   replay_of: dict[str, int], cur: Any) -> list[Delivery]:
    return _insert_deliveries(sql, cur, message_id, channel, items, now, replay_of)


def finish_attempt(sql: Sql, a: Attempt, state: str, next_attempt_at: float, cur: Any) -> None:
    cur.execute(sql(
        "INSERT INTO attempts (delivery_id, message_id, sink, try_no, started_at, ended_at, outcome, response, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        (a.delivery_id, a.message_id, a.sink, a.try_no, a.started_at, a.ended_at, a.outcome, a.response, a.error))
    cur.execute(sql("UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, updated_at = ?, "
                    "last_error = ? WHERE id = ?"),
                (state, a.try_no, next_attempt_at, a.ended_at, a.error, a.delivery_id))


def requeue(sql: Sql, ids: list[int], now: float, cur: Any) -> list[Delivery]:
    out = []
    for delivery_id in ids:
        cur.execute(sql(f"UPDATE deliveries SET state = 'pending', next_attempt_at = ?, updated_at = ? "
                        f"WHERE id = ? AND state = 'dead' RETURNING {DELIVERY_COLS}"), (now, now, delivery_id))
        row = cur.fetchone()
        if row is not None:
            out.append(_delivery(row))
    return out


def pending(sql: Sql, cur: Any, channel: str, sink: str, after_id: int, limit: int) -> list[Delivery]:
    cur.execute(sql(f"SELECT {DELIVERY_COLS} FROM deliveries WHERE channel = ? AND sink = ? AND state = 'pending' "
                    "AND id > ? ORDER BY id LIMIT ?"), (channel, sink, after_id, limit))
    return [_delivery(r) for r in cur.fetchall()]


def _where(conditions: list[tuple[str, Any]]) -> tuple[str, list[Any]]:
    """``[("channel = ?", "adt"), ("id IN", (..)), ("x < ?", None)]`` -> WHERE clause and arguments; None and
    empty values are skipped, tuples become ``IN (?, ...)``."""
    parts: list[str] = []
    args: list[Any] = []
    for expr, value in conditions:
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            parts.append(f"{expr} ({', '.join('?' for _ in value)})")
            args.extend(value)
        else:
            parts.append(expr)
            args.append(value)
    return (f"WHERE {' AND '.join(parts)}" if parts else ""), args


def messages(sql: Sql, cur: Any, query: MessageQuery) -> list[MessageRecord]:
    clause, args = _where([
        ("channel = ?", query.channel), ("status = ?", query.status), ("control_id = ?", query.control_id),
        ("received_at >= ?", query.since), ("received_at < ?", query.until), ("id < ?", query.before),
        ("id IN", tuple(query.ids or ())),
    ])
    cur.execute(sql(f"SELECT {MESSAGE_COLS} FROM messages {clause} ORDER BY id DESC LIMIT ?"), (*args, query.limit))
    return [_message(r) for r in cur.fetchall()]


def message_detail(sql: Sql, cur: Any, message_id: str) -> MessageDetail | None:
    cur.execute(sql(f"SELECT {MESSAGE_COLS}, raw FROM messages WHERE id = ?"), (message_id,))
    row = cur.fetchone()
    if row is None:
        return None
    cur.execute(sql(f"SELECT {DELIVERY_COLS} FROM deliveries WHERE message_id = ? ORDER BY id"), (message_id,))
    deliveries = [_delivery(r) for r in cur.fetchall()]
    cur.execute(sql("SELECT delivery_id, message_id, sink, try_no, started_at, ended_at, outcome, response, error "
                    "FROM attempts WHERE message_id = ? ORDER BY id"), (message_id,))
    attempts = [Attempt(*r) for r in cur.fetchall()]
    return MessageDetail(_message(row[:-1], bytes(row[-1])), deliveries, attempts)


def deliveries(sql: Sql, cur: Any, query: DeliveryQuery) -> list[Delivery]:
    clause, args = _where([
        ("d.channel = ?", query.channel), ("d.sink = ?", query.sink), ("d.state = ?", query.state),
        ("d.created_at >= ?", query.since), ("d.created_at < ?", query.until),
        ("d.message_id IN", tuple(query.message_ids or ())), ("d.id IN", tuple(query.delivery_ids or ())),
    ])
    cols = ", ".join(f"d.{c.strip()}" for c in DELIVERY_COLS.split(","))
    cur.execute(sql(f"SELECT {cols} FROM deliveries d {clause} ORDER BY d.id LIMIT ?"), (*args, query.limit))
    return [_delivery(r) for r in cur.fetchall()]


def channel_counts(sql: Sql, cur: Any) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    cur.execute("SELECT channel, status, COUNT(*), SUM(duplicates) FROM messages GROUP BY channel, status")
    for channel, status, count, dupes in cur.fetchall():
        c = out.setdefault(channel, {})
        c[status] = int(count)
        c["duplicates"] = c.get("duplicates", 0) + int(dupes or 0)
    cur.execute("SELECT channel, state, COUNT(*) FROM deliveries GROUP BY channel, state")
    for channel, state, count in cur.fetchall():
        out.setdefault(channel, {})[f"deliveries_{state}"] = int(count)
    return out
