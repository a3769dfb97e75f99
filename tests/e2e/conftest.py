"""End-to-end helpers: the engine as a real subprocess with a temp config, free ports, an HTTP receiver.

The engine is started the way an operator starts it (``suture run -c suture.yaml``) and is the Python
process itself (the console script is exec'd, no shell), so ``SIGKILL`` to its pid is a real ``kill -9``.
Everything it writes to stdout/stderr goes to a log file per start; when a test fails, the tail of every
log is attached to the failure report.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENGINES = pytest.StashKey[list["EngineProcess"]]()
LOG_TAIL_LINES = 150


# -- ports and config ------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(root: Path, channels: list[dict[str, Any]], *, database_url: str | None = None,
                 api_port: int | None = None) -> Path:
    """Write ``root/suture.yaml`` and one ``root/channels/<name>.yaml`` per channel; returns suture.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "channels").mkdir(exist_ok=True)
    settings = {
        "data_dir": str(root / "var"),
        "database_url": database_url or f"sqlite:///{root / 'var' / 'suture.db'}",
        "channels_dir": str(root / "channels"),
        "api": {"host": "127.0.0.1", "port": api_port or free_port()},
        "admin_token_file": str(root / "var" / "admin.token"),
        "log_level": "INFO",
    }
    path = root / "suture.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    for channel in channels:
        (root / "channels" / f"{channel['name']}.yaml").write_text(yaml.safe_dump(channel, sort_keys=False),
                                                                    encoding="utf-8")
    return path


def suture_command() -> list[str]:
    """The ``suture`` console script of this interpreter's environment (exec'd directly: its pid is Python)."""
    script = Path(sys.executable).parent / "suture"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from suture.cli.main import app; sys.exit(app())"]


