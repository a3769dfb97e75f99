"""A server in its own (spawned) process that reports its port through a pipe; use as a context manager."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from typing import Any


class ChildServer:
    """``target(port_out, stop)`` runs the server, sends its bound port on ``port_out`` and returns when
    ``stop`` is set."""

    name = "server"

    def __init__(self, target: Callable[[Any, Any], None]) -> None:
        ctx = mp.get_context("spawn")
        self._recv, send = ctx.Pipe(duplex=False)
        self._stop = ctx.Event()
        self._proc = ctx.Process(target=target, args=(send, self._stop), daemon=True)
        self.port = 0

    @property
    def pid(self) -> int:
        return self._proc.pid or 0

    def __enter__(self) -> Any:
        self._proc.start()
        if not self._recv.poll(30):
            self._proc.kill()
            raise RuntimeError(f"{self.name} did not start")
        self.port = int(self._recv.recv())
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
