"""File sink: write each message to its own file, atomically.

The bytes go to a hidden temp file in the target directory, which is flushed, fsynced, renamed over the
final name with ``os.replace`` and made durable by fsyncing the directory. Readers therefore see either no
file or the whole file, never a partial one, and a retry of the same delivery replaces its own file.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import secrets
from pathlib import Path

from suture.connectors.base import DeliveryResult, Outbound
from suture.connectors.file.config import FileSinkConfig
from suture.errors import ConfigError, PermanentError, RetryableError

UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# Retrying cannot fix these: the process may not write there, or the name can never be created.
PERMANENT_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG, errno.EISDIR})


class FileSink:
    """Deliver :class:`Outbound` items as files in ``config.directory``."""

    def __init__(self, name: str, config: FileSinkConfig) -> None:
        self.name = name
        self.config = config
        self.directory = Path(config.directory)
        self._check_filename_template()

    async def start(self) -> None:
        """Create the target directory."""
        await asyncio.to_thread(self.directory.mkdir, parents=True, exist_ok=True)

    async def deliver(self, item: Outbound) -> DeliveryResult:
        """Write the payload; raise RetryableError (disk full, I/O error) or PermanentError (permissions)."""
        filename = self.filename(item)
        try:
            await asyncio.to_thread(self._write, filename, item.payload)
        except OSError as exc:
            raise classify_os_error(exc, f"file sink {self.name}", item.message_id) from exc
        return DeliveryResult(response=f"wrote {len(item.payload)} bytes")

    async def close(self) -> None:
        """Nothing to release; every write is complete when ``deliver`` returns."""

    def filename(self, item: Outbound) -> str:
        """The target name: the template filled with filesystem-safe ids.

        >>> sink = FileSink("out", FileSinkConfig(directory="/tmp/out"))
        >>> sink.filename(Outbound(b"", "text/plain", "ch1/msg 7", "m7"))
        'ch1_msg_7.hl7'
        """
        return self.config.filename.format(
            message_id=safe_name(item.message_id),
            idempotency_key=safe_name(item.idempotency_key),
            ext=self.config.ext,
        )

    def _write(self, filename: str, payload: bytes) -> None:
        """Temp file, fsync, rename, fsync directory (runs in a worker thread)."""
        temp = self.directory / f".{filename}.{secrets.token_hex(6)}.tmp"
        try:
            # os.open with 0o666 honours the umask like a normal file write (mkstemp would force 0600).
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                if self.config.fsync:
                    os.fsync(handle.fileno())
            os.replace(temp, self.directory / filename)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        if self.config.fsync:
            fsync_directory(self.directory)

    def _check_filename_template(self) -> None:
        """Fail at build time on unknown placeholders or a template that could leave the directory."""
        try:
            sample = self.config.filename.format(message_id="m", idempotency_key="k", ext=self.config.ext)
        except (KeyError, IndexError, ValueError) as exc:
            problem = f"unknown or malformed placeholder ({type(exc).__name__}: {exc})"
        else:
            if "/" not in sample and os.sep not in sample and sample not in {"", ".", ".."}:
                return
            problem = "must be a plain file name (no directory parts)"
        raise ConfigError([(f"sink {self.name}", None, "filename", problem)])


def safe_name(value: str) -> str:
    """Replace anything outside ``[A-Za-z0-9._-]`` with ``_``; a leading dot too (no hidden files, no ``..``).

    >>> safe_name("../a b/ü")
    '_._a_b__'
    """
    cleaned = UNSAFE.sub("_", value)
    return "_" + cleaned[1:] if cleaned.startswith(".") else cleaned


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def classify_os_error(exc: OSError, who: str, message_id: str) -> RetryableError | PermanentError:
    """Permission-like errors are permanent; disk full, I/O errors and anything unknown are retryable.

    Unknown errors default to retryable so nothing is dead-lettered for a transient condition; the retry
    policy still bounds the attempts.
    """
    code = errno.errorcode.get(exc.errno or 0, "unknown")
    text = f"{who}: write failed ({code}) for message {message_id}"
    return PermanentError(text) if exc.errno in PERMANENT_ERRNOS else RetryableError(text)
