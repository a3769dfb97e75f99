"""The load generator: K concurrent MLLP senders in one asyncio process, each waiting for its ACK.

It runs in its own process (see :func:`run_in_process`) so its CPU is accounted apart from the engine's.
Every sender keeps one connection open, sends one message, waits for its ACK, checks MSA-1 and sends the
next one. Only exchanges that start after the warm-up and end before the deadline are measured; the ones
in the warm-up and the tail still count in ``acked_total`` (the e2e case waits for all of them to arrive).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from suture_bench.messages import MessageFactory, ack_code
from suture_bench.stats import process_cpu_s

OK_CODES = frozenset({"AA", "CA"})


@dataclass
class LoadResult:
    senders: int
    window_start: float  # time.monotonic(), shared by every process on the host
    window_end: float
    measured: int  # exchanges completed inside the window
    acked_total: int  # every AA/CA, warm-up and tail included
    failures: int  # exceptions (timeouts, resets) and non-AA/CA answers
    bad_codes: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0  # this process, inside the window
    watched_cpu_s: float = 0.0  # the watched process (the engine), inside the window

    @property
    def seconds(self) -> float:
        return self.window_end - self.window_start

    @property
    def rate(self) -> float:
        return self.measured / self.seconds if self.seconds > 0 else 0.0


async def _sender(index: int, host: str, port: int, tag: str, warm_end: float, end: float, out: LoadResult) -> None:
    from suture.connectors.mllp import MllpClient

    factory = MessageFactory(f"{tag}{index:02d}")
    lat = out.latencies_ms
    seq = 0
    async with MllpClient(host, port, connect_timeout_s=5.0, ack_timeout_s=10.0) as client:
        while True:
            payload = factory.make(seq)
            seq += 1
            t0 = time.monotonic()
            if t0 >= end:
                return
            try:
                ack = await client.send(payload)
            except Exception as exc:  # a failure is a figure here, not a crash
                out.failures += 1
                if len(out.errors) < 5:
                    out.errors.append(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(0.01)
                continue
            t1 = time.monotonic()
            code = ack_code(ack)
            if code not in OK_CODES:
                out.failures += 1
                out.bad_codes[code] = out.bad_codes.get(code, 0) + 1
                continue
            out.acked_total += 1
            if t0 >= warm_end and t1 <= end:
                out.measured += 1
                lat.append((t1 - t0) * 1000.0)


async def _watch(warm_end: float, end: float, pid: int, out: LoadResult) -> None:
    """CPU seconds of this process and of ``pid`` (0: none) between ``warm_end`` and ``end``."""
    await asyncio.sleep(max(0.0, warm_end - time.monotonic()))
    mine, theirs = time.process_time(), process_cpu_s(pid) if pid else 0.0
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    out.client_cpu_s = time.process_time() - mine
    out.watched_cpu_s = process_cpu_s(pid) - theirs if pid else 0.0


async def drive(
    host: str, port: int, senders: int, warmup_s: float, seconds: float, tag: str, watch_pid: int = 0
) -> LoadResult:
    warm_end = time.monotonic() + warmup_s
    end = warm_end + seconds
    out = LoadResult(senders, warm_end, end, 0, 0, 0)
    await asyncio.gather(
        _watch(warm_end, end, watch_pid, out),
        *(_sender(i, host, port, tag, warm_end, end, out) for i in range(senders)),
    )
    return out


def _child(
    conn: Any, host: str, port: int, senders: int, warmup_s: float, seconds: float, tag: str, watch_pid: int
) -> None:
    try:
        result = asyncio.run(drive(host, port, senders, warmup_s, seconds, tag, watch_pid))
        conn.send(("ok", asdict(result)))
    except BaseException as exc:  # report, don't hang the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_in_process(
    host: str, port: int, senders: int, warmup_s: float, seconds: float, tag: str, watch_pid: int = 0
) -> LoadResult:
    """Run :func:`drive` in a fresh process and return its result; ``watch_pid``: also report that
    process's CPU time inside the measured window."""
    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, host, port, senders, warmup_s, seconds, tag, watch_pid), daemon=True)
    proc.start()
    send.close()
    timeout = warmup_s + seconds + 60.0
    if not recv.poll(timeout):
        proc.kill()
        raise RuntimeError(f"load generator gave no result within {timeout:.0f}s")
    status, payload = recv.recv()
    proc.join(10)
    if status != "ok":
        raise RuntimeError(f"load generator failed: {payload}")
    return LoadResult(**payload)


def new_tag() -> str:
    """A short per-run prefix so MSH-10 (the dedup key) never repeats across cases and runs."""
    return os.urandom(3).hex().upper()
