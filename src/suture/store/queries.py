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


_MESSAGE_INSERT = ("INSERT INTO messages (id, channel, received_at, peer, content_type, control_id, correlation_id, "
                   "trace_id, idempotency_key, status, error, size, raw) VALUES ")
_MESSAGE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_MESSAGE_CONFLICT = " ON CONFLICT (channel, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
_DELIVERY_INSERT = ("INSERT INTO deliveries (message_id, channel, sink, payload, content_type, idempotency_key, "
                    "order_key, state, attempts, next_attempt_at, created_at, replay_of) VALUES ")
_DELIVERY_ROW = "(?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)"
ROWS_PER_STATEMENT = 64  # well under every backend's limit on bound parameters

IngestArgs = tuple[Envelope, str, list[NewDelivery], str | None]


def _chunks(rows: list[Any], size: int = ROWS_PER_STATEMENT) -> list[list[Any]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def _values(head: str, row: str, n: int, tail: str = "") -> str:
    return head + ", ".join([row] * n) + tail


def ingest(sql: Sql, env: Envelope, status: str, items: list[NewDelivery], error: str | None,
           cur: Any) -> IngestResult:
    """One envelope with its deliveries (see :func:`ingest_many`)."""
    return ingest_many(sql, False, cur, [(env, status, items, error)])[0]


def ingest_many(sql: Sql, returning: bool, cur: Any, batch: list[IngestArgs]) -> list[IngestResult]:
    """Store envelopes and their deliveries with multi-row INSERTs.

    An envelope whose idempotency key the channel has seen (earlier, or earlier in this batch) is not
    stored: the original's duplicate counter goes up and its id comes back with ``duplicate=True``.
    ``returning`` (PostgreSQL): each chunk of envelopes with their deliveries is one statement
    (:func:`_ingest_statement`), complete on its own, so it needs no transaction around it; only a duplicate
    adds one (its counter). Else (SQLite): one INSERT for the envelopes, one for the deliveries, whose ids
    come from the last rowid (one INSERT in a write transaction numbers its rows consecutively).
    """
    if returning:
        return _ingest_one_statement(sql, cur, batch)
    rows = [_message_row(env, status, error) for env, status, _, error in batch]
    stored = 0
    for chunk in _chunks(rows):
        cur.execute(sql(_values(_MESSAGE_INSERT, _MESSAGE_ROW, len(chunk), _MESSAGE_CONFLICT)),
                    [v for row in chunk for v in row])
        stored += cur.rowcount
    ids = [env.id for env, _, _, _ in batch]
    new = set(ids) if stored == len(rows) else _stored_ids(sql, cur, ids)
    results: list[IngestResult] = []
    wanted: list[tuple[str, str, NewDelivery, float]] = []
    for env, _, items, _ in batch:
        if env.id in new:
            results.append(IngestResult(env.id, False, []))
            wanted.extend((env.id, env.channel, item, env.received_at) for item in items)
        else:
            results.append(IngestResult(_count_duplicate(sql, cur, env), duplicate=True))
    if wanted:
        by_message = {r.message_id: r.deliveries for r in results if not r.duplicate}
        for d in _insert_delivery_rows(sql, returning, cur, wanted, {}):
            by_message[d.message_id].append(d)
    return results


def _message_row(env: Envelope, status: str, error: str | None) -> tuple[Any, ...]:
    return (env.id, env.channel, env.received_at, env.peer, env.content_type, env.control_id, env.correlation_id,
            env.trace_id, env.idempotency_key or None, status, error, len(env.raw), env.raw)


def _delivery_params(message_id: str, channel: str, item: NewDelivery, now: float,
                     replay_of: dict[str, int]) -> tuple[Any, ...]:
    return (message_id, channel, item.sink, item.payload, item.content_type, item.idempotency_key, item.order_key,
            now, now, replay_of.get(item.sink))


def _new_delivery(delivery_id: int, message_id: str, channel: str, item: NewDelivery, now: float,
                  replay_of: dict[str, int]) -> Delivery:
    return Delivery(delivery_id, message_id, channel, item.sink, item.payload, item.content_type,
                    item.idempotency_key, item.order_key, "pending", 0, now, now, None, replay_of.get(item.sink))


def _stored_ids(sql: Sql, cur: Any, ids: list[str]) -> set[str]:
    """Which of these envelope ids the journal holds (after an INSERT that skipped duplicates)."""
    present: set[str] = set()
    for chunk in _chunks(ids):
        cur.execute(sql(f"SELECT id FROM messages WHERE id IN ({', '.join('?' for _ in chunk)})"), chunk)
        present.update(r[0] for r in cur.fetchall())
    return present


def _count_duplicate(sql: Sql, cur: Any, env: Envelope) -> str:
    """Count ``env`` as a duplicate on the envelope it repeats; that envelope's id."""
    cur.execute(sql("UPDATE messages SET duplicates = duplicates + 1 WHERE channel = ? AND idempotency_key = ? "
                    "RETURNING id"), (env.channel, env.idempotency_key or None))
    original: str = cur.fetchone()[0]
    return original


_TYPED_DELIVERY_ROW = ("(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BYTEA), CAST(? AS TEXT), "
                       "CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION), "
                       "CAST(? AS BIGINT))")


def _ingest_statement(n_messages: int, n_deliveries: int) -> str:
    """One PostgreSQL statement: insert the envelopes (``m``) and the deliveries of those that were new
    (``d``); return ``(0, envelope id, NULL)`` per new envelope and ``(1, delivery id, its idempotency key)``
    per delivery. Without deliveries, the plain INSERT (its row count says whether all were new). An
    envelope that repeats a known key is skipped (``ON CONFLICT DO NOTHING``)."""
    if not n_deliveries:
        return _values(_MESSAGE_INSERT, _MESSAGE_ROW, n_messages, _MESSAGE_CONFLICT)
    return _values(
        "WITH m AS (" + _values(_MESSAGE_INSERT, _MESSAGE_ROW, n_messages, _MESSAGE_CONFLICT + " RETURNING id")
        + "), d AS (INSERT INTO deliveries (message_id, channel, sink, payload, content_type, idempotency_key, "
        "order_key, state, attempts, next_attempt_at, created_at, replay_of) SELECT dv.m, dv.c, dv.s, dv.p, dv.ct, "
        "dv.k, dv.o, 'pending', 0, dv.n, dv.t, dv.r FROM (VALUES ", _TYPED_DELIVERY_ROW, n_deliveries,
        ") AS dv (m, c, s, p, ct, k, o, n, t, r) JOIN m ON m.id = dv.m RETURNING id, idempotency_key) "
        "SELECT 0, id, NULL FROM m UNION ALL SELECT 1, CAST(id AS TEXT), idempotency_key FROM d")


def _ingest_one_statement(sql: Sql, cur: Any, batch: list[IngestArgs]) -> list[IngestResult]:
    results: list[IngestResult] = []
    for chunk in _chunks(batch):
        rows = [v for env, status, _, error in chunk for v in _message_row(env, status, error)]
        wanted = [(env.id, env.channel, item, env.received_at) for env, _, items, _ in chunk for item in items]
        deliveries = [v for message_id, channel, item, now in wanted
                      for v in _delivery_params(message_id, channel, item, now, {})]
        cur.execute(sql(_ingest_statement(len(chunk), len(wanted))), rows + deliveries)
        delivery_ids: dict[str, int] = {}
        if wanted:
            new: set[str] = set()
            for kind, first, key in cur.fetchall():
                if kind == 0:
                    new.add(first)
                else:
                    delivery_ids[key] = int(first)
        elif cur.rowcount == len(chunk):
            new = {env.id for env, _, _, _ in chunk}
        else:  # some repeat a known key: which ones were stored?
            new = _stored_ids(sql, cur, [env.id for env, _, _, _ in chunk])
        by_message: dict[str, list[Delivery]] = {}
        for message_id, channel, item, now in wanted:
            if message_id in new:
                by_message.setdefault(message_id, []).append(
                    _new_delivery(delivery_ids[item.idempotency_key], message_id, channel, item, now, {}))
        for env, _, _, _ in chunk:
            if env.id in new:
                results.append(IngestResult(env.id, False, by_message.get(env.id, [])))
            else:  # repeats a known key (or one earlier in this chunk)
                results.append(IngestResult(_count_duplicate(sql, cur, env), duplicate=True))
    return results


def _insert_delivery_rows(sql: Sql, returning: bool, cur: Any, wanted: list[tuple[str, str, NewDelivery, float]],
                          replay_of: dict[str, int]) -> list[Delivery]:
    out: list[Delivery] = []
    for chunk in _chunks(wanted):
        params = [v for message_id, channel, item, now in chunk
                  for v in _delivery_params(message_id, channel, item, now, replay_of)]
        text = _values(_DELIVERY_INSERT, _DELIVERY_ROW, len(chunk))
        if returning:
            cur.execute(sql(text + " RETURNING id, idempotency_key"), params)
            ids_by_key = {key: delivery_id for delivery_id, key in cur.fetchall()}
            ids = [ids_by_key[item.idempotency_key] for _, _, item, _ in chunk]
        else:
            cur.execute(sql(text), params)
            last = cur.lastrowid
            ids = list(range(last - len(chunk) + 1, last + 1))
        out.extend(_new_delivery(delivery_id, message_id, channel, item, now, replay_of)
                   for delivery_id, (message_id, channel, item, now) in zip(ids, chunk, strict=True))
    return out


def add_deliveries(sql: Sql, message_id: str, channel: str, items: list[NewDelivery], now: float,
                   replay_of: dict[str, int], cur: Any) -> list[Delivery]:
    return _insert_delivery_rows(sql, True, cur, [(message_id, channel, item, now) for item in items], replay_of)


FinishArgs = tuple[Attempt, str, float]
_ATTEMPT_INSERT = ("INSERT INTO attempts (delivery_id, message_id, sink, try_no, started_at, ended_at, outcome, "
                   "response, error) VALUES ")
_ATTEMPT_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
_STATE_HEAD = "WITH v (id, state, attempts, next_attempt_at, updated_at, last_error) AS (VALUES "
_STATE_TAIL = (") UPDATE deliveries SET state = v.state, attempts = v.attempts, next_attempt_at = v.next_attempt_at, "
               "updated_at = v.updated_at, last_error = v.last_error FROM v WHERE deliveries.id = v.id")
_STATE_ROW = ("(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS DOUBLE PRECISION), "
              "CAST(? AS DOUBLE PRECISION), CAST(? AS TEXT))")


def finish_attempt(sql: Sql, a: Attempt, state: str, next_attempt_at: float, cur: Any) -> None:
    finish_many(sql, False, cur, [(a, state, next_attempt_at)])


def finish_many(sql: Sql, one_statement: bool, cur: Any, batch: list[FinishArgs]) -> list[None]:
    """Journal finished tries and move their deliveries to their new state, with multi-row statements.
    ``one_statement`` (PostgreSQL): the attempts' INSERT rides in the UPDATE's WITH, so each chunk is one
    statement, complete on its own."""
    for chunk in _chunks(batch):
        attempts = [v for a, _, _ in chunk for v in (a.delivery_id, a.message_id, a.sink, a.try_no, a.started_at,
                                                     a.ended_at, a.outcome, a.response, a.error)]
        states = [v for a, state, next_at in chunk for v in (a.delivery_id, state, a.try_no, next_at, a.ended_at,
                                                             a.error)]
        update = _values(_STATE_HEAD, _STATE_ROW, len(chunk), _STATE_TAIL)
        if one_statement:
            insert = _values("WITH a AS (" + _ATTEMPT_INSERT, _ATTEMPT_ROW, len(chunk), "), ")
            cur.execute(sql(insert + update.removeprefix("WITH ")), attempts + states)
        else:
            cur.execute(sql(_values(_ATTEMPT_INSERT, _ATTEMPT_ROW, len(chunk))), attempts)
            cur.execute(sql(update), states)
    return [None] * len(batch)


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
