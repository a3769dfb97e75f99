"""One contract for every journal backend (SQLite and PostgreSQL run the same tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from suture.envelope import Envelope
from suture.store import Journal, open_journal
from suture.store.records import Attempt, DeliveryQuery, MessageQuery, NewDelivery


def env(n: int, *, key: str | None = None, channel: str = "adt", raw: bytes = b"MSH|^~\\&|A|B\r") -> Envelope:
    return Envelope(id=f"{n:025d}", channel=channel, raw=raw, content_type="application/hl7-v2",
                    received_at=1000.0 + n, peer="127.0.0.1:5000", control_id=f"C{n}",
                    idempotency_key=f"C{n}|APP|FAC" if key is None else key, trace_id="t" * 32)


def deliveries(n: int, sinks: tuple[str, ...] = ("erp", "archive")) -> list[NewDelivery]:
    return [NewDelivery(s, f"payload-{n}-{s}".encode(), "application/hl7-v2", f"{n}:{s}", order_key="P1")
            for s in sinks]


async def test_ingest_stores_envelope_and_deliveries(journal: Journal) -> None:
    result = await journal.ingest(env(1), "accepted", deliveries(1))
    assert not result.duplicate
    assert [d.sink for d in result.deliveries] == ["erp", "archive"]
    detail = await journal.message(result.message_id)
    assert detail is not None
    assert detail.message.raw == b"MSH|^~\\&|A|B\r"
    assert detail.message.peer == "127.0.0.1:5000"
    assert detail.message.control_id == "C1"
    assert detail.message.trace_id == "t" * 32
    assert [d.payload for d in detail.deliveries] == [b"payload-1-erp", b"payload-1-archive"]
    assert all(d.state == "pending" for d in detail.deliveries)


async def test_same_idempotency_key_is_a_duplicate_and_stores_nothing_new(journal: Journal) -> None:
    first = await journal.ingest(env(1, key="K"), "accepted", deliveries(1))
    second = await journal.ingest(env(2, key="K"), "accepted", deliveries(2))
    assert second.duplicate and second.message_id == first.message_id and second.deliveries == []
    assert len(await journal.messages(MessageQuery(channel="adt"))) == 1
    counts = await journal.channel_counts()
    assert counts["adt"]["duplicates"] == 1
    assert counts["adt"]["deliveries_pending"] == 2


async def test_same_key_on_another_channel_is_not_a_duplicate(journal: Journal) -> None:
    await journal.ingest(env(1, key="K"), "accepted", [])
    other = await journal.ingest(env(2, key="K", channel="lab"), "accepted", [])
    assert not other.duplicate


async def test_rejected_input_keeps_raw_bytes_without_key(journal: Journal) -> None:
    for n in (1, 2):
        await journal.ingest(env(n, key="", raw=b"\x00garbage"), "rejected", [], error="not HL7 at line 1")
    rejected = await journal.messages(MessageQuery(status="rejected"))
    assert len(rejected) == 2
    detail = await journal.message(rejected[0].id)
    assert detail is not None and detail.message.raw == b"\x00garbage"
    assert detail.message.error == "not HL7 at line 1"


async def test_concurrent_ingests_share_group_commits(journal: Journal) -> None:
    results = await asyncio.gather(*(journal.ingest(env(n), "accepted", deliveries(n)) for n in range(200)))
    assert len({r.message_id for r in results}) == 200
    batches, ops = journal.group_commit_stats
    assert ops >= 200 and batches < ops  # several ingests per transaction
    ids = [d.id for r in results for d in r.deliveries]
    assert len(set(ids)) == 400


async def test_one_group_transaction_sorts_out_duplicates_and_delivery_ids(journal: Journal) -> None:
    """Ingests written by one multi-row statement: a key repeated inside the batch, a key seen before, and
    every returned delivery id naming the row the journal holds for that message and sink."""
    await journal.ingest(env(0, key="OLD"), "accepted", deliveries(0))
    batch = [env(n, key="OLD" if n == 3 else ("TWICE" if n in (5, 9) else None)) for n in range(1, 150)]
    results = await asyncio.gather(*(journal.ingest(e, "accepted", deliveries(n)) for n, e in enumerate(batch, 1)))
    dupes = {n: r for n, r in enumerate(results, 1) if r.duplicate}
    assert sorted(dupes) == [3, 9]
    assert dupes[3].message_id == f"{0:025d}" and dupes[9].message_id == f"{5:025d}"
    assert all(r.deliveries == [] for r in dupes.values())
    for r in results:
        if r.duplicate:
            continue
        detail = await journal.message(r.message_id)
        assert detail is not None
        stored = {d.id: (d.message_id, d.sink, d.payload) for d in detail.deliveries}
        assert {d.id: (d.message_id, d.sink, d.payload) for d in r.deliveries} == stored
    counts = await journal.channel_counts()
    assert counts["adt"]["duplicates"] == 2 and counts["adt"]["accepted"] == 148


async def test_attempts_finished_together_each_move_their_own_delivery(journal: Journal) -> None:
    results = [await journal.ingest(env(n), "accepted", deliveries(n, ("erp",))) for n in range(40)]
    ds = [r.deliveries[0] for r in results]
    await asyncio.gather(*(
        journal.finish_attempt(Attempt(d.id, d.message_id, "erp", 1, 10.0, 10.5 + i, "ok" if i % 2 else "retry",
                                       "HTTP 200" if i % 2 else None, None if i % 2 else f"HTTP 50{i % 10}"),
                               "delivered" if i % 2 else "pending", 100.0 + i)
        for i, d in enumerate(ds)))
    for i, d in enumerate(ds):
        detail = await journal.message(d.message_id)
        assert detail is not None
        (row,) = detail.deliveries
        assert (row.state, row.attempts, row.next_attempt_at) == ("delivered" if i % 2 else "pending", 1, 100.0 + i)
        assert row.last_error == (None if i % 2 else f"HTTP 50{i % 10}")
        assert [(a.try_no, a.ended_at) for a in detail.attempts] == [(1, 10.5 + i)]
    assert len(await journal.pending("adt", "erp", 0, 100)) == 20


async def test_one_failing_write_does_not_fail_its_batch_neighbours(journal: Journal) -> None:
    good = [journal.ingest(env(n), "accepted", deliveries(n)) for n in range(20)]
    bad = journal.add_deliveries("no-such-message", "adt", deliveries(99), 1.0)  # foreign key violation
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert all(not isinstance(r, BaseException) for r in results[:20])
    assert isinstance(results[20], Exception)


async def test_attempts_are_journaled_and_move_the_delivery(journal: Journal) -> None:
    result = await journal.ingest(env(1), "accepted", deliveries(1, ("erp",)))
    d = result.deliveries[0]
    await journal.finish_attempt(Attempt(d.id, d.message_id, "erp", 1, 10.0, 10.5, "retry", None, "HTTP 503"),
                                 "pending", 20.0)
    await journal.finish_attempt(Attempt(d.id, d.message_id, "erp", 2, 20.0, 20.1, "ok", "HTTP 201", None),
                                 "delivered", 20.1)
    detail = await journal.message(d.message_id)
    assert detail is not None
    assert [(a.try_no, a.outcome, a.response, a.error) for a in detail.attempts] == [
        (1, "retry", None, "HTTP 503"), (2, "ok", "HTTP 201", None)]
    assert detail.deliveries[0].state == "delivered" and detail.deliveries[0].attempts == 2
    assert await journal.pending("adt", "erp", 0, 10) == []


async def test_pending_pages_by_id_per_sink(journal: Journal) -> None:
    for n in range(5):
        await journal.ingest(env(n), "accepted", deliveries(n))
    page1 = await journal.pending("adt", "erp", 0, 3)
    page2 = await journal.pending("adt", "erp", page1[-1].id, 3)
    assert len(page1) == 3 and len(page2) == 2
    assert all(d.sink == "erp" for d in page1 + page2)
    assert [d.payload for d in page1 + page2] == [f"payload-{n}-erp".encode() for n in range(5)]


async def test_dead_delivery_can_be_requeued_once(journal: Journal) -> None:
    d = (await journal.ingest(env(1), "accepted", deliveries(1, ("erp",)))).deliveries[0]
    failed = Attempt(d.id, d.message_id, "erp", 1, 1.0, 2.0, "failed", None, "HTTP 400")
    await journal.finish_attempt(failed, "dead", 2.0)
    dead = await journal.deliveries(DeliveryQuery(state="dead"))
    assert [x.id for x in dead] == [d.id]
    again = await journal.requeue([d.id], 50.0)
    assert [x.state for x in again] == ["pending"]
    assert await journal.requeue([d.id], 51.0) == []  # not dead any more


async def test_replay_deliveries_point_at_the_original(journal: Journal) -> None:
    d = (await journal.ingest(env(1), "accepted", deliveries(1, ("erp",)))).deliveries[0]
    new = await journal.add_deliveries(d.message_id, "adt", [NewDelivery("erp", b"again", "x", "k:replay")], 9.0,
                                       {"erp": d.id})
    assert new[0].replay_of == d.id
    detail = await journal.message(d.message_id)
    assert detail is not None and [x.replay_of for x in detail.deliveries] == [None, d.id]


async def test_message_search_filters_and_pages(journal: Journal) -> None:
    for n in range(10):
        await journal.ingest(env(n, channel="adt" if n % 2 else "lab"), "accepted", [])
    adt = await journal.messages(MessageQuery(channel="adt"))
    assert len(adt) == 5 and adt[0].id > adt[-1].id  # newest first
    assert len(await journal.messages(MessageQuery(since=1003.0, until=1006.0))) == 3
    page = await journal.messages(MessageQuery(limit=4))
    rest = await journal.messages(MessageQuery(before=page[-1].id, limit=100))
    assert len(page) + len(rest) == 10
    assert [m.id for m in await journal.messages(MessageQuery(control_id="C3"))] == [env(3).id]


async def test_migrations_run_once_and_data_survives_reopen(journal_url: str, tmp_path: Path) -> None:
    j = open_journal(journal_url, tmp_path)
    await j.open()
    await j.ingest(env(1), "accepted", deliveries(1))
    await j.close()
    j2 = open_journal(journal_url, tmp_path)
    await j2.open()
    try:
        assert len(await j2.messages(MessageQuery())) == 1
    finally:
        await j2.close()


async def test_sqlite_journal_is_wal_with_full_sync(tmp_path: Path) -> None:
    j = open_journal(f"sqlite:///{tmp_path}/j.db", tmp_path)
    await j.open()
    try:
        conn = j.dialect.connect(for_writes=False)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        conn.close()
    finally:
        await j.close()
