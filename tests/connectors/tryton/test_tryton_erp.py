"""End to end against a real Tryton 7.0 process, seeded over JSON-RPC (conftest.py, once per run; every test
gets a fresh server on its own copy): pull into canonical records, see changes by write_date, push allowed
fields back, survive session expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tryton_support import Seeded, TrytonServer

from suture.canonical.base import ExternalId
from suture.canonical.models import CostCenter, FinancialDimensions, Item, Location, UnitConversion, Vendor
from suture.canonical.ownership import DEFAULT_MATRIX
from suture.connectors.erp import ErpPort, ErpRecord, watermark
from suture.connectors.tryton.client import TrytonClient, TrytonError
from suture.connectors.tryton.erp import TrytonErp
from suture.errors import PermanentError

pytestmark = pytest.mark.tryton


@pytest.fixture
async def admin(tryton_server: TrytonServer) -> AsyncIterator[TrytonClient]:
    """A separate session, standing for a person working in Tryton."""
    async with tryton_server.client() as client:
        yield client


@pytest.fixture
async def erp(tryton_server: TrytonServer) -> AsyncIterator[TrytonErp]:
    connector = TrytonErp(tryton_server.client(), system="erp", matrix=DEFAULT_MATRIX)
    yield connector
    await connector.close()


def by_id(records: list[ErpRecord]) -> dict[str, ErpRecord]:
    return {r.erp_id: r for r in records}


def item(record: ErpRecord) -> Item:
    assert isinstance(record.record, Item)
    return record.record


# Sessions expire 3 s after login on this server, so the client has to log in again along the way.
@pytest.mark.parametrize("tryton_server", [{"session_max_age_s": 3}], indirect=True)
async def test_sync_sees_changes_by_write_date_pushes_allowed_fields_and_relogs_in(
        erp: TrytonErp, admin: TrytonClient, seeded: Seeded) -> None:
    assert isinstance(erp, ErpPort)
    assert await erp.kinds() == {"item", "vendor", "location", "cost_center"}

    items = by_id(await erp.pull("item"))
    assert set(items) == {str(seeded.stem), str(seeded.gauze)}  # the service product is no supply item
    stem = items[str(seeded.stem)]
    assert stem.record == Item(description="Hip stem 12mm", base_uom="EA", gtins=("00614141999996",),
                               vendor_catalog_number="AC-HS12", lot_controlled=True, price=Decimal("1250.00"))
    assert stem.external_ids == (
        ExternalId(system="erp", namespace="item", value=str(seeded.stem)),
        ExternalId(system="erp", namespace="item_code", value="HS-12"),
        ExternalId(system="GS1", namespace="GTIN", value="00614141999996"),
        ExternalId(system=f"vendor:{seeded.supplier}", namespace="catalog", value="AC-HS12"),
    )
    gauze = item(items[str(seeded.gauze)])
    assert gauze.conversions == (UnitConversion(uom="BX", factor=Decimal(10)),)
    assert not gauze.lot_controlled

    vendors = by_id(await erp.pull("vendor"))
    assert set(vendors) == {str(seeded.supplier), str(seeded.listed_supplier)}  # not the customer, not us
    assert vendors[str(seeded.supplier)].record == Vendor(name="Acme Orthopedics")
    assert ExternalId(system="erp", namespace="party_identifier", value="ACME-0001") in \
        vendors[str(seeded.supplier)].external_ids

    locations = by_id(await erp.pull("location"))
    supply_room = locations[str(seeded.supply_room)]
    assert supply_room.record == Location(name="OR supply room", kind="inventory")
    assert supply_room.links == {"facility": str(seeded.warehouse)}
    assert locations[str(seeded.operating_room)].record == Location(name="OR 3", kind="procedure_room")
    assert locations[str(seeded.warehouse)].record == Location(name="Warehouse", kind="facility")
    assert all(isinstance(r.record, Location) for r in locations.values())

    centers = await erp.pull("cost_center")
    assert [(c.erp_id, c.record) for c in centers] == [(str(seeded.cost_center), CostCenter(
        name="Orthopedic OR",
        dimensions=FinancialDimensions(company="Suture Test Hospital", account="SUR-ORTHO", department="Surgery")))]

    # Nothing changed since the sync: an incremental pull is empty.
    synced_at = datetime.now(UTC)
    assert await erp.pull("item", since=synced_at) == []

    # A person renames the stem in Tryton; the next incremental pull sees only that.
    await admin.write("product.template", [seeded.stem_template], {"name": "Hip stem 12mm, cementless"})
    changed = await erp.pull("item", since=synced_at)
    assert [r.erp_id for r in changed] == [str(seeded.stem)]
    assert item(changed[0]).description == "Hip stem 12mm, cementless"
    assert changed[0].write_date >= synced_at
    mark = watermark(changed, synced_at)
    assert mark is not None and mark <= changed[0].write_date

    # Suture pushes the fields the matrix lets it write; Tryton has them afterwards.
    await erp.push("item", str(seeded.stem), {"vendor_catalog_number": "AC-HS12-B",
                                               "gtins": ["00614141999996", "00614141000036"]})
    [row] = await admin.search_read("product.product", [("id", "=", seeded.stem)],
                                    ["identifiers.code", "template.product_suppliers.code"])
    # The GTIN already there is kept as Tryton had it (13 digits); only the new one is added.
    assert sorted(i["code"] for i in row["identifiers."]) == ["00614141000036", "0614141999996"]
    assert [s["code"] for s in row["template."]["product_suppliers."]] == ["AC-HS12-B"]
    [after_push] = await erp.pull("item", since=mark)
    assert item(after_push).vendor_catalog_number == "AC-HS12-B"

    # ... and nothing else: the matrix leaves the description to the ERP.
    with pytest.raises(PermanentError, match="description"):
        await erp.push("item", str(seeded.stem), {"description": "renamed by Suture"})

    # The session has expired by now: the next call gets HTTP 401, logs in again by itself and succeeds.
    logins = erp.client.logins
    await asyncio.sleep(3.5)
    assert len(await erp.pull("cost_center")) == 1
    assert erp.client.logins == logins + 1


async def test_deactivated_product_comes_back_inactive(erp: TrytonErp, admin: TrytonClient, seeded: Seeded) -> None:
    synced_at = datetime.now(UTC)
    await admin.write("product.product", [seeded.gauze], {"active": False})
    [record] = await erp.pull("item", since=synced_at)
    assert (record.erp_id, item(record).status) == (str(seeded.gauze), "inactive")


async def test_record_that_cannot_be_canonical_comes_back_with_a_problem_and_others_still_sync(
        erp: TrytonErp, admin: TrytonClient, seeded: Seeded) -> None:
    [gauze] = await admin.read("product.product", [seeded.gauze], ["template"])
    await admin.write("product.template", [gauze["template"]], {"list_price": Decimal("-1")})
    records = by_id(await erp.pull("item"))
    bad = records[str(seeded.gauze)]
    assert (bad.record, bad.problem) == (None, "price: greater_than_equal")
    assert bad.external_ids == (ExternalId(system="erp", namespace="item", value=str(seeded.gauze)),)
    assert item(records[str(seeded.stem)]).description == "Hip stem 12mm"


async def test_party_named_in_a_supplier_list_after_a_sync_becomes_a_vendor(
        erp: TrytonErp, admin: TrytonClient, seeded: Seeded) -> None:
    synced_at = datetime.now(UTC)
    await admin.write("product.template", [seeded.stem_template],
                      {"product_suppliers": [["create", [{"party": seeded.customer, "code": "WI-1"}]]]})
    assert [r.erp_id for r in await erp.pull("vendor", since=synced_at)] == [str(seeded.customer)]


async def test_push_without_matrix_writes_mapped_fields_of_every_kind(
        tryton_server: TrytonServer, admin: TrytonClient, seeded: Seeded) -> None:
    async with TrytonErp(tryton_server.client()) as erp:
        await erp.push("item", str(seeded.gauze), {"description": "Gauze 4x4, sterile", "price": "0.40",
                                                    "status": "inactive"})
        await erp.push("vendor", str(seeded.supplier), {"name": "Acme Ortho Inc."})
        await erp.push("location", str(seeded.supply_room), {"name": "OR core supply"})
        await erp.push("cost_center", str(seeded.cost_center), {"name": "Ortho OR", "status": "inactive"})
    ctx = {"active_test": False}
    [gauze] = await admin.search_read("product.product", [("id", "=", seeded.gauze)],
                                      ["active", "template.name", "template.list_price"], context=ctx)
    assert (bool(gauze["active"]), gauze["template."]["name"], gauze["template."]["list_price"]) == (
        False, "Gauze 4x4, sterile", Decimal("0.40"))
    [party] = await admin.read("party.party", [seeded.supplier], ["name"])
    [room] = await admin.read("stock.location", [seeded.supply_room], ["name"])
    [center] = await admin.read("analytic_account.account", [seeded.cost_center], ["name", "active"], context=ctx)
    assert (party["name"], room["name"], center["name"], bool(center["active"])) == (
        "Acme Ortho Inc.", "OR core supply", "Ortho OR", False)


async def test_push_refuses_unmapped_fields_and_unknown_records(
        tryton_server: TrytonServer, admin: TrytonClient, seeded: Seeded) -> None:
    async with TrytonErp(tryton_server.client()) as erp:
        with pytest.raises(PermanentError, match="manufacturer_catalog_number"):
            await erp.push("item", str(seeded.stem), {"price": "1", "manufacturer_catalog_number": "M-1"})
        with pytest.raises(PermanentError, match="no item"):
            await erp.push("item", "999999", {"price": "1"})
        with pytest.raises(PermanentError, match="no supplier entry"):
            await erp.push("item", str(seeded.gauze), {"vendor_catalog_number": "X"})
        with pytest.raises(TrytonError) as refused:  # Tryton's own validation: not a valid EAN
            await erp.push("item", str(seeded.stem), {"gtins": ["00614141999990"]})
        assert refused.value.error_type == "UserError"
    [row] = await admin.search_read("product.product", [("id", "=", seeded.stem)],
                                    ["template.list_price", "identifiers.code"])
    assert row["template."]["list_price"] == Decimal("1250.00")  # the refused updates wrote nothing
    assert [i["code"] for i in row["identifiers."]] == ["0614141999996"]


async def test_wrong_password_is_a_permanent_error(tryton_server: TrytonServer) -> None:
    async with TrytonClient(tryton_server.url, "erp", "admin", "wrong") as client:
        with pytest.raises(TrytonError, match="bad login"):
            await client.search("product.product", [])


async def test_corrupted_session_is_renewed_once(tryton_server: TrytonServer) -> None:
    async with tryton_server.client() as client:
        await client.login()
        client._auth = "Session " + "QUJD" * 8  # a session key Tryton never issued
        assert await client.search("stock.location", [("code", "=", "WH")]) != []
        assert client.logins == 2
