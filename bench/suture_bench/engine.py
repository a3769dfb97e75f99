"""The real engine as a subprocess (``suture run -c <dir>/suture.yaml``) with two bench channels.

* ``bench-ingest``: MLLP source; its one route's filter matches no message, so each message is parsed,
  journaled with status ``filtered`` (the envelope only, no delivery rows) and ACKed after the commit.
* ``bench-e2e``: MLLP source; route filter ``MSH-9.1 in [ADT, DFT]``, transforms ``set MSH-5`` and
  ``clear PID-5``, HTTP sink to the bench receiver. The envelope and one delivery are journaled before the
  ACK; a sink worker then POSTs the message and journals the attempt.

Everything lives in a fresh directory under ``var/bench/``; PostgreSQL runs get a fresh schema.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]


def suture_command() -> list[str]:
    """``suture`` from the same environment as this interpreter (the venv's console script)."""
    script = Path(sys.executable).with_name("suture")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from suture.cli.main import app; app()"]


PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


SETTINGS = """\
data_dir: {dir}/var
database_url: sqlite:///{dir}/var/suture.db
channels_dir: {dir}/channels
api:
  host: 127.0.0.1
  port: {api_port}
admin_token_file: {dir}/var/admin.token
log_level: WARNING
"""

INGEST = """\
name: bench-ingest
description: benchmark - journal and ACK only (the route's filter matches nothing)
source:
  type: mllp
  host: 127.0.0.1
  port: {port}
routes:
  - name: nowhere
    filters:
      - path: MSH-9.1
        in: [NONE]
    sink:
      type: log
"""

E2E = """\
name: bench-e2e
description: benchmark - filter, transform, deliver to an HTTP receiver
source:
  type: mllp
  host: 127.0.0.1
  port: {port}
routes:
  - name: erp
    filters:
      - path: MSH-9.1
        in: [ADT, DFT]
    transforms:
      - type: set
        path: MSH-5
        value: SUTURE-ERP
      - type: clear
        path: PID-5
    sink:
      type: http
      url: {url}
"""


@dataclass
class RunningEngine:
    proc: subprocess.Popen[bytes]
    directory: Path
    api_port: int
    ingest_port: int
    e2e_port: int

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/metrics", timeout=10) as r:
            return str(r.read().decode())

    def log_tail(self, lines: int = 30) -> str:
        path = self.directory / "engine.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def write_config(directory: Path, sink_url: str) -> tuple[Path, int, int, int]:
    api_port, ingest_port, e2e_port = free_port(), free_port(), free_port()
    (directory / "channels").mkdir(parents=True, exist_ok=True)
    (directory / "var").mkdir(exist_ok=True)
    config = directory / "suture.yaml"
    config.write_text(SETTINGS.format(dir=directory, api_port=api_port))
    (directory / "channels" / "bench-ingest.yaml").write_text(INGEST.format(port=ingest_port))
    (directory / "channels" / "bench-e2e.yaml").write_text(E2E.format(port=e2e_port, url=sink_url))
    return config, api_port, ingest_port, e2e_port


@contextlib.contextmanager
def engine(directory: Path, sink_url: str, database_url: str | None = None) -> Iterator[RunningEngine]:
    """Start ``suture run`` and wait until the API and both MLLP ports answer; SIGTERM it on exit."""
    config, api_port, ingest_port, e2e_port = write_config(directory, sink_url)
    env = dict(os.environ)
    env.pop("SUTURE_CONFIG", None)
    if database_url:
        env["SUTURE_DATABASE_URL"] = database_url
    log = (directory / "engine.log").open("wb")
    proc = subprocess.Popen(
        [*suture_command(), "run", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=directory
    )
    running = RunningEngine(proc, directory, api_port, ingest_port, e2e_port)
    try:
        _wait_ready(running)
        yield running
    finally:
        _stop(proc)
        log.close()


def _wait_ready(e: RunningEngine, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if e.proc.poll() is not None:
            raise RuntimeError(f"engine exited with {e.proc.returncode}:\n{e.log_tail()}")
        if all(port_open("127.0.0.1", p) for p in (e.api_port, e.ingest_port, e.e2e_port)):
            return
        time.sleep(0.1)
    raise RuntimeError(f"engine not ready after {timeout_s:.0f}s:\n{e.log_tail()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def postgres_up() -> bool:
    return port_open("127.0.0.1", 5432)


def postgres_version() -> str:
    import psycopg

    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        sync = conn.execute("SHOW synchronous_commit").fetchone()
    return f"PostgreSQL {row[0] if row else '?'} (synchronous_commit={sync[0] if sync else '?'})"


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema; yields a database URL whose search_path is that schema. Dropped afterwards."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options={quote(f'-csearch_path={schema}', safe='')}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