# -- the engine process -----------------------------------------------------------------------------------
@dataclass
class EngineProcess:
    """One engine configuration that can be started, killed and restarted any number of times."""

    config: Path
    cwd: Path
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    pass_config: bool = True  # False: plain ``suture run`` in ``cwd`` (finds ./suture.yaml), as in the README
    proc: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def settings(self) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(self.config.read_text(encoding="utf-8")) or {}
        return data

    @property
    def api_port(self) -> int:
        override = self.env.get("SUTURE_API__PORT")
        return int(override) if override else int(self.settings.get("api", {}).get("port", 8080))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "engine not started"
        return self.proc.pid

    @property
    def token(self) -> str:
        raw = self.settings.get("admin_token_file", "./var/admin.token")
        path = Path(raw) if Path(raw).is_absolute() else self.config.parent / raw
        return path.read_text(encoding="utf-8").strip()

    def start(self, timeout: float = 40.0) -> None:
        """Start ``suture run -c <config>`` and return once ``/health`` answers."""
        assert self.proc is None or self.proc.poll() is not None, "engine already running"
        log = self.log_dir / f"engine-{len(self.logs) + 1}.log"
        self.logs.append(log)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "COLUMNS": "200", **self.env}
        env.pop("SUTURE_CONFIG", None)
        with log.open("wb") as out:
            args = ["run", "-c", str(self.config)] if self.pass_config else ["run"]
            self.proc = subprocess.Popen([*suture_command(), *args], cwd=self.cwd,
                                         env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"engine exited with {self.proc.returncode} before it was healthy:\n"
                                   f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"engine not healthy after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.05)

    def kill9(self) -> None:
        """SIGKILL the engine process itself and reap it."""
        assert self.proc is not None and self.proc.poll() is None, "engine is not running"
        exe = os.readlink(f"/proc/{self.proc.pid}/exe") if Path(f"/proc/{self.proc.pid}/exe").exists() else ""
        assert exe == "" or "python" in Path(exe).name, f"pid {self.proc.pid} is {exe}, not the Python engine"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        assert self.proc.returncode == -signal.SIGKILL

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM (clean shutdown) and wait; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise AssertionError(f"engine did not stop within {timeout}s of SIGTERM:\n{self.log_tail()}") \
                    from None
        return int(self.proc.returncode)

    def cleanup(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        out = []
        for log in self.logs:
            text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            out.append(f"--- {log.name} ---\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(out)

    def log_text(self) -> str:
        return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in self.logs if p.exists())

    # -- API --------------------------------------------------------------------------------------------
    def api(self, path: str, **params: Any) -> Any:
        """GET an /api/v1 path with the admin bearer token; returns the decoded JSON."""
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def all_messages(self, channel: str) -> list[dict[str, Any]]:
        """Every journaled message of a channel, paging through ``/api/v1/messages``."""
        out: list[dict[str, Any]] = []
        before = None
        while True:
            page = self.api("/api/v1/messages", channel=channel, limit=1000, before=before)
            out.extend(page["items"])
            before = page["next_before"]
            if not before:
                return out

    def channel(self, name: str) -> dict[str, Any]:
        for ch in self.api("/api/v1/channels"):
            if ch["name"] == name:
                return dict(ch)
        raise AssertionError(f"channel {name} not found")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the tail of every engine's output to a failing test's report."""
    report = yield
    if report.failed:
        none: list[EngineProcess] = []
        engines = item.stash.get(ENGINES, none)
        for i, engine in enumerate(engines):
            report.sections.append((f"engine {i + 1} output ({report.when})", engine.log_tail()))
    return report


@pytest.fixture
def engine_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., EngineProcess]]:
    """Make :class:`EngineProcess` objects; any still running at teardown are killed."""
    engines: list[EngineProcess] = []
    request.node.stash[ENGINES] = engines

    def make(config: Path, *, cwd: Path | None = None, env: dict[str, str] | None = None,
             pass_config: bool = True) -> EngineProcess:
        log_dir = tmp_path / f"logs-{len(engines) + 1}"
        log_dir.mkdir()
        engine = EngineProcess(config=config, cwd=cwd or config.parent, log_dir=log_dir, env=env or {},
                               pass_config=pass_config)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.cleanup()


@pytest.fixture
def pg_schema_url(postgres_url: str) -> Iterator[str]:
    """A throwaway schema in the test database (as search_path in the URL), dropped afterwards."""
    import psycopg

    schema = f"suture_e2e_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


# -- a downstream system ------------------------------------------------------------------------------
def msh10(payload: bytes) -> str:
    """MSH-10 (message control id) of an HL7 v2 message, without a full parser."""
    for segment in payload.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r"):
        if segment.startswith(b"MSH") and len(segment) > 3:
            fields = segment.split(segment[3:4])
            return fields[9].decode("utf-8", errors="replace") if len(fields) > 9 else ""
    return ""


class RecordingReceiver:
    """An HTTP endpoint in its own thread and event loop that behaves like a downstream system.

    It takes ``latency_s`` per request (so deliveries are in flight when the engine is killed), then
    applies each ``Idempotency-Key`` once. Every wire-level request is recorded; a request whose key was
    already applied is a *repeat* and is answered 200 without being applied again.
    """

    def __init__(self, latency_s: float = 0.004) -> None:
        self.latency_s = latency_s
        self.lock = threading.Lock()
        self.applied: dict[str, str] = {}  # idempotency key -> MSH-10 applied under it
        self.applied_ids: Counter[str] = Counter()  # MSH-10 -> times applied (must end up 1 each)
        self.keys_by_id: dict[str, set[str]] = {}  # MSH-10 -> every key seen on the wire for it
        self.requests = 0
        self.repeats = 0
        self.inflight = 0
        self.missing_key = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/inbound"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="receiver", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("receiver did not start")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def snapshot(self) -> tuple[int, int, int, int]:
        """(requests, applied, repeats, inflight) at one instant."""
        with self.lock:
            return self.requests, len(self.applied), self.repeats, self.inflight

    def applied_set(self) -> set[str]:
        with self.lock:
            return set(self.applied_ids)

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from aiohttp import web

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_post("/inbound", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._started.set()
        await self._stop.wait()
        await runner.cleanup()

    async def _handle(self, request: Any) -> Any:
        from aiohttp import web

        body = await request.read()
        key = request.headers.get("Idempotency-Key", "")
        control_id = msh10(body)
        with self.lock:
            self.requests += 1
            self.inflight += 1
            self.keys_by_id.setdefault(control_id, set()).add(key)
            if not key:
                self.missing_key += 1
        try:
            await asyncio.sleep(self.latency_s)  # the downstream system's own work
        finally:
            with self.lock:
                self.inflight -= 1
        with self.lock:  # commit, then answer
            if key in self.applied:
                self.repeats += 1
            elif key:
                self.applied[key] = control_id
                self.applied_ids[control_id] += 1
        return web.Response(status=200 if key else 400, text="ok")


@pytest.fixture
def receiver() -> Iterator[RecordingReceiver]:
    r = RecordingReceiver()
    r.start()
    yield r
    r.stop()


# -- figures printed at the end of the run ---------------------------------------------------------------
FIGURES = pytest.StashKey[list[tuple[str, dict[str, Any]]]]()


@pytest.fixture
def crash_figures(request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
                  ) -> Callable[[str, dict[str, Any]], None]:
    """Record a test's figures: printed now (``-s``), kept as junit properties, and summarised at the end."""

    def record(name: str, figures: dict[str, Any]) -> None:
        request.config.stash.setdefault(FIGURES, []).append((name, figures))
        for key, value in figures.items():
            record_property(key, value)
        print(f"\n{name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))

    return record


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    rows = config.stash.get(FIGURES, [])
    if not rows:
        return
    terminalreporter.section("crash-safety figures")
    for name, figures in rows:
        terminalreporter.write_line(name)
        for key, value in figures.items():
            terminalreporter.write_line(f"    {key:<40} {value}")
