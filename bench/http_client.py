"""HTTP client benchmark: aiohttp (as the HTTP sink used it before ADR 0008) beside Suture's lean client.

    .venv/bin/python bench/http_client.py [--requests 5000] [--repeat 3] [--in-flight 4 16] [--size 1200]

Each case POSTs ``--requests`` bodies of ``--size`` bytes to bench/suture_bench/receiver.py's Receiver (an
aiohttp server in its own process, answering 200 at once) with a fixed number of requests in flight, on
asyncio's loop and on uvloop. Clients:

* ``aiohttp``: one ClientSession with a TCPConnector(limit=in flight), a total timeout, allow_redirects off and
  the body read, which is what the sink did before;
* ``lean``: :class:`suture.connectors.http.client.HttpClient`;
* ``sink``: :meth:`HttpSink.deliver` on the lean client (headers, idempotency key, classification included).

``client CPU`` is this process's CPU time per request (the receiver's is not counted); req/s is bounded by
the receiver too, so CPU per request is the figure to compare. Each row is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from suture_bench.receiver import Receiver

from suture.connectors.base import Outbound
from suture.connectors.http.client import HttpClient
from suture.connectors.http.config import HttpSinkConfig
from suture.connectors.http.sink import HttpSink

Send = Callable[[int], Awaitable[int]]
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"asyncio": asyncio.new_event_loop}
try:
    import uvloop

    LOOPS["uvloop"] = uvloop.new_event_loop
except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
    pass


async def drive(send: Send, requests: int, in_flight: int) -> tuple[float, float]:
    """Run ``requests`` sends with ``in_flight`` workers; (req/s, client CPU µs per request)."""

    async def worker(first: int) -> None:
        for n in range(first, requests, in_flight):
            status = await send(n)
            if status != 200:
                raise RuntimeError(f"receiver answered {status}")

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(w) for w in range(in_flight)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return requests / wall, cpu / requests * 1e6


async def with_aiohttp(url: str, body: bytes, requests: int, in_flight: int) -> tuple[float, float]:
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30), auto_decompress=True
    ) as session:
        slots = asyncio.Semaphore(in_flight)

        async def send(n: int) -> int:
            headers = {"Content-Type": "application/hl7-v2", "Idempotency-Key": f"bench:{n}"}
            async with slots, session.request("POST", url, data=body, headers=headers, allow_redirects=False) as r:
                await r.read()
                return r.status

        await drive(send, min(500, requests), in_flight)  # warm-up: connections open, code paths hot
        return await drive(send, requests, in_flight)


async def with_lean(url: str, body: bytes, requests: int, in_flight: int) -> tuple[float, float]:
    client = HttpClient(url, max_connections=in_flight, timeout_s=30)

    async def send(n: int) -> int:
        headers = [("Content-Type", "application/hl7-v2"), ("Idempotency-Key", f"bench:{n}")]
        return (await client.request("POST", headers, body)).status

    try:
        await drive(send, min(500, requests), in_flight)
        return await drive(send, requests, in_flight)
    finally:
        await client.close()


async def with_sink(url: str, body: bytes, requests: int, in_flight: int) -> tuple[float, float]:
    sink = HttpSink("bench", HttpSinkConfig(url=url, max_connections=in_flight, timeout_s=30))
    await sink.start()

    async def send(n: int) -> int:
        await sink.deliver(Outbound(body, "application/hl7-v2", f"bench:{n}", f"m{n}"))
        return 200

    try:
        await drive(send, min(500, requests), in_flight)
        return await drive(send, requests, in_flight)
    finally:
        await sink.close()


CLIENTS = {"aiohttp": with_aiohttp, "lean": with_lean, "sink": with_sink}


def measure(loop: str, client: str, url: str, args: argparse.Namespace, in_flight: int) -> tuple[float, float]:
    runs = []
    body = b"MSH|^~\\&|BENCH|X|Y|Z|20240101||ADT^A01|1|P|2.5\r" + b"P" * max(0, args.size - 48)
    for _ in range(args.repeat):
        gc.collect()
        with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
            runs.append(runner.run(CLIENTS[client](url, body, args.requests, in_flight)))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="measured requests per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median is shown")
    parser.add_argument("--in-flight", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--size", type=int, default=1200, help="request body bytes")
    args = parser.parse_args()
    print(f"{args.requests} POSTs of {args.size} B per run, median of {args.repeat}; receiver in its own process\n")
    print("| loop | client | in flight | req/s | client CPU µs/req |")
    print("| --- | --- | --- | --- | --- |")
    with Receiver() as receiver:
        for loop in LOOPS:
            for in_flight in args.in_flight:
                for client in CLIENTS:
                    rate, cpu = measure(loop, client, receiver.url, args, in_flight)
                    print(f"| {loop} | {client} | {in_flight} | {rate:,.0f} | {cpu:.0f} |", flush=True)


if __name__ == "__main__":
    main()
