"""Crash safety, proven: ``kill -9`` the engine while a sender streams and a sink receives.

A real MLLP sender (4 connections) streams distinct HL7 v2 messages and, like any MLLP sender, resends a
message until it gets its ACK. A real HTTP downstream applies each ``Idempotency-Key`` once. The engine is
SIGKILLed mid-stream (deliveries in flight and queued), restarted with the same config, and SIGKILLed again
while it drains its queue. Afterwards:

* every ACKed message reached the downstream and was applied exactly once;
* every wire-level try of one message carried one and the same idempotency key (the journal's);
* messages committed but not ACKed before the kill were resent by the sender and counted as duplicates at
  ingest, not processed again;
* the figures (ACKed before the kill, wire repeats, duplicates at ingest, drain time) are reported.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from suture.connectors.mllp import MllpClient
from suture.errors import RetryableError
from suture.store import open_journal
from suture.store.records import DeliveryQuery

from .conftest import EngineProcess, RecordingReceiver, free_port, msh10, write_config

pytestmark = pytest.mark.slow

CHANNEL = "crash"
MESSAGES = 3000
CONNECTIONS = 4
KILL_AFTER_ACKS = 900
IN_DOUBT = 3  # frames committed but whose ACK the sender never reads before the kill
SB, EB = b"\x0b", b"\x1c\r"


def hl7(control_id: str, n: int) -> bytes:
    return "\r".join([
        f"MSH|^~\\&|CRASHTEST|NORTH|SUTURE|HUB|20250101120000||ADT^A08^ADT_A01|{control_id}|P|2.5.1",
        "EVN|A08|20250101120000",
        f"PID|1||{100000 + n}^^^NORTH^MR||DOE^PAT{n}||19800101|U",
        "PV1|1|I|WARD^101^A",
    ]).encode() + b"\r"


def parse_ack(ack: bytes) -> tuple[str, str]:
    """(MSA-1 ack code, MSA-2 acknowledged control id)."""
    for segment in ack.replace(b"\n", b"\r").split(b"\r"):
        if segment.startswith(b"MSA"):
            fields = segment.decode(errors="replace").split(segment[3:4].decode())
            return (fields[1] if len(fields) > 1 else ""), (fields[2] if len(fields) > 2 else "")
    return "", ""


@dataclass
class Sender:
    """An MLLP sender that keeps each message until it is ACKed, resending across connection failures."""

    host: str
    port: int
    acked: dict[str, float] = field(default_factory=dict)  # control id -> when the AA arrived
    sends: Counter[str] = field(default_factory=Counter)  # control id -> frames written for it
    errors: list[str] = field(default_factory=list)

    async def stream(self, messages: list[tuple[str, bytes]], connections: int, deadline: float) -> None:
        queue = deque(messages)

        async def connection() -> None:
            client = MllpClient(self.host, self.port, connect_timeout_s=2.0, ack_timeout_s=15.0)
            try:
                while queue:
                    control_id, payload = queue.popleft()
                    await self.send_until_acked(client, control_id, payload, deadline)
            finally:
                await client.close()

        await asyncio.gather(*(connection() for _ in range(connections)))

    async def send_until_acked(self, client: MllpClient, control_id: str, payload: bytes, deadline: float) -> None:
        while True:
            self.sends[control_id] += 1
            try:
                ack = await client.send(payload)
            except RetryableError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)  # the engine is down or restarting: keep the message, try again
                continue
            code, acked_id = parse_ack(ack)
            if code != "AA" or acked_id != control_id:
                self.errors.append(f"{control_id}: got {code!r} for {acked_id!r}")
            else:
                self.acked[control_id] = time.monotonic()
            return

    @property
    def resent(self) -> int:
        """Messages the sender had to try more than once (connection lost or refused, ACK never read)."""
        return sum(1 for n in self.sends.values() if n > 1)


async def until(cond: Callable[[], bool], timeout: float, what: str, step: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        await asyncio.sleep(step)


async def seconds_until(cond: Callable[[], bool], since: float, what: str) -> float:
    await until(cond, 60, what, 0.02)
    return time.monotonic() - since


def channel_config(mllp_port: int, receiver_url: str, outbox: Path) -> dict[str, Any]:
    fast_retry = {"max_attempts": 1000, "max_age_s": 3600, "initial_backoff_s": 0.05, "max_backoff_s": 0.5}
    return {
        "name": CHANNEL,
        "source": {"type": "mllp", "host": "127.0.0.1", "port": mllp_port},
        "routes": [
            {"name": "downstream", "sink": {"type": "http", "url": receiver_url, "timeout_s": 5},
             "retry": fast_retry, "concurrency": 4},
            # An independent second route: its own queue, unaffected by the downstream's pace.
            {"name": "archive", "sink": {"type": "file", "directory": str(outbox), "fsync": False},
             "retry": fast_retry},
        ],
    }


async def leave_acks_unread(sender: Sender, frames: list[tuple[str, bytes]], engine: EngineProcess) -> socket.socket:
    """Write frames on a raw connection and wait until they are journaled, never reading the ACKs.

    To the sender these are messages whose ACK was lost in the crash; it must resend them.
    """
    sock = socket.create_connection((sender.host, sender.port))
    sock.sendall(b"".join(SB + payload + EB for _, payload in frames))
    for control_id, _ in frames:
        sender.sends[control_id] += 1

    def journaled() -> bool:
        return all(engine.api("/api/v1/messages", channel=CHANNEL, control_id=cid)["items"] for cid, _ in frames)

    deadline = time.monotonic() + 15
    while not await asyncio.to_thread(journaled):
        assert time.monotonic() < deadline, "in-doubt frames were never journaled"
        await asyncio.sleep(0.02)
    return sock


async def kill_and_restart(engine: EngineProcess) -> float:
    """SIGKILL, restart with the same config; returns how long the engine was down."""
    down_at = time.monotonic()
    engine.kill9()
    await asyncio.to_thread(engine.start)
    return time.monotonic() - down_at


async def journal_deliveries(database_url: str, base: Path) -> dict[str, list[Any]]:
    """Every delivery of the channel, per sink, read from the journal after the engine stopped."""
    journal = open_journal(database_url, base)
    await journal.open()
    try:
        out: dict[str, list[Any]] = {}
        for sink in ("downstream", "archive"):
            out[sink] = await journal.deliveries(DeliveryQuery(channel=CHANNEL, sink=sink, limit=1_000_000))
        return out
    finally:
        await journal.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'engine' / 'var' / 'suture.db'}"
    return str(request.getfixturevalue("pg_schema_url"))


async def test_kill_9_while_streaming_loses_nothing_acked_and_applies_each_message_once(
    tmp_path: Path, database_url: str, engine_factory: Callable[..., EngineProcess], receiver: RecordingReceiver,
    crash_figures: Callable[[str, dict[str, Any]], None], request: pytest.FixtureRequest,
) -> None:
    mllp_port = free_port()
    outbox = tmp_path / "outbox"
    config = write_config(tmp_path / "engine", [channel_config(mllp_port, receiver.url, outbox)],
                          database_url=database_url)
    engine = engine_factory(config)
    await asyncio.to_thread(engine.start)

    run = f"{int(time.time()) % 100000:05d}"
    messages = [(f"C{run}-{n:05d}", hl7(f"C{run}-{n:05d}", n)) for n in range(MESSAGES)]
    in_doubt = [(f"D{run}-{n}", hl7(f"D{run}-{n}", 90000 + n)) for n in range(IN_DOUBT)]
    every_id = {cid for cid, _ in messages + in_doubt}
    sender = Sender("127.0.0.1", mllp_port)
    deadline = time.monotonic() + 90
    streaming = asyncio.create_task(sender.stream(messages, CONNECTIONS, deadline))

    # -- kill 1: mid-stream, with ACKed messages queued and deliveries in flight -----------------------------
    await until(lambda: (len(sender.acked) >= KILL_AFTER_ACKS and receiver.snapshot()[1] >= 50) or streaming.done(),
                60, f"{KILL_AFTER_ACKS} messages are ACKed and the receiver is receiving")
    assert not streaming.done(), "the stream finished before the kill; raise MESSAGES"
    unread = await leave_acks_unread(sender, in_doubt, engine)
    await until(lambda: receiver.snapshot()[3] > 0, 5, "a delivery is in flight", step=0.001)
    acked_before_kill = set(sender.acked)
    applied_at_kill = receiver.applied_set()
    in_flight_at_kill = receiver.snapshot()[3]
    downtime_1 = await kill_and_restart(engine)
    unread.close()
    restarted_1 = time.monotonic()
    queued_at_kill = len(acked_before_kill - applied_at_kill)
    backlog_1 = asyncio.create_task(seconds_until(lambda: receiver.applied_set() >= acked_before_kill, restarted_1,
                                                  "what was ACKed before kill 1 is applied"))

    # The sender resends what it never got an ACK for, like any MLLP sender after a reconnect.
    resend = asyncio.create_task(sender.stream(in_doubt, 1, deadline))
    await asyncio.wait_for(asyncio.gather(streaming, resend), 90)
    assert sender.errors == []
    assert set(sender.acked) == every_id, "the sender got an AA for every message"

    # -- kill 2: while the queue drains (the sender is done, the downstream is behind) -----------------------
    backlog_at_kill_2 = len(every_id - receiver.applied_set())
    backlog_1_before_kill_2 = backlog_1.done()
    downtime_2 = await kill_and_restart(engine)
    restarted_at = time.monotonic()

    await until(lambda: receiver.applied_set() >= every_id, 60, "every ACKed message is applied downstream", 0.02)
    drain_s = time.monotonic() - restarted_at
    backlog_1_s = f"{await backlog_1:.2f}" + ("" if backlog_1_before_kill_2 else " (incl. kill 2)")

    def journal_settled() -> bool:
        counts = engine.channel(CHANNEL)["counts"]
        return counts.get("deliveries_delivered", 0) >= 2 * len(every_id) and not counts.get("deliveries_pending")

    deadline_settle = time.monotonic() + 30
    while not await asyncio.to_thread(journal_settled):
        assert time.monotonic() < deadline_settle, f"journal never settled: {engine.channel(CHANNEL)['counts']}"
        await asyncio.sleep(0.05)
    journaled = await asyncio.to_thread(engine.all_messages, CHANNEL)
    counts = engine.channel(CHANNEL)["counts"]
    assert await asyncio.to_thread(engine.stop) == 0, "clean shutdown after the crashes"
    deliveries = await journal_deliveries(database_url, config.parent)

    requests, applied, repeats, _ = receiver.snapshot()
    ingest_duplicates = sum(m["duplicates"] for m in journaled)
    figures = {
        "backend": request.node.callspec.params["database_url"],
        "messages": len(every_id),
        "acked_before_kill_1": len(acked_before_kill),
        "acked_but_not_yet_applied_at_kill_1": queued_at_kill,
        "deliveries_in_flight_at_kill_1": in_flight_at_kill,
        "all_acked_before_kill_1_applied_after_s": backlog_1_s,
        "not_yet_applied_at_kill_2": backlog_at_kill_2,
        "messages_resent_by_sender": sender.resent,
        "duplicates_at_ingest": ingest_duplicates,
        "wire_requests": requests,
        "wire_repeats": repeats,
        "applied": applied,
        "downtime_s": f"{downtime_1:.2f} / {downtime_2:.2f}",
        "drain_after_restart_2_s": f"{drain_s:.2f}",
    }
    crash_figures(request.node.name, figures)

    assert_applied_exactly_once(receiver, every_id, acked_before_kill)
    assert_journaled_once(journaled, deliveries, receiver, sender, every_id)
    assert counts.get("duplicates", 0) == ingest_duplicates
    for cid, _ in in_doubt:
        entry = next(m for m in journaled if m["control_id"] == cid)
        assert entry["duplicates"] >= 1, f"the resend of committed-but-unACKed {cid} is counted as a duplicate"
    archived = [p for p in outbox.iterdir() if not p.name.startswith(".")]
    assert sorted(msh10(p.read_bytes()) for p in archived) == sorted(every_id), "archive: one file per message"


def assert_applied_exactly_once(receiver: RecordingReceiver, every_id: set[str], acked_before_kill: set[str]) -> None:
    """Nothing ACKed is lost; the downstream applied each message once; all its tries carried one key."""
    requests, applied, repeats, _ = receiver.snapshot()
    assert acked_before_kill <= receiver.applied_set()
    assert receiver.applied_set() == every_id
    assert {cid: n for cid, n in receiver.applied_ids.items() if n != 1} == {}
    assert receiver.missing_key == 0
    assert {cid: keys for cid, keys in receiver.keys_by_id.items() if len(keys) != 1} == {}
    assert repeats == requests - applied


def assert_journaled_once(journaled: list[dict[str, Any]], deliveries: dict[str, list[Any]],
                          receiver: RecordingReceiver, sender: Sender, every_id: set[str]) -> None:
    """One journal entry and one delivery per route per message; the wire key is the journal's key."""
    assert sorted(m["control_id"] for m in journaled) == sorted(every_id), "one journal entry per message"
    assert {m["status"] for m in journaled} == {"accepted"}
    for m in journaled:
        assert m["duplicates"] <= sender.sends[m["control_id"]] - 1, "a duplicate needs a resend"
    for sink in ("downstream", "archive"):
        rows = deliveries[sink]
        assert len(rows) == len(every_id), f"{sink}: one delivery per message, none created twice"
        assert {d.state for d in rows} == {"delivered"}
        assert len({d.message_id for d in rows}) == len(every_id)
    control_id = {m["id"]: m["control_id"] for m in journaled}
    for d in deliveries["downstream"]:
        assert receiver.keys_by_id[control_id[d.message_id]] == {d.idempotency_key}
