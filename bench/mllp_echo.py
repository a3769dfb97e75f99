"""Informal benchmark: a bare echo MllpServer answering 8 concurrent MllpClients (one request in flight each).

Run on purpose, not collected by pytest (belongs in bench/ once the lead moves it):

    .venv/bin/python tests/connectors/mllp/bench_echo.py [--clients 8] [--seconds 5] [--size 1500]

The server runs in its own process so client and server each get a core, as they would in production.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import time

from suture.connectors.base import Inbound
from suture.connectors.mllp import MllpClient, MllpServer


def serve(port_out: mp.connection.Connection, stop: mp.synchronize.Event) -> None:
    async def main() -> None:
        async def echo(inbound: Inbound) -> bytes:
            return inbound.raw

        server = MllpServer("127.0.0.1", 0, echo)
        await server.start()
        port_out.send(server.port)
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await server.close()

    asyncio.run(main())
    port_out.send(time.process_time())


async def drive(port: int, clients: int, seconds: float, size: int) -> tuple[int, float]:
    payload = b"MSH|^~\\&|BENCH|X|Y|Z|20240101||ADT^A01|1|P|2.5\r" + b"P" * max(0, size - 50)
    counts = [0] * clients

    async def one(i: int, deadline: float) -> None:
        async with MllpClient("127.0.0.1", port) as client:
            while time.perf_counter() < deadline:
                await client.send(payload)
                counts[i] += 1

    start = time.perf_counter()
    await asyncio.gather(*(one(i, start + seconds) for i in range(clients)))
    return sum(counts), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--size", type=int, default=1500)
    args = parser.parse_args()
    recv, send = mp.Pipe(duplex=False)
    stop = mp.Event()
    proc = mp.Process(target=serve, args=(send, stop))
    proc.start()
    port = recv.recv()
    cpu0 = time.process_time()
    try:
        n, elapsed = asyncio.run(drive(port, args.clients, args.seconds, args.size))
    finally:
        stop.set()
    server_cpu = recv.recv()
    proc.join()
    client_cpu = time.process_time() - cpu0
    print("| clients | payload bytes | messages | seconds | msg/s | server CPU µs/msg | client CPU µs/msg |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.clients} | {args.size} | {n} | {elapsed:.2f} | {n / elapsed:,.0f} "
        f"| {server_cpu / n * 1e6:.0f} | {client_cpu / n * 1e6:.0f} |"
    )


if __name__ == "__main__":
    main()
