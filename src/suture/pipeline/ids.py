"""Identifiers: time-ordered message ids and short ACK control ids."""

from __future__ import annotations

import itertools
import os
import secrets
import time

_counter = itertools.count()
_node = secrets.token_hex(2)


_prefix = secrets.token_hex(3)
_sequence = itertools.count(secrets.randbelow(1 << 16))


def new_message_id(now: float | None = None) -> str:
    """25 hex chars: microseconds since the epoch, a per-process random prefix and a counter (no syscall
    per message); sorts by receive time."""
    t = time.time() if now is None else now
    return f"{int(t * 1_000_000):015x}{_prefix}{next(_sequence) & 0xFFFF:04x}"


def new_control_id() -> str:
    """At most 20 characters (the HL7 MSH-10 limit), unique per process and start."""
    return f"S{_node}{os.getpid() % 4096:03x}{next(_counter):x}"[:20]


_trace_prefix = secrets.token_hex(8)
_trace_sequence = itertools.count(1)


def new_trace_id() -> str:
    """W3C trace-context compatible 128-bit trace id: random per process, then a counter."""
    return f"{_trace_prefix}{next(_trace_sequence):016x}"
