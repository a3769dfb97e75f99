"""The composition root: journal + channels (sources, runtimes, sink workers) + API, in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from suture.config.loader import Config
from suture.connectors.base import Sink, Source
from suture.observability import metrics
from suture.pipeline.channel import ChannelRuntime
from suture.pipeline.config import ChannelConfig
from suture.pipeline.replay import ReplayItem, Selection, replay
from suture.pipeline.worker import SinkWorker
from suture.store import Journal, open_journal

if TYPE_CHECKING:
    from suture.workflows.master_data.service import MasterDataService

log = logging.getLogger("suture.engine")


def loop_factory(choice: str = "auto") -> Callable[[], asyncio.AbstractEventLoop]:
    """The event loop the engine runs on: uvloop (about twice as fast on the socket paths, see ADR 0007) where
    it is installed, else asyncio's own; ``asyncio`` forces the standard loop, ``uvloop`` requires uvloop."""
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                raise
        else:
            return uvloop.new_event_loop
    return asyncio.new_event_loop


def ensure_admin_token(path: Path) -> str:
    """Read the admin token, creating it (owner-only permissions) on first run."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return token


class _ApiServer(uvicorn.Server):
    """uvicorn inside our loop: the engine owns SIGINT/SIGTERM and stops the API itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Engine:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.settings = config.settings
        self.journal: Journal = open_journal(self.settings.database_url, config.base_dir,
                                             group_commit_max=self.settings.group_commit_max,
                                             writer=self.settings.journal_writer,
                                             group_commit_linger=self.settings.group_commit_linger,
                                             group_commit_linger_ms=self.settings.group_commit_linger_ms)
        journal = self.journal
        metrics.watch_journal(lambda: (*journal.group_commit_stats, journal.commit_seconds))
        self.runtimes: dict[str, ChannelRuntime] = {}
        self.sources: dict[str, Source] = {}
        self.sinks: list[Sink] = []
        self.workers: list[SinkWorker] = []
        self.admin_token = ""
        self._api: _ApiServer | None = None
        self._api_task: asyncio.Task[None] | None = None
        self.started_at = 0.0
        self.master_data: MasterDataService
        self._erp_task: asyncio.Task[None] | None = None

    async def start(self, *, api: bool = True) -> None:
        self.started_at = time.time()
        self.config.path(self.settings.data_dir).mkdir(parents=True, exist_ok=True)
        self.admin_token = ensure_admin_token(self.config.path(self.settings.admin_token_file))
        await self.journal.open()
        await self._start_master_data()
        for channel in self.config.channels:
            if channel.enabled:
                await self._start_channel(channel)
        if api:
            await self._start_api()
        log.info("engine started with %d channel(s)", len(self.runtimes))

    async def _start_master_data(self) -> None:
        from suture.store.crosswalk import CrosswalkCache
        from suture.store.masterdata import MasterStore
        from suture.workflows.master_data.service import MasterDataService

        md = self.settings.master_data
        cache = CrosswalkCache(self.journal)
        erp = md.erp.build(md.ownership) if md.erp is not None else None
        self.master_data = MasterDataService(MasterStore(self.journal, cache=cache), cache, md.ownership, erp,
                                             journal=self.journal)
        await self.master_data.load()
        if erp is not None:
            self._erp_task = asyncio.create_task(
                self._poll_erp(md.erp_poll_interval_s, md.erp_reconcile_interval_s), name="erp-sync")

    async def _poll_erp(self, interval_s: float, reconcile_s: float) -> None:
        """Pull ERP changes (polling on write_date); a failed pull is logged and tried next round. Every
        ``reconcile_s`` (and on the first round) also look for records deleted in the ERP."""
        since = None
        reconciled_at = float("-inf")
        while True:
            try:
                reconcile = time.monotonic() - reconciled_at >= reconcile_s
                report = await self.master_data.sync_erp(since, reconcile=reconcile)
                reconciled_at = time.monotonic() if reconcile else reconciled_at
                since = datetime.fromisoformat(report["watermark"]) if report["watermark"] else since
            except Exception as exc:
                log.warning("ERP sync failed: %s", type(exc).__name__)
            await asyncio.sleep(interval_s)

    def master_data_sink(self, name: str, config: Any) -> Sink:
        from suture.workflows.master_data.sink import MasterDataSink

        return MasterDataSink(name, config, self.master_data)

    async def _start_channel(self, channel: ChannelConfig) -> None:
        runtime = ChannelRuntime(channel, self.journal)
        for route in channel.routes:
            sink = route.sink.build(route.name, self)
            await sink.start()
            self.sinks.append(sink)
            worker = SinkWorker(channel.name, route.name, sink, self.journal, route.retry,
                                concurrency=route.concurrency)
            runtime.workers[route.name] = worker
            self.workers.append(worker)
            worker.start()
        source = channel.source.build(channel.name)
        await source.start(runtime.submit)
        self.runtimes[channel.name] = runtime
        self.sources[channel.name] = source

    async def _start_api(self) -> None:
        from suture.api.app import create_app

        app = create_app(self)
        cfg = uvicorn.Config(app, host=self.settings.api.host, port=self.settings.api.port, log_level="warning",
                             lifespan="off", access_log=False)
        server = _ApiServer(cfg)
        self._api = server
        self._api_task = asyncio.create_task(server.serve())
        while not server.started:
            if self._api_task.done():
                await self._api_task
                raise RuntimeError(f"API could not listen on {self.settings.api.host}:{self.settings.api.port}")
            await asyncio.sleep(0.02)

    @property
    def api_port(self) -> int:
        server = self._api
        if server is None:
            return 0
        for s in getattr(server, "servers", []):
            for sock in s.sockets:
                return int(sock.getsockname()[1])
        return self.settings.api.port

    async def stop(self) -> None:
        """Stop taking input first, then let in-flight attempts finish, then close the journal."""
        for source in self.sources.values():
            await source.close()
        if self._erp_task is not None:
            self._erp_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._erp_task
        for worker in self.workers:
            await worker.stop()
        for sink in self.sinks:
            await sink.close()
        if self._api is not None and self._api_task is not None:
            self._api.should_exit = True
            await self._api_task
        if self.master_data.erp is not None:
            await self.master_data.erp.close()
        await self.journal.close()

    async def replay(self, selection: Selection, *, dry_run: bool) -> list[ReplayItem]:
        return await replay(self.journal, self.runtimes, selection, dry_run=dry_run, now=time.time())

    async def requeue(self, delivery_ids: list[int]) -> int:
        """Dead deliveries back into their sink's queue."""
        requeued = await self.journal.requeue(delivery_ids, time.time())
        for d in requeued:
            runtime = self.runtimes.get(d.channel)
            if runtime is not None:
                runtime.offer([d], out_of_order=True)
        return len(requeued)

    async def resubmit(self, message_ids: list[str]) -> list[dict[str, object]]:
        """Rejected messages through their channel again (e.g. after a config fix); each is a new envelope."""
        from suture.connectors.base import Inbound

        out: list[dict[str, object]] = []
        for message_id in message_ids:
            detail = await self.journal.message(message_id)
            runtime = self.runtimes.get(detail.message.channel) if detail else None
            if detail is None or runtime is None or detail.message.raw is None:
                out.append({"message_id": message_id, "skipped": "message or channel not found"})
                continue
            reply = await runtime.submit(Inbound(detail.message.raw, detail.message.content_type, peer="resubmit"))
            out.append({"message_id": message_id, "new_message_id": reply.message_id, "accepted": reply.accepted})
        return out

    async def serve_forever(self) -> None:
        """Start, run until SIGINT/SIGTERM, stop cleanly."""
        await self.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("stopping")
        await self.stop()
