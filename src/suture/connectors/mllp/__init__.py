"""HL7 v2 over MLLP: framing, a listener (source) and a sender (sink)."""

from suture.connectors.mllp.client import MllpClient
from suture.connectors.mllp.framing import END, START, Frame, FrameDecoder, encode
from suture.connectors.mllp.server import MllpServer
from suture.connectors.mllp.sink import MllpSink
from suture.connectors.mllp.source import MllpSource

__all__ = [
    "END",
    "START",
    "Frame",
    "FrameDecoder",
    "MllpClient",
    "MllpServer",
    "MllpSink",
    "MllpSource",
    "encode",
]
