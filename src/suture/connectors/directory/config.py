"""Config for the directory poller source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from suture.config.base import Strict

if TYPE_CHECKING:
    from suture.connectors.base import Source


class DirectorySourceConfig(Strict):
    """Poll a directory; each file is one message. Accepted files move to ``processed/``, rejected to
    ``error/`` (both under ``path`` unless set), by atomic rename after the journal commit."""

    type: Literal["directory"] = "directory"
    path: str
    pattern: str = "*"
    interval_s: float = Field(default=1.0, gt=0)
    min_age_s: float = Field(default=0.5, ge=0, description="skip files modified more recently (still being written)")
    processed_dir: str | None = None
    error_dir: str | None = None
    content_type: str = "application/hl7-v2"

    def build(self, name: str) -> Source:
        from suture.connectors.directory.source import DirectorySource

        return DirectorySource(name, self)
