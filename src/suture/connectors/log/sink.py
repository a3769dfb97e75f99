"""Log sink: one log line per delivery with ids and sizes, never the payload (PHI)."""

from __future__ import annotations

import logging

from suture.connectors.base import DeliveryResult, Outbound
from suture.connectors.log.config import LogSinkConfig

log = logging.getLogger("suture.sink.log")


class LogSink:
    """Deliver by logging metadata only; useful as a placeholder sink and in demos."""

    def __init__(self, name: str, config: LogSinkConfig) -> None:
        self.name = name
        self.config = config
        self._level = logging.getLevelNamesMapping()[config.level]

    async def start(self) -> None:
        """Nothing to open."""

    async def deliver(self, item: Outbound) -> DeliveryResult:
        """Log ``sink``, ``message_id``, ``idempotency_key``, ``content_type`` and the payload size."""
        log.log(
            self._level,
            "sink=%s message_id=%s idempotency_key=%s content_type=%s bytes=%d",
            self.name,
            item.message_id,
            item.idempotency_key,
            item.content_type,
            len(item.payload),
        )
        return DeliveryResult(response="logged")

    async def close(self) -> None:
        """Nothing to close."""
