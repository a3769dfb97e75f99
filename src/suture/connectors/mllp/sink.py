"""The MLLP sink: send a payload over a persistent connection and classify the peer's ACK."""

from __future__ import annotations

from suture.codecs import hl7v2
from suture.connectors.base import DeliveryResult, Outbound
from suture.connectors.mllp.client import MllpClient
from suture.connectors.mllp.config import MllpSinkConfig
from suture.connectors.tls import client_context
from suture.errors import PermanentError, RetryableError

_ACCEPTED = frozenset({"AA", "CA"})
_RETRY = frozenset({"AE", "CE"})
_REJECTED = frozenset({"AR", "CR"})


class MllpSink:
    """Deliver HL7 v2 over MLLP. ACK code AA/CA succeeds, AE/CE is retryable, AR/CR is permanent.

    Connection failures, timeouts and unreadable ACKs raise :class:`RetryableError`; the runtime's retry
    policy decides what happens next.
    """

    def __init__(self, name: str, config: MllpSinkConfig) -> None:
        self.name = name
        self.config = config
        self._client: MllpClient | None = None

    async def start(self) -> None:
        """Prepare the client; the connection opens on the first delivery."""
        cfg = self.config
        self._client = MllpClient(
            cfg.host,
            cfg.port,
            ssl_context=client_context(cfg.tls) if cfg.tls else None,
            connect_timeout_s=cfg.connect_timeout_s,
            ack_timeout_s=cfg.ack_timeout_s,
        )

    async def deliver(self, item: Outbound) -> DeliveryResult:
        """Send ``item.payload`` and interpret MSA-1 of the answer."""
        if self._client is None:
            raise RetryableError(f"mllp sink {self.name!r} is not started")
        ack = await self._client.send(item.payload)
        return classify_ack(ack)

    async def close(self) -> None:
        """Close the connection."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()


def classify_ack(ack: bytes) -> DeliveryResult:
    """Turn an ACK payload into a result or an error; error text names only the code, never content.

    >>> classify_ack(b"MSH|^~\\\\&|R|F|S|F|20240101||ACK|1|P|2.5\\rMSA|AA|42\\r")
    DeliveryResult(response='AA')
    """
    code = msa_code(ack)
    if code in _ACCEPTED:
        return DeliveryResult(response=code)
    if code in _RETRY:
        raise RetryableError(f"peer answered {code}")
    if code in _REJECTED:
        raise PermanentError(f"peer answered {code}")
    if code is None:
        raise RetryableError("unparseable ACK: no MSH header or MSA segment")
    raise RetryableError("unparseable ACK: unknown MSA-1 code")


def msa_code(ack: bytes) -> str | None:
    """MSA-1 of an ACK, or None when it has no MSA segment or an empty MSA-1.

    >>> msa_code(b"MSH#^~\\\\&#A\\rMSA#AE#1\\r")
    'AE'
    """
    try:
        return hl7v2.ack_code(ack).upper()
    except hl7v2.Hl7ParseError:
        return None
