"""Config for the log sink."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from suture.config.base import Strict

if TYPE_CHECKING:
    from suture.connectors.base import BuildContext, Sink


class LogSinkConfig(Strict):
    """Log one line per delivery: ids and sizes only, never the payload (PHI)."""

    type: Literal["log"] = "log"
    level: Literal["DEBUG", "INFO", "WARNING"] = "INFO"

    def build(self, name: str, ctx: BuildContext) -> Sink:
        from suture.connectors.log.sink import LogSink

        return LogSink(name, self)
