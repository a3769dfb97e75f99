"""DirectorySource polling real files under tmp_path."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from suture.connectors.base import Inbound, Reply
from suture.connectors.directory.config import DirectorySourceConfig
from suture.connectors.directory.source import DirectorySource, free_name
from suture.errors import StoreError

PAYLOAD = b"MSH|^~\\&|A|B|C|D|202401011200||ADT^A01|1|P|2.5\rPID|1||12345||DOE^JANE\r"


class FakeRuntime:
    """Records submissions; accepts unless told otherwise; can raise or block."""

    def __init__(self) -> None:
        self.received: list[Inbound] = []
        self.accept = True
        self.error: Exception | None = None
        self.gate: asyncio.Event | None = None
        self.calls = 0

    async def submit(self, inbound: Inbound) -> Reply:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        self.received.append(inbound)
        return Reply(accepted=self.accept)


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def drop(directory: Path, name: str, data: bytes = PAYLOAD, age_s: float = 60.0) -> Path:
    path = directory / name
    path.write_bytes(data)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
async def start_source(tmp_path, runtime) -> AsyncIterator[Callable[..., Awaitable[DirectorySource]]]:
    sources: list[DirectorySource] = []

    async def start(**config: object) -> DirectorySource:
        settings = {"path": str(tmp_path / "in"), "interval_s": 0.01, "min_age_s": 0, **config}
        source = DirectorySource("drop", DirectorySourceConfig(**settings))  # type: ignore[arg-type]
        await source.start(runtime.submit)
        sources.append(source)
        return source

    yield start
    for source in sources:
        await source.close()


async def polls_pass(source: DirectorySource, count: int = 3) -> None:
    target = source.polls + count
    await wait_until(lambda: source.polls >= target)


async def test_start_creates_inbox_processed_and_error_dirs(tmp_path, start_source):
    await start_source()
    assert {p.name for p in (tmp_path / "in").iterdir()} == {"processed", "error"}


async def test_accepted_file_is_submitted_and_moved_to_processed(tmp_path, start_source, runtime):
    source = await start_source(content_type="application/x12")
    drop(source.path, "a.hl7")
    await wait_until(lambda: (source.processed_dir / "a.hl7").exists())
    [inbound] = runtime.received
    assert (inbound.raw, inbound.content_type, inbound.peer) == (PAYLOAD, "application/x12", "file:a.hl7")
    assert (source.processed_dir / "a.hl7").read_bytes() == PAYLOAD
    assert not (source.path / "a.hl7").exists()


async def test_rejected_file_is_moved_to_error(start_source, runtime):
    runtime.accept = False
    source = await start_source()
    drop(source.path, "bad.hl7")
    await wait_until(lambda: (source.error_dir / "bad.hl7").exists())
    assert not (source.processed_dir / "bad.hl7").exists()


async def test_configured_processed_and_error_dirs_are_used(tmp_path, start_source, runtime):
    source = await start_source(processed_dir=str(tmp_path / "done"), error_dir=str(tmp_path / "failed"))
    drop(source.path, "ok.hl7")
    await wait_until(lambda: (tmp_path / "done" / "ok.hl7").exists())
    runtime.accept = False
    drop(source.path, "bad.hl7")
    await wait_until(lambda: (tmp_path / "failed" / "bad.hl7").exists())


async def test_young_file_is_skipped_until_old_enough(start_source, runtime):
    source = await start_source(min_age_s=3600)
    young = drop(source.path, "a.hl7", age_s=0)
    await polls_pass(source)
    assert runtime.calls == 0 and young.exists()
    stamp = time.time() - 3601
    os.utime(young, (stamp, stamp))
    await wait_until(lambda: (source.processed_dir / "a.hl7").exists())


async def test_files_are_submitted_oldest_first(tmp_path, start_source, runtime):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name, age in (("new.hl7", 100), ("old.hl7", 300), ("mid.hl7", 200)):
        drop(inbox, name, age_s=age)
    await start_source()
    await wait_until(lambda: len(runtime.received) == 3)
    assert [inbound.peer for inbound in runtime.received] == ["file:old.hl7", "file:mid.hl7", "file:new.hl7"]


async def test_hidden_temp_unmatched_files_and_subdirectories_are_ignored(start_source, runtime):
    source = await start_source(pattern="*.hl7")
    for name in (".hidden.hl7", "a.hl7.tmp", "b.hl7.part", "c.hl7~", "d.txt"):
        drop(source.path, name)
    (source.path / "sub.hl7").mkdir()
    drop(source.path, "real.hl7")
    await wait_until(lambda: (source.processed_dir / "real.hl7").exists())
    await polls_pass(source)
    assert [inbound.peer for inbound in runtime.received] == ["file:real.hl7"]


async def test_name_collision_in_processed_gets_a_suffix_and_overwrites_nothing(start_source, runtime):
    source = await start_source()
    (source.processed_dir / "a.hl7").write_bytes(b"earlier")
    (source.processed_dir / "a-1.hl7").write_bytes(b"earlier too")
    drop(source.path, "a.hl7")
    await wait_until(lambda: (source.processed_dir / "a-2.hl7").exists())
    assert (source.processed_dir / "a.hl7").read_bytes() == b"earlier"
    assert (source.processed_dir / "a-1.hl7").read_bytes() == b"earlier too"
    assert (source.processed_dir / "a-2.hl7").read_bytes() == PAYLOAD


def test_free_name_appends_counter_before_the_extension(tmp_path):
    (tmp_path / "x.hl7").touch()
    (tmp_path / "noext").touch()
    assert free_name(tmp_path, "x.hl7") == tmp_path / "x-1.hl7"
    assert free_name(tmp_path, "noext") == tmp_path / "noext-1"
    assert free_name(tmp_path, "fresh.hl7") == tmp_path / "fresh.hl7"


async def test_submit_failure_leaves_the_file_and_it_is_retried_next_poll(start_source, runtime, caplog):
    runtime.error = StoreError("journal down while storing DOE^JANE")
    source = await start_source()
    drop(source.path, "a.hl7")
    with caplog.at_level(logging.WARNING):
        await wait_until(lambda: runtime.calls >= 3)
    assert (source.path / "a.hl7").read_bytes() == PAYLOAD
    assert "StoreError" in caplog.text and "DOE" not in caplog.text
    runtime.error = None
    await wait_until(lambda: (source.processed_dir / "a.hl7").exists())
    assert len(runtime.received) == 1


async def test_submit_failure_stops_the_poll_so_later_files_keep_their_order(start_source, runtime):
    runtime.error = StoreError("journal down")
    source = await start_source()
    drop(source.path, "old.hl7", age_s=200)
    drop(source.path, "new.hl7", age_s=100)
    await wait_until(lambda: runtime.calls >= 3)
    await polls_pass(source)
    runtime.error = None
    await wait_until(lambda: len(runtime.received) == 2)
    assert [inbound.peer for inbound in runtime.received] == ["file:old.hl7", "file:new.hl7"]


async def test_failed_move_is_retried_without_submitting_the_file_again(start_source, runtime):
    source = await start_source(pattern="*.hl7")
    source.processed_dir.rmdir()
    source.processed_dir.write_bytes(b"")  # a plain file where the directory should be: the move fails
    drop(source.path, "a.hl7")
    await wait_until(lambda: runtime.calls == 1)
    await polls_pass(source)
    assert runtime.calls == 1 and (source.path / "a.hl7").exists()
    source.processed_dir.unlink()  # the operator fixes it; the next poll recreates the dir and moves
    await wait_until(lambda: (source.processed_dir / "a.hl7").exists())
    assert runtime.calls == 1


async def test_close_finishes_the_file_in_progress(start_source, runtime):
    runtime.gate = asyncio.Event()
    source = await start_source()
    drop(source.path, "a.hl7", age_s=200)
    drop(source.path, "b.hl7", age_s=100)
    await wait_until(lambda: runtime.calls == 1)
    closing = asyncio.create_task(source.close())
    await asyncio.sleep(0.05)
    assert not closing.done()
    runtime.gate.set()
    await closing
    assert (source.processed_dir / "a.hl7").exists()
    assert (source.path / "b.hl7").exists() and runtime.calls == 1


async def test_poller_survives_the_inbox_disappearing(start_source, runtime, caplog):
    source = await start_source()
    for child in source.path.iterdir():
        child.rmdir()
    source.path.rmdir()
    with caplog.at_level(logging.ERROR):
        await polls_pass(source)
    assert "FileNotFoundError" in caplog.text
    source.path.mkdir()
    drop(source.path, "a.hl7")
    await wait_until(lambda: (source.processed_dir / "a.hl7").exists())
