"""The parsed UDI value and its error type, shared by every issuer's parser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from suture.errors import RejectedInput

Issuer = Literal["GS1", "HIBCC", "ICCBBA"]

# Extras stay JSON-friendly: dates become ISO strings in ``Udi.to_dict``; mappings hold raw AI values.
ExtraValue = str | int | bool | dt.date | Mapping[str, str]
JsonValue = str | int | bool | None | dict[str, "JsonValue"]


class UdiError(RejectedInput):
    """A UDI string that cannot be parsed, or whose check digit/character is wrong.

    ``reason`` names the issuer and *where* the problem is (character position, AI, data identifier),
    never the scanned value: device identifiers and serial numbers count as PHI.
    """


@dataclass(frozen=True)
class Udi:
    """A parsed Unique Device Identifier.

    ``device_identifier`` is the key the issuer assigns to the device model: the GTIN-14 for GS1,
    labeler code + product code + unit of measure for HIBCC, the ISBT 128 PPIC (or container catalog
    number) for ICCBBA. It is ``None`` for a production-identifier-only string (a GS1 secondary label or an
    HIBCC secondary barcode); :func:`suture.codecs.udi.parse_udi_parts` joins those with their primary.

    >>> Udi(issuer="GS1", device_identifier="09506000134352").to_dict()["issuer"]
    'GS1'
    """

    issuer: Issuer
    device_identifier: str | None
    lot: str | None = None
    serial: str | None = None
    expiry: dt.date | None = None
    manufacture_date: dt.date | None = None
    extra: Mapping[str, ExtraValue] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # Read-only views keep the frozen promise for the one mutable-looking field (and the AI map inside it).
        extra = {k: MappingProxyType(dict(v)) if isinstance(v, Mapping) else v for k, v in self.extra.items()}
        object.__setattr__(self, "extra", MappingProxyType(extra))

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-serialisable form: dates as ISO ``YYYY-MM-DD``, extras under ``"extra"``."""
        return {
            "issuer": self.issuer,
            "device_identifier": self.device_identifier,
            "lot": self.lot,
            "serial": self.serial,
            "expiry": _iso(self.expiry),
            "manufacture_date": _iso(self.manufacture_date),
            "extra": {key: _json(value) for key, value in self.extra.items()},
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _json(value: ExtraValue) -> JsonValue:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    return value
