"""Identifiers: time-ordered message ids and short ACK control ids."""

from __future__ import annotations

import itertools
import os
import secrets
import time

_counter = itertools.count()
_node = secrets.token_hex(2)


def new_message_id(now: float | None = None) -> str:
    """25 hex chars: microseconds since the epoch, then randomness; sorts by receive time."""
    t = time.time() if now is None else now
    return f"{int(t * 1_000_000):015x}{secrets.token_hex(5)}"


def new_control_id() -> str:
    """At most 20 characters (the HL7 MSH-10 limit), unique per process and start."""
    return f"S{_node}{os.getpid() % 4096:03x}{next(_counter):x}"[:20]


def new_trace_id() -> str:
    """W3C trace-context compatible 128-bit trace id."""
    return secrets.token_hex(16)
