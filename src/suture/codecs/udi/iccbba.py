"""ICCBBA (ISBT 128) UDIs: a run of data structures, each a data identifier starting with '=' or '&'.

Recognised, as the FDA "UDI formats by FDA-Accredited Issuing Agency" document and the AccessGUDID parse_udi
example use them (lengths from ISBT 128 ST-001):

====== ================================================ ======= ====================
DI     data structure                                   length  lands in
====== ================================================ ======= ====================
=/     Processor Product Identification Code (PPIC)     16      device_identifier
=,     serial number                                    6       serial
=X     Donation Identification Number (DIN) + flags     15      extra donation_id
=>     expiration date cyyjjj                           6       expiry
&>     expiration date and time cyyjjjhhmm              10      expiry (+ time)
=}     production date cyyjjj                           6       manufacture_date
&}     production date and time cyyjjjhhmm             10      manufacture_date
=*     collection date cyyjjj                           6       extra collection_date
&*     collection date and time cyyjjjhhmm              10      extra collection_date
&,1    processor product batch number                   18      lot
=)     container manufacturer and catalog number        10      device_identifier
&)     container lot number                             10      lot
=<     product code                                     8       extra product_code
=%     blood groups (ABO/RhD)                           4       extra blood_groups
====== ================================================ ======= ====================

``=X``: ``=`` followed by a letter or digit starts a DIN. There is no check character in the encoded data
(ISBT's DIN check character is printed, not encoded).
"""

from __future__ import annotations

import datetime as dt
import re

from suture.codecs.udi import dates
from suture.codecs.udi.model import ExtraValue, Udi, UdiError

_STRUCTURES: dict[str, tuple[str, int]] = {
    "=/": ("ppic", 16),
    "=,": ("serial", 6),
    "=>": ("expiry", 6),
    "&>": ("expiry", 10),
    "=}": ("manufacture_date", 6),
    "&}": ("manufacture_date", 10),
    "=*": ("collection_date", 6),
    "&*": ("collection_date", 10),
    "&,1": ("batch", 18),
    "=)": ("container_catalog", 10),
    "&)": ("container_lot", 10),
    "=<": ("product_code", 8),
    "=%": ("blood_groups", 4),
}
_DATES = ("expiry", "manufacture_date", "collection_date")
_TOKEN = re.compile(r"[=&][^=&]*")
_DATA = re.compile(r"[A-Z0-9]+")


def parse_iccbba(text: str) -> Udi:
    """Parse concatenated ISBT 128 data structures (``=/…=,…=>…&,1…``)."""
    raw: dict[str, str] = {}
    for token in _TOKEN.findall(text):
        identifier, name, length = _identify(token)
        value = token[len(identifier) :].strip()
        if len(value) != length or not _DATA.fullmatch(value):
            raise UdiError(f"ICCBBA: data structure {identifier!r} must carry {length} letters or digits")
        if raw.setdefault(name, value) != value:
            raise UdiError(f"ICCBBA: data structure {identifier!r} appears twice with different values")
    return _to_udi(raw)


def _identify(token: str) -> tuple[str, str, int]:
    for identifier in (token[:3], token[:2]):
        if identifier in _STRUCTURES:
            return (identifier, *_STRUCTURES[identifier])
    if token[0] == "=" and token[1:2].isalnum():
        return "=", "donation_id", 15
    raise UdiError(f"ICCBBA: unsupported data identifier {token[:2]!r}")


def _to_udi(raw: dict[str, str]) -> Udi:
    extra: dict[str, ExtraValue] = {}
    parsed: dict[str, dt.date] = {}
    for name in _DATES:
        if name in raw:
            parsed[name] = _date(raw[name], name, extra)
    if "collection_date" in parsed:
        extra["collection_date"] = parsed["collection_date"]
    if "ppic" in raw:
        ppic = raw["ppic"]
        extra.update(facility_identification_number=ppic[:5], product_description_code=ppic[11:])
    for name in ("donation_id", "product_code", "blood_groups"):
        if name in raw:
            extra[name] = raw[name]
    if "ppic" in raw and "container_catalog" in raw:
        raise UdiError("ICCBBA: both a PPIC ('=/') and a container catalog number ('=)') are present")
    if "batch" in raw and "container_lot" in raw:
        raise UdiError("ICCBBA: both a batch number ('&,1') and a container lot number ('&)') are present")
    return Udi(
        issuer="ICCBBA",
        device_identifier=raw.get("ppic") or raw.get("container_catalog"),
        lot=raw.get("batch") or raw.get("container_lot"),
        serial=raw.get("serial"),
        expiry=parsed.get("expiry"),
        manufacture_date=parsed.get("manufacture_date"),
        extra=extra,
    )


def _date(value: str, name: str, extra: dict[str, ExtraValue]) -> dt.date:
    """``cyyjjj`` (+ ``hhmm``): year 2000 + cyy, Julian day; keeps the original as AccessGUDID reports it."""
    what = f"ICCBBA {name.replace('_', ' ')}"
    dates.digits(value, len(value), what)
    day = dates.julian(2000 + int(value[:3]), int(value[3:6]), what)
    extra[f"{name}_original"] = value
    extra[f"{name}_original_format"] = "YYYJJJ" if len(value) == 6 else "YYYJJJHHMM"
    if len(value) == 10:
        hour, minute = int(value[6:8]), int(value[8:10])
        if hour > 23 or minute > 59:
            raise UdiError(f"{what} has a time outside 00:00-23:59")
        extra[f"{name}_time"] = f"{hour:02d}:{minute:02d}"
    return day
