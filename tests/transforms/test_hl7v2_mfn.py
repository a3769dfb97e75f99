"""MFN^M16 / MFN^M15 item master messages become partial item updates keyed by the sender's id."""

from __future__ import annotations

from decimal import Decimal

import pytest

from suture.codecs import hl7v2
from suture.errors import RejectedInput
from suture.transforms.hl7v2_mfn import mfn_to_updates

M16 = (
    "MSH|^~\\&|MMIS|HOSP|SUTURE|HOSP|20260101120000||MFN^M16^MFN_M16|M16-1|P|2.6\r"
    "MFI|ITM^Item master^HL70175||UPD|||AL\r"
    "MFE|MAD|1|20260101|IT-1001^^LOCAL|CWE\r"
    "ITM|IT-1001|Hip stem, cementless, size 12|A|IMPLANT|ORTHO|Y|ACME|ACME Ortho \\T\\ Spine|HS-12-C||Y|"
    "C1776^Implant charge|1250.00|Y||||||||||||||\r"
    "VND|1|V-77^^LOCAL|Acme Medical|AC-HS12|Y\r"
    "PKG|1|BX^Box|N|5|6000.00\r"
    "IVT|1|OR-STORE^^LOCAL|OR store|||||A|B1|BX|EA||Y|C1776|1250.00||Y|N|N|||||||2|6|Y\r"
    "MFE|MDC|2|20260101|IT-1002^^LOCAL|CWE\r"
    "ITM|IT-1002|Bone screw 4.5mm|I\r"
)
M15 = (
    "MSH|^~\\&|MMIS|HOSP|SUTURE|HOSP|20260101120000||MFN^M15^MFN_M15|M15-1|P|2.6\r"
    "MFI|IIM^Inventory item master^HL70175||UPD|||AL\r"
    "MFE|MUP|1|20260101|IT-1001^^LOCAL|CWE\r"
    "IIM|IT-1001|IT-1001^Hip stem|LOT-9|20281231|ACME|OR-STORE|20260101|5|EA|1190.00\r"
)


def test_m16_item_record_maps_item_vendor_packaging_and_par() -> None:
    first, second = mfn_to_updates(hl7v2.parse(M16.encode()), "mmis")
    assert (first.kind, first.key.system, first.key.value, first.action) == ("item", "mmis", "IT-1001", "upsert")
    f = first.fields
    assert f["description"] == "Hip stem, cementless, size 12"
    assert f["manufacturer"] == "ACME Ortho & Spine"  # \T\ unescaped
    assert (f["manufacturer_catalog_number"], f["charge_code"], f["chargeable"]) == ("HS-12-C", "C1776", True)
    assert f["price"] == Decimal("1250.00") and f["lot_controlled"] is True and f["status"] == "active"
    assert f["vendor_catalog_number"] == "AC-HS12"
    assert f["conversions"] == [{"uom": "BX", "factor": "5"}]
    assert f["par_levels"] == [{"location": "OR-STORE", "par": "6", "reorder_point": "2"}]
    (vendor,) = first.related
    assert (vendor.kind, vendor.key.value, vendor.fields) == ("vendor", "V-77", {"name": "Acme Medical"})
    assert [(x.system, x.namespace, x.value) for x in first.external_ids] == [("vendor:V-77", "catalog", "AC-HS12")]
    assert (second.action, second.fields["status"]) == ("deactivate", "inactive")


def test_m15_inventory_record_maps_lot_control_and_cost() -> None:
    (update,) = mfn_to_updates(hl7v2.parse(M15.encode()), "mmis")
    assert update.key.value == "IT-1001" and update.action == "upsert"
    assert update.fields == {"manufacturer": "ACME", "price": Decimal("1190.00"), "lot_controlled": True}


def test_other_message_types_are_refused_with_the_field() -> None:
    with pytest.raises(RejectedInput, match="expected MFN\\^M16") as info:
        mfn_to_updates(hl7v2.parse(M16.replace("MFN^M16^MFN_M16", "ADT^A01").encode()), "mmis")
    assert info.value.location is not None and info.value.location.field == 9


def test_unknown_record_event_is_refused() -> None:
    with pytest.raises(RejectedInput, match="MFE-1"):
        mfn_to_updates(hl7v2.parse(M16.replace("MFE|MAD", "MFE|XXX").encode()), "mmis")
