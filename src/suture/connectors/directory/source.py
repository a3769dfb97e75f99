"""Directory source: poll a directory; each file is one message.

Every ``interval_s`` the poller lists ``path`` (not recursive), oldest file first, and for each file that
matches ``pattern`` and has not been modified for ``min_age_s``:

1. reads its bytes and awaits ``submit`` (which returns after the journal commit);
2. moves it with ``os.replace`` to ``processed/`` if the reply is accepted, else to ``error/``. An existing
   file of the same name there is never overwritten: the moved file gets a ``-1``, ``-2``... suffix.

Hidden files (``.name``) and temp files (``*.tmp``, ``*.part``, ...) are never picked up, so writers should
write under such a name and rename when done. If ``submit`` raises, the file stays where it is and the poll
stops (keeping oldest-first order); the next poll tries again. A file whose move fails after ``submit`` is
not submitted again by this process; only its move is retried. ``processed_dir`` and ``error_dir`` must be
on the same filesystem as ``path`` (a rename cannot cross filesystems).
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
import os
import time
from pathlib import Path

from suture.connectors.base import Inbound, Submit
from suture.connectors.directory.config import DirectorySourceConfig

log = logging.getLogger("suture.source.directory")

TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".filepart", ".swp", "~")


class DirectorySource:
    """Poll ``config.path`` and submit each ready file once."""

    def __init__(self, name: str, config: DirectorySourceConfig) -> None:
        self.name = name
        self.config = config
        self.path = Path(config.path)
        self.processed_dir = Path(config.processed_dir) if config.processed_dir else self.path / "processed"
        self.error_dir = Path(config.error_dir) if config.error_dir else self.path / "error"
        self.polls = 0  # completed polls; lets tests and status pages see that the poller is alive
        self._submit: Submit | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Files already submitted whose move failed: file name -> target directory. Only the move is retried,
        # so a stuck file is not submitted again on every poll.
        self._unmoved: dict[str, Path] = {}

    async def start(self, submit: Submit) -> None:
        """Create the directories and start polling."""
        for directory in (self.path, self.processed_dir, self.error_dir):
            await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        self._submit = submit
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name=f"directory-source-{self.name}")

    async def close(self) -> None:
        """Stop polling after the file in progress (submit and move) is finished; idempotent."""
        self._stop.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self._poll()
            except Exception as exc:  # e.g. the directory vanished; keep polling, it may come back
                log.error("directory source %s: poll failed (%s)", self.name, type(exc).__name__)
            self.polls += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.config.interval_s)

    async def _poll(self) -> None:
        """Retry pending moves, then handle ready files oldest first until one cannot be submitted."""
        for filename, target_dir in list(self._unmoved.items()):
            await self._move(filename, target_dir)
        for filename in await asyncio.to_thread(self._ready_files, time.time()):
            if self._stop.is_set() or not await self._handle(filename):
                return

    async def _handle(self, filename: str) -> bool:
        """Submit one file and move it. False when submit failed (the file stays for the next poll)."""
        assert self._submit is not None  # set by start() before the task runs
        peer = f"file:{filename}"
        try:
            raw = await asyncio.to_thread((self.path / filename).read_bytes)
        except OSError as exc:  # vanished or unreadable: skip it this time
            log.warning("directory source %s: cannot read %s (%s)", self.name, peer, type(exc).__name__)
            return True
        try:
            reply = await self._submit(Inbound(raw=raw, content_type=self.config.content_type, peer=peer))
        except Exception as exc:
            # Type only: exception text from deeper layers is not guaranteed PHI-free.
            log.warning(
                "directory source %s: submit failed for %s (%s); will retry",
                self.name,
                peer,
                type(exc).__name__,
            )
            return False
        await self._move(filename, self.processed_dir if reply.accepted else self.error_dir)
        return True

    async def _move(self, filename: str, target_dir: Path) -> None:
        """Move a submitted file; on failure remember it so only the move is retried."""
        try:
            await asyncio.to_thread(move_without_overwrite, self.path / filename, target_dir)
        except FileNotFoundError:
            self._unmoved.pop(filename, None)  # someone else removed it; nothing left to do
            log.warning("directory source %s: file:%s vanished before its move", self.name, filename)
        except OSError as exc:
            self._unmoved[filename] = target_dir
            log.error(
                "directory source %s: cannot move file:%s to %s (%s)",
                self.name,
                filename,
                target_dir.name,
                type(exc).__name__,
            )
        else:
            self._unmoved.pop(filename, None)

    def _ready_files(self, now: float) -> list[str]:
        """Names of files ready to process, oldest first (runs in a worker thread)."""
        ready: list[tuple[float, str]] = []
        with os.scandir(self.path) as entries:
            for entry in entries:
                if not self._is_candidate(entry.name):
                    continue
                with contextlib.suppress(OSError):  # removed while listing
                    mtime = entry.stat().st_mtime
                    if entry.is_file() and now - mtime >= self.config.min_age_s:
                        ready.append((mtime, entry.name))
        return [name for _, name in sorted(ready)]

    def _is_candidate(self, filename: str) -> bool:
        return (
            not filename.startswith(".")
            and not filename.endswith(TEMP_SUFFIXES)
            and fnmatch.fnmatchcase(filename, self.config.pattern)
            and filename not in self._unmoved
        )


def move_without_overwrite(source: Path, target_dir: Path) -> Path:
    """Rename ``source`` into ``target_dir``, adding ``-N`` before the extension if the name is taken.

    The existence check and the rename are not one atomic step; that is safe because this source is the
    only writer of its processed/ and error/ directories.
    """
    target_dir.mkdir(parents=True, exist_ok=True)  # recreated if an operator removed it
    target = free_name(target_dir, source.name)
    os.replace(source, target)
    for directory in {target_dir, source.parent}:  # make the rename durable on both sides
        fsync_directory(directory)
    return target


def free_name(directory: Path, filename: str) -> Path:
    """``directory/filename``, or the first free ``stem-N.ext`` when that exists.

    >>> free_name(Path("/nonexistent"), "a.hl7")
    PosixPath('/nonexistent/a.hl7')
    """
    candidate = directory / filename
    stem, suffix = Path(filename).stem, Path(filename).suffix
    counter = 0
    while candidate.exists():
        counter += 1
        candidate = directory / f"{stem}-{counter}{suffix}"
    return candidate


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
