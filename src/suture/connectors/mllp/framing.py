"""MLLP framing: ``<VT> payload <FS><CR>``.

:class:`FrameDecoder` turns a byte stream into frames. It never raises on bad input: problems come back as a
:class:`Frame` whose ``error`` is set, so the caller can answer every frame (good or broken) in order.

>>> encode(b"MSH|^~\\\\&|A")
b'\\x0bMSH|^~\\\\&|A\\x1c\\r'
>>> FrameDecoder(1024).feed(b"\\x0bone\\x1c\\r\\r\\n\\x0btw")
[Frame(payload=b'one', error='')]
"""

from __future__ import annotations

from dataclasses import dataclass

START = b"\x0b"
END = b"\x1c\x0d"
_END_FIRST = END[:1]

MISSING_END = "frame has no end marker (a new start block arrived first)"


def encode(payload: bytes) -> bytes:
    """Wrap ``payload`` in an MLLP frame."""
    return START + payload + END


def oversize_error(max_frame_bytes: int) -> str:
    """The transport error text for a frame larger than ``max_frame_bytes``."""
    return f"frame exceeds max_frame_bytes ({max_frame_bytes})"


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame. When ``error`` is set, ``payload`` is what was kept of the broken frame."""

    payload: bytes
    error: str = ""


class FrameDecoder:
    """Incremental MLLP decoder with bounded memory.

    * Bytes outside a frame (stray CR/LF, junk) are discarded and counted in ``discarded``.
    * A START inside a frame ends that frame with error :data:`MISSING_END` and begins a new one.
    * A frame longer than ``max_frame_bytes`` is reported once its end arrives, with only its first
      ``max_frame_bytes`` bytes kept; the rest is dropped as it streams in.
    """

    __slots__ = ("_buf", "_in_frame", "_kept", "_max", "_oversize", "_scan", "discarded")

    def __init__(self, max_frame_bytes: int) -> None:
        if max_frame_bytes <= 0:
            raise ValueError("max_frame_bytes must be positive")
        self._max = max_frame_bytes
        self._buf = bytearray()  # bytes of the current frame after START (or junk when not in a frame)
        self._in_frame = False
        self._scan = 0  # buffer offset already searched for END/START
        self._oversize = False
        self._kept = b""  # first max bytes of an oversize frame
        self.discarded = 0

    @property
    def pending(self) -> int:
        """Bytes of an unfinished frame held in memory (for diagnostics on disconnect)."""
        return len(self._kept) if self._oversize else len(self._buf)

    @property
    def in_frame(self) -> bool:
        """True while a frame has started and not yet ended."""
        return self._in_frame

    def feed(self, data: bytes) -> list[Frame]:
        """Add received bytes; return the frames they complete, in order."""
        if not self._in_frame and not self._buf:
            frame = self._whole_frame(data)
            if frame is not None:
                return [frame]
        frames: list[Frame] = []
        buf = self._buf
        buf += data
        while buf:
            if not self._in_frame and not self._skip_to_start():
                break
            frame = self._oversize_step() if self._oversize else self._frame_step()
            if frame is None:
                break
            frames.append(frame)
        return frames

    def _whole_frame(self, data: bytes) -> Frame | None:
        """Fast path for the usual read: exactly one complete, well-formed frame."""
        n = len(data) - len(END)
        if n >= 1 and data[:1] == START and data.find(END, 1) == n and data.find(START, 1) < 0 and n - 1 <= self._max:
            return Frame(data[1:n])
        return None

    def _skip_to_start(self) -> bool:
        """Drop bytes before the next START; return True when a frame has begun."""
        buf = self._buf
        i = buf.find(START)
        if i < 0:
            self.discarded += len(buf)
            buf.clear()
            return False
        self.discarded += i
        del buf[: i + 1]
        self._in_frame = True
        self._scan = 0
        return True

    def _frame_step(self) -> Frame | None:
        """Look for the end of the current frame; None when more bytes are needed."""
        buf = self._buf
        # Back up one byte: the END marker may have been split across reads.
        scan = self._scan - 1 if self._scan else 0
        end = buf.find(END, scan)
        limit = end if end >= 0 else len(buf)
        restart = buf.find(START, scan, limit)
        if restart >= 0:
            return self._finish(min(restart, self._max), restart + 1, MISSING_END, in_frame=True)
        if end >= 0:
            if end > self._max:
                return self._finish(self._max, end + len(END), oversize_error(self._max), in_frame=False)
            return self._finish(end, end + len(END), "", in_frame=False)
        # A trailing FS may be the first half of END, so it does not count towards the size yet.
        if len(buf) - buf.endswith(_END_FIRST) > self._max:
            self._start_oversize()
            return None
        self._scan = len(buf)
        return None

    def _finish(self, keep: int, consumed: int, error: str, *, in_frame: bool) -> Frame:
        """Emit ``buf[:keep]`` as a frame and drop ``consumed`` bytes from the buffer."""
        buf = self._buf
        payload = bytes(buf[:keep])
        del buf[:consumed]
        self._in_frame = in_frame
        self._scan = 0
        return Frame(payload, error)

    def _start_oversize(self) -> None:
        """Keep the first max bytes and switch to discarding the rest of the frame."""
        buf = self._buf
        self._kept = bytes(buf[: self._max])
        tail = buf[-1:] if buf.endswith(_END_FIRST) else b""
        buf.clear()
        buf += tail
        self._oversize = True

    def _oversize_step(self) -> Frame | None:
        """Discard an oversize frame's bytes until its END (or the next START)."""
        buf = self._buf
        end = buf.find(END)
        limit = end if end >= 0 else len(buf)
        restart = buf.find(START, 0, limit)
        if restart >= 0:
            return self._finish_oversize(restart + 1, in_frame=True)
        if end >= 0:
            return self._finish_oversize(end + len(END), in_frame=False)
        tail = buf.endswith(_END_FIRST)
        buf.clear()
        if tail:
            buf += _END_FIRST
        return None

    def _finish_oversize(self, consumed: int, *, in_frame: bool) -> Frame:
        del self._buf[:consumed]
        frame = Frame(self._kept, oversize_error(self._max))
        self._kept = b""
        self._oversize = False
        self._in_frame = in_frame
        self._scan = 0
        return frame
