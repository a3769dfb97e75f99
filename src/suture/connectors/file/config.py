"""Config for the file writer sink."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from suture.config.base import Strict

if TYPE_CHECKING:
    from suture.connectors.base import BuildContext, Sink


class FileSinkConfig(Strict):
    """Write each message to its own file, atomically (temp file, fsync, rename).

    ``filename`` may use ``{message_id}``, ``{idempotency_key}`` and ``{ext}``; the same delivery always
    writes the same name, so a retry overwrites rather than duplicates.
    """

    type: Literal["file"] = "file"
    directory: str
    filename: str = "{idempotency_key}.{ext}"
    ext: str = "hl7"
    fsync: bool = True

    def build(self, name: str, ctx: BuildContext) -> Sink:
        from suture.connectors.file.sink import FileSink

        return FileSink(name, self)
