"""HL7 v2 MFN^M16 (materials item master) and MFN^M15 (inventory item master) -> master updates.

Field positions follow HL7 v2.6+ chapter 8: MFE (record event, key), ITM (item), VND (vendor), PKG
(packaging), IVT (inventory location); M15 carries IIM. Only fields present in the message are reported.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from suture.canonical.base import ExternalId
from suture.codecs.hl7v2 import Message
from suture.errors import Location, RejectedInput
from suture.transforms.master_update import Action, MasterUpdate

EVENTS: dict[str, Action] = {"MAD": "upsert", "MUP": "upsert", "MAC": "upsert", "MDC": "deactivate",
                             "MDL": "delete"}


def mfn_to_updates(msg: Message, system: str) -> list[MasterUpdate]:
    """Every MFE record of an MFN^M16 or MFN^M15 as a :class:`MasterUpdate` of an item."""
    kind = msg.message_type, msg.trigger_event
    if kind not in {("MFN", "M16"), ("MFN", "M15")}:
        raise RejectedInput(f"expected MFN^M16 or MFN^M15, got {kind[0]}^{kind[1]}", Location("MSH", 1, 9))
    groups = _record_groups(msg)
    if not groups:
        raise RejectedInput("MFN has no MFE record", Location("MFE"))
    convert = _m16_record if kind[1] == "M16" else _m15_record
    return [convert(mfe, body, system) for mfe, body in groups]


class Seg:
    """One segment read through its message, so values come back unescaped: ``seg.get("ITM-2")``."""

    def __init__(self, msg: Message, name: str, occurrence: int) -> None:
        self._msg, self.name, self._prefix = msg, name, f"{name}[{occurrence}]"

    def get(self, path: str) -> str:
        return self._msg.get(self._prefix + path[3:])


def _record_groups(msg: Message) -> list[tuple[Seg, list[Seg]]]:
    groups: list[tuple[Seg, list[Seg]]] = []
    seen: dict[str, int] = {}
    for segment in msg.segments:
        seen[segment.name] = seen.get(segment.name, 0) + 1
        seg = Seg(msg, segment.name, seen[segment.name])
        if seg.name == "MFE":
            groups.append((seg, []))
        elif groups:
            groups[-1][1].append(seg)
    return groups


def _event(mfe: Seg, index: int) -> Action:
    code = mfe.get("MFE-1")
    if code not in EVENTS:
        raise RejectedInput(f"unknown MFE-1 record-level event code (record {index})", Location("MFE", None, 1))
    return EVENTS[code]


def _m16_record(mfe: Seg, body: list[Seg], system: str) -> MasterUpdate:
    itm = next((s for s in body if s.name == "ITM"), None)
    key_value = (itm.get("ITM-1.1") if itm else "") or mfe.get("MFE-4.1")
    if not key_value:
        raise RejectedInput("item record has no identifier (ITM-1 / MFE-4)", Location("ITM", None, 1))
    fields: dict[str, Any] = {}
    ids: list[ExternalId] = []
    related: list[MasterUpdate] = []
    if itm is not None:
        fields.update(_itm_fields(itm))
    for seg in body:
        if seg.name == "VND":
            vendor, ids_v = _vnd(seg, system)
            ids.extend(ids_v)
            if vendor is not None:
                related.append(vendor)
            if seg.get("VND-5") == "Y" and seg.get("VND-4.1"):
                fields["vendor_catalog_number"] = seg.get("VND-4.1")
        elif seg.name == "PKG":
            _pkg(seg, fields)
        elif seg.name == "IVT":
            _ivt(seg, fields)
    action = _event(mfe, 1)
    if action == "deactivate":
        fields["status"] = "inactive"
    key = ExternalId(system=system, namespace="item", value=key_value)
    return MasterUpdate("item", key, fields, tuple(ids), action, tuple(related))


def _itm_fields(itm: Seg) -> dict[str, Any]:
    out: dict[str, Any] = {}
    put = _putter(itm, out)
    put("ITM-2", "description")
    put("ITM-8", "manufacturer")
    put("ITM-9", "manufacturer_catalog_number")
    put("ITM-12.1", "charge_code")
    put("ITM-19.1", "gl_account")
    if itm.get("ITM-3.1"):
        out["status"] = "active" if itm.get("ITM-3.1") in {"A", "ACTIVE"} else "inactive"
    if itm.get("ITM-11.1"):
        out["chargeable"] = itm.get("ITM-11.1") == "Y"
    if itm.get("ITM-13.1"):
        out["price"] = _decimal(itm.get("ITM-13.1"), "ITM", 13)
    if itm.get("ITM-6.1"):
        out["lot_controlled"] = itm.get("ITM-6.1") == "Y"  # subject to expiration: lot/expiry tracked
    return out


def _vnd(vnd: Seg, system: str) -> tuple[MasterUpdate | None, list[ExternalId]]:
    vendor_id = vnd.get("VND-2.1")
    catalog = vnd.get("VND-4.1")
    ids = []
    if vendor_id and catalog:
        ids.append(ExternalId(system=f"vendor:{vendor_id}", namespace="catalog", value=catalog))
    if not vendor_id:
        return None, ids
    fields = {"name": vnd.get("VND-3.1")} if vnd.get("VND-3.1") else {}
    return MasterUpdate("vendor", ExternalId(system=system, namespace="vendor", value=vendor_id), fields), ids


def _pkg(pkg: Seg, fields: dict[str, Any]) -> None:
    uom, qty = pkg.get("PKG-2.1"), pkg.get("PKG-4")
    if not uom:
        return
    if qty and qty not in {"1", "1.0"}:
        conversions = list(fields.get("conversions", []))
        conversions.append({"uom": uom, "factor": str(_decimal(qty, "PKG", 4))})
        fields["conversions"] = conversions
    elif "base_uom" not in fields:
        fields["base_uom"] = uom


def _ivt(ivt: Seg, fields: dict[str, Any]) -> None:
    location = ivt.get("IVT-2.1")
    order_point = ivt.get("IVT-26")
    if location and (order_point or ivt.get("IVT-27")):
        par = ivt.get("IVT-27") or order_point
        entry = {"location": location, "par": str(_decimal(par, "IVT", 27)),
                 "reorder_point": str(_decimal(order_point, "IVT", 26)) if order_point else None}
        fields["par_levels"] = [*fields.get("par_levels", []), entry]


def _m15_record(mfe: Seg, body: list[Seg], system: str) -> MasterUpdate:
    iim = next((s for s in body if s.name == "IIM"), None)
    if iim is None:
        raise RejectedInput("MFN^M15 record without IIM segment", Location("IIM"))
    key_value = iim.get("IIM-2.1") or iim.get("IIM-1.1") or mfe.get("MFE-4.1")
    if not key_value:
        raise RejectedInput("inventory record has no item identifier (IIM-1/IIM-2)", Location("IIM", None, 2))
    fields: dict[str, Any] = {}
    put = _putter(iim, fields)
    put("IIM-5", "manufacturer")
    if iim.get("IIM-10"):
        fields["price"] = _decimal(iim.get("IIM-10"), "IIM", 10)
    if iim.get("IIM-3"):
        fields["lot_controlled"] = True
    key = ExternalId(system=system, namespace="item", value=key_value)
    return MasterUpdate("item", key, fields, (), _event(mfe, 1))


def _putter(seg: Seg, out: dict[str, Any]) -> Any:
    def put(path: str, name: str) -> None:
        value = seg.get(path)
        if value:
            out[name] = value

    return put


def _decimal(text: str, segment: str, field: int) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise RejectedInput("not a number", Location(segment, None, field)) from exc
