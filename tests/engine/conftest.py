"""An engine in the test's event loop with real sockets (ports chosen by the OS) and a real journal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from suture.config.loader import Config
from suture.config.settings import ApiSettings, Settings
from suture.connectors.mllp.client import MllpClient
from suture.engine import Engine
from suture.pipeline.config import ChannelConfig

MSG = (
    "MSH|^~\\&|EHR|HOSP|ERP|HOSP|20260101120000||{type}|{cid}|P|2.5.1\r"
    "PID|1||{mrn}^^^HOSP^MR||DOE^JANE||19700101|F\r"
    "FT1|1|||20260101||CG|IMPLANT-42^Hip stem^LOCAL|||1\r"
)


def hl7(cid: str, mtype: str = "DFT^P03", mrn: str = "12345") -> bytes:
    return MSG.format(type=mtype, cid=cid, mrn=mrn).encode()


class Running:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{engine.api_port}",
                                     headers={"Authorization": f"Bearer {engine.admin_token}"})

    def mllp(self, channel: str = "adt") -> MllpClient:
        port = self.engine.sources[channel].port  # type: ignore[attr-defined]
        return MllpClient("127.0.0.1", port, connect_timeout_s=5, ack_timeout_s=10)

    async def get(self, path: str, **params: Any) -> Any:
        r = await self.api.get(path, params=params)
        r.raise_for_status()
        return r.json()


@pytest.fixture
async def make_engine(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    engines: list[Running] = []

    async def start(*channels: dict[str, Any], database_url: str | None = None) -> Running:
        settings = Settings(data_dir=str(tmp_path / "var"), database_url=database_url or f"sqlite:///{tmp_path}/j.db",
                            admin_token_file=str(tmp_path / "var" / "admin.token"),
                            api=ApiSettings(host="127.0.0.1", port=0))
        cfg = Config(settings, [ChannelConfig.model_validate(c) for c in channels], tmp_path)
        engine = Engine(cfg)
        await engine.start()
        running = Running(engine)
        engines.append(running)
        return running

    yield start
    for running in engines:
        await running.api.aclose()
        await running.engine.stop()


class Receiver:
    """A downstream HTTP system: answers with the next scripted status (then 201), records what came."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[tuple[str, bytes]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.headers.get("Idempotency-Key", ""), await request.read()))
        status = self.statuses.pop(0) if self.statuses else 201
        return web.Response(status=status, text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/in", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    rec.url = f"http://127.0.0.1:{port}/in"
    yield rec
    await runner.cleanup()


async def until(cond: Callable[[], Any], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await cond() if asyncio.iscoroutinefunction(cond) else not cond():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def channel(name: str = "adt", routes: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "source": {"type": "mllp", "port": 0},
            "routes": routes or [{"name": "log", "sink": {"type": "log"}}], **extra}
