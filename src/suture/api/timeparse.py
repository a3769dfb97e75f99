"""Time-range parameters: epoch seconds or ISO 8601 (naive times are UTC)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_time(value: str | None) -> float | None:
    """>>> parse_time("2026-01-02T03:04:05Z")
    1767323045.0
    """
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        pass
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
