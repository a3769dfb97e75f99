"""One exception tree for Suture.

Every error says what the engine should do with it:

* ``RejectedInput``: the input itself is bad (malformed HL7, X12, JSON). Never retried; the raw bytes are
  kept as a dead letter and the sender gets a NAK whose text comes from ``reason``/``location``.
* ``RetryableError``: a transient failure of a sink or a dependency (HTTP 5xx, timeout, connection refused,
  HL7 AE). The sink's retry policy decides when to try again.
* ``PermanentError``: retrying cannot help (HTTP 4xx, HL7 AR). The delivery becomes a dead letter at once.
* ``ConfigError``: a configuration mistake, with file, line and field.
* ``StoreError``: the journal could not persist. Always propagates; nothing is ACKed after it.

Messages must never contain PHI: say *where* the problem is (segment, field, line), not *what* the value was.
"""

from __future__ import annotations

from dataclasses import dataclass


class SutureError(Exception):
    """Base of every Suture error."""

    retryable: bool = False


@dataclass(frozen=True)
class Location:
    """Where in a payload an error was found; every part optional.

    >>> str(Location(segment="PID", segment_index=2, field=3))
    'PID (segment 2) field 3'
    """

    segment: str | None = None
    segment_index: int | None = None  # 1-based position of the segment in the message
    field: int | None = None
    component: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.segment is not None:
            parts.append(self.segment)
        if self.segment_index is not None:
            parts.append(f"(segment {self.segment_index})")
        if self.field is not None:
            parts.append(f"field {self.field}")
        if self.component is not None:
            parts.append(f"component {self.component}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return " ".join(parts)


class RejectedInput(SutureError):
    """Malformed or unacceptable input. ``reason`` is safe to send back to the sender and to log."""

    def __init__(self, reason: str, location: Location | None = None) -> None:
        self.reason = reason
        self.location = location
        super().__init__(f"{reason} at {location}" if location and str(location) else reason)


class RetryableError(SutureError):
    """A transient failure: try again later."""

    retryable = True


class PermanentError(SutureError):
    """A failure that retrying will not fix."""


class ConfigError(SutureError):
    """A configuration mistake. ``problems`` lists (file, line, field path, message)."""

    def __init__(self, problems: list[tuple[str, int | None, str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(_format_problem(*p) for p in problems))


def _format_problem(file: str, line: int | None, field: str, message: str) -> str:
    where = f"{file}:{line}" if line is not None else file
    return f"{where}: {field}: {message}" if field else f"{where}: {message}"


class StoreError(SutureError):
    """The journal could not persist or read. Never swallowed."""
