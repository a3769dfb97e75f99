"""Tryton records -> canonical models and canonical updates -> Tryton writes, on records recorded from a real
Tryton 7.0 (tests/connectors/tryton/record_fixtures.py)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from suture.canonical.base import ExternalId
from suture.canonical.models import CostCenter, FinancialDimensions, Item, Location, UnitConversion, Vendor
from suture.connectors.tryton.client import loads
from suture.errors import PermanentError
from suture.transforms import tryton as tx

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = loads((FIXTURES / f"tryton_{name}.json").read_bytes())
    return records


def erp(namespace: str, value: str) -> ExternalId:
    return ExternalId(system="erp", namespace=namespace, value=value)


@pytest.fixture
def products() -> dict[str, dict[str, Any]]:
    return {p["code"]: p for p in fixture("products")}


def test_implant_product_maps_to_a_lot_controlled_item_with_gtin_and_vendor_catalog_number(
        products: dict[str, dict[str, Any]]) -> None:
    item, ids = tx.product_to_item(products["HS-12"], "erp")
    assert item == Item(description="Hip stem 12mm", base_uom="EA", gtins=("00614141999996",),
                        vendor_catalog_number="AC-HS12", lot_controlled=True, price=Decimal("1250.00"))
    assert ids == [erp("item", "1"), erp("item_code", "HS-12"),
                   ExternalId(system="GS1", namespace="GTIN", value="00614141999996"),
                   ExternalId(system="vendor:2", namespace="catalog", value="AC-HS12")]


def test_purchase_unit_becomes_a_conversion(products: dict[str, dict[str, Any]]) -> None:
    item, ids = tx.product_to_item(products["GZ-44"], "erp")
    assert item == Item(description="Gauze sponge 4x4", base_uom="EA", price=Decimal("0.35"),
                        conversions=(UnitConversion(uom="BX", factor=Decimal(10)),))
    assert ids == [erp("item", "2"), erp("item_code", "GZ-44")]


@pytest.mark.parametrize("where", ["product", "template"])
def test_inactive_variant_or_template_makes_the_item_inactive(products: dict[str, dict[str, Any]],
                                                              where: str) -> None:
    record = copy.deepcopy(products["GZ-44"])
    (record if where == "product" else record["template."])["active"] = 0
    assert tx.product_to_item(record, "erp")[0].status == "inactive"


def test_supplier_entry_for_another_variant_is_ignored(products: dict[str, dict[str, Any]]) -> None:
    record = copy.deepcopy(products["HS-12"])
    record["template."]["product_suppliers."][0]["product"] = 99
    item, ids = tx.product_to_item(record, "erp")
    assert item.vendor_catalog_number is None
    assert all(not e.system.startswith("vendor:") for e in ids)


def test_no_purchase_or_stock_lot_module_still_maps() -> None:
    fields = tx.product_fields({"product"})
    assert "template.lot_required" not in fields and "template.purchase_uom.symbol" not in fields
    record = {k: v for k, v in fixture("products")[0].items()}
    record["template."] = {k: v for k, v in record["template."].items()
                           if k not in {"lot_required", "purchase_uom.", "product_suppliers."}}
    item, _ = tx.product_to_item(record, "erp")
    assert (item.lot_controlled, item.vendor_catalog_number, item.conversions) == (False, None, ())


def test_changed_at_is_the_newest_stamp_of_any_part(products: dict[str, dict[str, Any]]) -> None:
    record = copy.deepcopy(products["HS-12"])
    assert tx.changed_at(record) == record["write_date"]
    later = datetime(2030, 1, 1, tzinfo=UTC)
    record["template."]["product_suppliers."][0]["write_date"] = later
    assert tx.changed_at(record) == later
    assert tx.changed_at({"id": 1}) is None


def test_supplier_parties_map_to_vendors() -> None:
    acme, gauze = fixture("parties")
    assert tx.party_to_vendor(acme, "erp") == (Vendor(name="Acme Orthopedics"), [
        erp("vendor", "2"), erp("vendor_code", "2"), erp("party_identifier", "ACME-0001")])
    assert tx.party_to_vendor(gauze, "erp") == (Vendor(name="Gauze & Co"),
                                                [erp("vendor", "3"), erp("vendor_code", "3")])


def test_vendor_payment_term_and_typed_identifiers() -> None:
    acme = copy.deepcopy(fixture("parties")[0])
    acme["supplier_payment_term."] = {"id": 1, "name": "Net 30"}
    acme["identifiers."][0]["type"] = "us_ein"
    acme["active"] = 0
    vendor, ids = tx.party_to_vendor(acme, "erp")
    assert vendor == Vendor(name="Acme Orthopedics", payment_terms="Net 30", status="inactive")
    assert erp("party_identifier:us_ein", "ACME-0001") in ids


def test_stock_locations_map_by_type_with_their_warehouse_as_facility() -> None:
    mapped = {r["name"]: tx.location_to_location(r, "erp") for r in fixture("locations")}
    assert mapped["Warehouse"] == (Location(name="Warehouse", kind="facility"),
                                   [erp("location", "5"), erp("location_code", "WH")], {})
    assert mapped["OR supply room"] == (Location(name="OR supply room", kind="inventory"),
                                        [erp("location", "9"), erp("location_code", "ORSUP")], {"facility": "5"})
    assert mapped["OR 3"][0] == Location(name="OR 3", kind="procedure_room")
    assert mapped["Transit"] == (Location(name="Transit", kind="inventory"), [erp("location", "8")], {})


def test_analytic_accounts_map_to_cost_centers_and_closed_ones_are_inactive() -> None:
    ortho, cath = fixture("analytic_accounts")
    assert tx.analytic_to_cost_center(ortho, "erp") == (CostCenter(
        name="Orthopedic OR",
        dimensions=FinancialDimensions(company="Suture Test Hospital", account="SUR-ORTHO", department="Surgery"),
    ), [erp("cost_center", "3"), erp("cost_center_code", "SUR-ORTHO")])
    center, _ = tx.analytic_to_cost_center(cath, "erp")
    assert center == CostCenter(name="Old cath lab", status="inactive", dimensions=FinancialDimensions(
        company="Suture Test Hospital", account="CATH-OLD"))  # a root parent is no department


# --- push --------------------------------------------------------------------------------------------------


@pytest.fixture
def current() -> dict[str, Any]:
    [record] = fixture("product_push_read")
    return record


def test_description_price_and_status_go_to_template_and_variant() -> None:
    plan = tx.item_fields_to_tryton({"description": "Hip stem", "price": 12.5, "status": "discontinued"})
    assert plan == tx.ItemWrite(template={"name": "Hip stem", "list_price": Decimal("12.5")},
                                product={"active": False})


def test_gtins_become_identifier_changes_keeping_equal_codes(current: dict[str, Any]) -> None:
    current = copy.deepcopy(current)
    current["identifiers."].append({"id": 7, "type": None, "code": "INTERNAL-1"})  # not a GTIN: untouched
    current["identifiers."].append({"id": 8, "type": "ean", "code": "04012345000016"})  # dropped
    plan = tx.item_fields_to_tryton({"gtins": ["00614141999996", "07612345678900"]}, current)
    assert plan.product == {"identifiers": [["delete", [8]],
                                            ["create", [{"type": "ean", "code": "07612345678900"}]]]}


def test_same_gtins_write_nothing(current: dict[str, Any]) -> None:
    assert tx.item_fields_to_tryton({"gtins": ["0614141999996"]}, current) == tx.ItemWrite()


def test_vendor_catalog_number_goes_to_the_first_supplier_entry(current: dict[str, Any]) -> None:
    assert tx.item_fields_to_tryton({"vendor_catalog_number": "AC-9"}, current).suppliers == {1: "AC-9"}


def test_vendor_catalog_number_without_a_supplier_entry_is_refused(current: dict[str, Any]) -> None:
    current = copy.deepcopy(current)
    current["template."]["product_suppliers."] = []
    with pytest.raises(PermanentError, match="no supplier entry"):
        tx.item_fields_to_tryton({"vendor_catalog_number": "AC-9"}, current)


@pytest.mark.parametrize(("fields", "message"), [
    ({"manufacturer_catalog_number": "M-1", "price": 1}, "manufacturer_catalog_number"),
    ({"implantable": True}, "implantable"),
    ({"price": "-1"}, "price"),
    ({"price": "NaN"}, "price"),
    ({"description": ""}, "description"),
])
def test_unmapped_or_invalid_item_fields_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(PermanentError, match=message):
        tx.item_fields_to_tryton(fields)


def test_other_kinds_write_name_and_status() -> None:
    assert tx.simple_fields_to_tryton("location", {"name": "OR 4", "status": "active"}) == {
        "name": "OR 4", "active": True}
    with pytest.raises(PermanentError, match="gln"):
        tx.simple_fields_to_tryton("vendor", {"gln": "0614141000012"})
