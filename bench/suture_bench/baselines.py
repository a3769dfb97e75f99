"""The machine's own limits, measured in the same run as Suture's figures.

* :func:`fdatasync_rate`: append 1.2 KB and ``fdatasync`` in a loop, in the journal's filesystem: the most
  durable commits per second one writer can make with one sync each (one sender's ceiling).
* :class:`EchoServer`: an :class:`MllpServer` answering every frame with a fixed ACK, in its own process:
  the MLLP + asyncio + client cost with no parsing and no journal (the CPU ceiling of this host).
* :func:`journal_sql_rate`: Suture's own ingest SQL (``suture.store.queries.ingest_many``, Suture's schema
  and indexes, the statements the engine's group commit runs) in a plain loop on one connection, ``batch``
  messages per commit: what the database gives the journal with no MLLP, no parsing, no event loop and no
  writer thread. ``batch=1`` is one commit per message; ``batch=8`` is what perfect group commit of 8
  senders could reach.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from suture_bench.child import ChildServer
from suture_bench.messages import MessageFactory, fixed_ack

PAYLOAD = os.urandom(600).hex().encode()  # 1,200 bytes


def fdatasync_rate(directory: Path, seconds: float) -> float:
    """Durable 1.2 KB appends per second (one ``fdatasync`` each) to a fresh file in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"fdatasync-probe-{os.getpid()}.tmp"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    try:
        n = 0
        start = time.monotonic()
        deadline = start + seconds
        while True:
            os.write(fd, PAYLOAD)
            os.fdatasync(fd)
            n += 1
            now = time.monotonic()
            if now >= deadline:
                return n / (now - start)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)


def cpu_share(seconds: float) -> float:
    """Share of one core a busy loop gets: ~1.0 on a quiet host, less when other processes compete."""
    wall0, cpu0 = time.monotonic(), time.process_time()
    while time.monotonic() - wall0 < seconds:
        sum(range(1000))
    return (time.process_time() - cpu0) / (time.monotonic() - wall0)


def _echo_child(port_out: Any, stop: Any) -> None:
    from suture.connectors.base import Inbound
    from suture.connectors.mllp import MllpServer

    ack = fixed_ack()

    async def main() -> None:
        async def handler(inbound: Inbound) -> bytes:
            return ack

        server = MllpServer("127.0.0.1", 0, handler)
        await server.start()
        port_out.send(server.port)
        while not stop.is_set():
            await asyncio.sleep(0.05)
        await server.close()

    asyncio.run(main())


class EchoServer(ChildServer):
    """A bare MLLP listener with a fixed ACK, in its own process. Use as a context manager."""

    name = "echo server"

    def __init__(self) -> None:
        super().__init__(_echo_child)


def journal_sql_rate(database_url: str, directory: Path, batch: int, seconds: float) -> float:
    """Messages per second through the journal's own ingest statements (``queries.ingest_many``, as the
    engine's group commit runs them) on a fresh journal, ``batch`` per commit: on SQLite one multi-row
    INSERT in a ``BEGIN IMMEDIATE`` transaction; on PostgreSQL the one-statement form in autocommit."""
    from suture.envelope import Envelope
    from suture.pipeline.ids import new_message_id, new_trace_id
    from suture.store import open_journal
    from suture.store import queries as q

    journal = open_journal(database_url, directory)
    asyncio.run(_migrate(journal))
    dialect = journal.dialect
    factories = [MessageFactory(f"J{os.getpid() % 100:02d}{i:02d}") for i in range(8)]
    postgres = dialect.name == "postgres"
    conn = dialect.connect(for_writes=True)
    if postgres:
        conn.autocommit = True
    try:
        n = seq = 0
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            cur = conn.cursor()
            if not postgres:
                dialect.begin(cur)
            group = []
            for j in range(batch):
                raw = factories[j % 8].make(seq)
                cid = raw.split(b"|", 10)[9].decode()
                now = time.time()
                env = Envelope(
                    id=new_message_id(now),
                    channel="bench",
                    raw=raw,
                    content_type="application/hl7-v2",
                    received_at=now,
                    peer="127.0.0.1:1",
                    control_id=cid,
                    trace_id=new_trace_id(),
                    idempotency_key=f"{cid}|EPIC|NORTHSIDE_HOSP",
                )
                group.append((env, "filtered", [], None))
            q.ingest_many(dialect.sql, postgres, cur, group)
            n += batch
            seq += 1
            if not postgres:
                conn.commit()
            cur.close()
        return n / (time.monotonic() - start)
    finally:
        conn.close()


async def _migrate(journal: Any) -> None:
    await journal.open()
    await journal.close()
