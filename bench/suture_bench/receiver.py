"""A minimal HTTP sink target on 127.0.0.1, in its own process: counts POSTs and when they arrived.

``POST /in`` answers 200 at once and records ``time.monotonic()`` (comparable across processes on Linux),
whether the ``Idempotency-Key`` was seen before, and whether the route's transform shows in the body.
``GET /stats?since=&until=`` returns totals and how many arrived inside the window.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import time
import urllib.request
from typing import Any

from suture_bench.child import ChildServer
from suture_bench.messages import TRANSFORMED_MSH5


def transformed(body: bytes) -> bool:
    """The e2e route's work is visible: MSH-5 set, PID-5 (patient name) cleared.

    >>> transformed(b"MSH|^~\\\\&|A|B|SUTURE-ERP|D\\rPID|1||123||\\r")
    True
    """
    pid = body.find(b"\rPID|")
    if TRANSFORMED_MSH5 not in body[: body.find(b"\r")] or pid < 0:
        return False
    fields = body[pid + 1 : body.find(b"\r", pid + 1)].split(b"|", 6)
    return len(fields) < 6 or fields[5] == b""


def _child(port_out: Any, stop: Any) -> None:
    from aiohttp import web

    arrivals: list[float] = []
    keys: set[str] = set()
    stats = {"duplicates": 0, "untransformed": 0}

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        arrivals.append(time.monotonic())
        key = request.headers.get("Idempotency-Key", "")
        if key in keys:
            stats["duplicates"] += 1
        keys.add(key)
        if not transformed(body):
            stats["untransformed"] += 1
        return web.Response(text="ok")

    async def report(request: web.Request) -> web.Response:
        since = float(request.query.get("since", "0"))
        until = float(request.query.get("until", "inf"))
        window = bisect.bisect_left(arrivals, until) - bisect.bisect_left(arrivals, since)
        out = {
            "total": len(arrivals),
            "in_window": window,
            "unique": len(keys),
            "last": arrivals[-1] if arrivals else 0.0,
            **stats,
        }
        return web.Response(text=json.dumps(out), content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/in", receive)
        app.router.add_get("/stats", report)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        while not stop.is_set():
            await asyncio.sleep(0.05)
        await runner.cleanup()

    asyncio.run(main())


class Receiver(ChildServer):
    """Context manager running the receiver process; ``url`` is what the HTTP sink posts to."""

    name = "HTTP receiver"

    def __init__(self) -> None:
        super().__init__(_child)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/in"

    def stats(self, since: float = 0.0, until: float = float("inf")) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/stats?since={since}&until={until}"
        with urllib.request.urlopen(url, timeout=10) as resp:
            data: dict[str, Any] = json.loads(resp.read())
        return data

    def wait_for(self, total: int, timeout_s: float) -> dict[str, Any]:
        """Poll until ``total`` POSTs have arrived (or the timeout passes); returns the last stats."""
        deadline = time.monotonic() + timeout_s
        while True:
            s = self.stats()
            if s["total"] >= total or time.monotonic() >= deadline:
                return s
            time.sleep(0.05)
