"""LogSink: ids and sizes in the log, never the payload."""

from __future__ import annotations

import logging

from suture.connectors.base import Outbound
from suture.connectors.log.config import LogSinkConfig
from suture.connectors.log.sink import LogSink

PAYLOAD = b"PID|1||12345||DOE^JANE\r"


async def test_log_line_has_ids_content_type_and_size_but_not_the_payload(caplog):
    sink = LogSink("audit", LogSinkConfig())
    await sink.start()
    with caplog.at_level(logging.INFO, logger="suture.sink.log"):
        result = await sink.deliver(Outbound(PAYLOAD, "application/hl7-v2", "key-1", "env42"))
    await sink.close()
    [record] = caplog.records
    assert record.name == "suture.sink.log" and record.levelno == logging.INFO
    message = record.getMessage()
    for expected in ("audit", "env42", "key-1", "application/hl7-v2", f"bytes={len(PAYLOAD)}"):
        assert expected in message
    assert "DOE" not in caplog.text and "12345" not in caplog.text
    assert result.response == "logged"


async def test_configured_level_is_used(caplog):
    sink = LogSink("audit", LogSinkConfig(level="DEBUG"))
    with caplog.at_level(logging.INFO, logger="suture.sink.log"):
        await sink.deliver(Outbound(PAYLOAD, "text/plain", "k", "m"))
    assert caplog.records == []
    with caplog.at_level(logging.DEBUG, logger="suture.sink.log"):
        await sink.deliver(Outbound(PAYLOAD, "text/plain", "k", "m"))
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
