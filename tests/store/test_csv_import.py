"""CSV import of items, vendors and crosswalk entries (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from suture.canonical.base import ExternalId, Provenance
from suture.store import Journal
from suture.store.crosswalk import CrosswalkCache
from suture.store.csv_import import import_items_csv, import_vendors_csv, import_xrefs_csv
from suture.store.masterdata import MasterStore

ITEMS = (
    "id,description,base_uom,gtin,manufacturer,implantable,lot_controlled,chargeable,charge_code,price,status,"
    "xref:erp:product\n"
    ",Gauze 4x4,EA,00312345678906,Acme,no,no,false,,1.20,active,P-1\n"
    ",Hip stem,EA,00312345678913|00312345678920,Orthoco,yes,yes,true,C-77,1500,active,P-2\n"
    "\n"
    ',"Bone screw,\nself tapping",EA,,Orthoco,yes,maybe,false,,abc,active,P-3\n'
    ",Drape,EA,,,no,no,true,,1,active,P-4\n"
    ",,EA,,,no,no,false,,1,active,P-6\n"
    ",Catheter,EA,,,no,no,false,,3.10,retired,P-5\n"
    ",Too few cells\n"
    "GZ-9,Sponge,EA,,,no,no,false,,0.50,active,\n"
)


@pytest.fixture
async def store(journal: Journal) -> AsyncIterator[MasterStore]:
    yield MasterStore(journal)


async def test_good_rows_are_imported_and_bad_rows_reported_by_line(store: MasterStore) -> None:
    report = await import_items_csv(store, ITEMS, system="erp", message_id="file-1")
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.errors == [
        (5, "lot_controlled", "Input should be a valid boolean, unable to interpret input"),
        (5, "price", "Input should be a valid decimal"),
        (7, "row", "Value error, a chargeable item needs a charge_code"),
        (8, "description", "Field required"),
        (9, "status", "Input should be 'active', 'inactive', 'blocked' or 'discontinued'"),
        (10, "", "has 2 cells, the header has 12"),
    ]
    assert report.rejected == 5
    stem_id = await store.resolve("item", "erp", "product", "P-2")
    assert stem_id is not None
    stem = await store.get("item", stem_id)
    assert stem is not None
    assert stem.data["gtins"] == ["00312345678913", "00312345678920"]
    assert (stem.data["implantable"], stem.data["chargeable"], stem.data["price"]) == (True, True, "1500")
    assert (stem.provenance.system, stem.provenance.message_id) == ("erp", "file-1")
    assert await store.resolve("item", "GS1", "GTIN", "00312345678920") == stem_id  # GTINs join the crosswalk
    assert await store.get("item", "GZ-9") is not None
    assert await store.resolve("item", "erp", "product", "P-3") is None


async def test_importing_the_same_file_again_changes_nothing(store: MasterStore) -> None:
    await import_items_csv(store, ITEMS, system="erp")
    again = await import_items_csv(store, ITEMS, system="erp")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (await store.list("item")).next is None and len((await store.list("item")).items) == 3


async def test_rows_without_id_update_the_record_their_external_ids_name(store: MasterStore) -> None:
    await import_items_csv(store, ITEMS, system="erp")
    gauze = await store.resolve("item", "erp", "product", "P-1")
    assert gauze is not None
    await store.put("item", gauze, {**(await store.get("item", gauze)).data,  # type: ignore[union-attr]
                                    "gl_account": "6100"}, Provenance(system="erp"))
    report = await import_items_csv(store, "description,price,xref:erp:product\nGauze 4x4 sterile,1.30,P-1\n"
                                           "Gauze pad,1.00,00312345678906\n", system="erp")
    assert (report.created, report.updated) == (1, 1)  # the second row's P-value is not the GTIN's namespace
    current = await store.get("item", gauze)
    assert current is not None
    assert (current.data["description"], current.data["price"]) == ("Gauze 4x4 sterile", "1.30")
    assert (current.data["manufacturer"], current.data["gl_account"]) == ("Acme", "6100")  # columns not in the file
    by_gtin = await import_items_csv(store, "gtin,price\n00312345678906,1.40\n", system="erp")
    assert (by_gtin.updated, by_gtin.errors) == (1, [])
    assert (await store.get("item", gauze)).data["price"] == "1.40"  # type: ignore[union-attr]


async def test_a_loaded_crosswalk_cache_matches_rows_and_follows_the_import(journal: Journal) -> None:
    cache = CrosswalkCache(journal)
    await cache.load("item")
    store = MasterStore(journal, cache=cache)
    first = await import_items_csv(store, ITEMS, system="erp")
    assert cache.resolve("item", "erp", "product", "P-2") == await store.resolve("item", "erp", "product", "P-2")
    again = await import_items_csv(store, ITEMS.replace("1500", "1600"), system="erp")
    assert (first.created, again.created, again.updated, again.unchanged) == (3, 0, 1, 2)


async def test_an_empty_cell_resets_an_optional_field_but_keeps_a_required_one(store: MasterStore) -> None:
    await import_items_csv(store, "id,description,manufacturer,implantable\nA,Stent,Acme,true\n", system="erp")
    report = await import_items_csv(store, "id,description,manufacturer,implantable\nA,,,\n", system="erp")
    assert (report.updated, report.errors) == (1, [])
    current = await store.get("item", "A")
    assert current is not None
    assert (current.data["description"], current.data["manufacturer"], current.data["implantable"]) == (
        "Stent", None, False)


async def test_a_claimed_external_id_refuses_the_row_and_opens_an_exception(store: MasterStore) -> None:
    await import_items_csv(store, "id,description,xref:erp:product\nA,Stent,P-1\n", system="erp")
    report = await import_items_csv(store, "id,description,xref:erp:product\nB,Balloon,P-1\nC,Wire,P-2\n",
                                    system="procurement")
    assert report.created == 1
    assert len(report.errors) == 1
    line, column, message = report.errors[0]
    assert (line, column) == (2, "xref:erp:product") and "already claimed by A" in message
    assert await store.get("item", "B") is None
    opened = await store.exceptions(type="xref_conflict", state="open")
    assert [e.id for e in opened.items] == report.exception_ids
    assert opened.items[0].detail["refused_for"] == "B"
    by_gtin = await import_items_csv(store, "id,description,gtin\nA,Stent,00312345678906\nD,Coil,00312345678906\n",
                                     system="erp")
    assert [(line, column) for line, column, _ in by_gtin.errors] == [(3, "gtin")]


async def test_gtins_are_checked_and_padded_to_14_digits(store: MasterStore) -> None:
    text = ("id,description,gtin\n"
            "A,Stent,614141999996|96385074\n"
            "B,Coil,00312345678907\n"
            "C,Wire,12345|00312345678906\n")
    report = await import_items_csv(store, text, system="erp")
    assert report.created == 1
    assert report.errors == [(3, "gtin", "GTIN 1 has a wrong check digit"),
                             (4, "gtin", "GTIN 1 is not 8, 12, 13 or 14 digits")]
    stent = await store.get("item", "A")
    assert stent is not None and stent.data["gtins"] == ["00614141999996", "00000096385074"]
    assert await store.resolve("item", "GS1", "GTIN", "00000096385074") == "A"


async def test_the_same_record_twice_in_one_file_is_reported(store: MasterStore) -> None:
    text = "id,description,xref:erp:product\nA,Stent,P-1\n,Stent again,P-1\nA,Stent thrice,\n"
    report = await import_items_csv(store, text, system="erp", batch_size=1)
    assert report.created == 1
    assert report.errors == [(3, "id", "same record as line 2"), (4, "id", "same record as line 2")]


async def test_an_unknown_column_refuses_the_whole_file(store: MasterStore) -> None:
    report = await import_items_csv(store, "description,colour,xref:\nGauze,white,\n", system="erp")
    assert report.errors == [(1, "colour", "unknown column"), (1, "xref:", "unknown column")]
    assert report.created == 0 and (await store.list("item")).items == []
    assert (await import_items_csv(store, "", system="erp")).errors == [(1, "", "no header row")]


async def test_line_numbers_hold_across_batches(store: MasterStore) -> None:
    rows = [f"Item {n},{'bad' if n % 4 == 3 else n}" for n in range(10)]
    report = await import_items_csv(store, "description,price\n" + "\n".join(rows) + "\n", system="erp",
                                    batch_size=3)
    assert report.created == 8
    assert [(line, column) for line, column, _ in report.errors] == [(5, "price"), (9, "price")]


async def test_a_file_path_is_read_as_utf8_with_or_without_bom(store: MasterStore, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes("\ufeffid,description\nA,Cath\u00e9ter\n".encode())
    report = await import_items_csv(store, path, system="erp")
    assert report.created == 1
    (tmp_path / "more.csv").write_text("id,description\nB,Drape\n", encoding="utf-8")
    assert (await import_items_csv(store, str(tmp_path / "more.csv"), system="erp")).created == 1
    assert (await store.get("item", "A")).data["description"] == "Cath\u00e9ter"  # type: ignore[union-attr]


async def test_vendors_import_with_their_own_columns(store: MasterStore) -> None:
    text = ("id,name,duns,gln,status,payment_terms,xref:erp:supplier\n"
            "V-1,Acme,123456789,,active,NET30,S-1\n"
            "V-2,Orthoco,12345,,active,,S-2\n"
            ",Medline,,,active,,S-3\n")
    report = await import_vendors_csv(store, text, system="erp")
    assert report.created == 2
    assert report.errors == [(3, "duns", "String should match pattern '^\\d{9}$'")]
    assert await store.resolve("vendor", "erp", "supplier", "S-3") == "vendor-000001"
    assert (await store.get("vendor", "V-1")).data["payment_terms"] == "NET30"  # type: ignore[union-attr]


async def test_crosswalk_entries_import_with_dates_and_report_each_problem(store: MasterStore) -> None:
    await store.put("item", "A", {"description": "Stent"}, Provenance(system="erp"))
    await store.put("item", "B", {"description": "Wire"}, Provenance(system="erp"))
    await store.add_xref("item", "B", ExternalId(system="ehr", value="E-9"), system_of_caller="ehr")
    text = ("kind,canonical_id,system,namespace,value,valid_from,valid_to\n"
            "item,A,erp,product,P-1,2024-01-01,\n"
            "item,A,ehr,,E-1,,\n"
            "item,A,ehr,,E-9,,\n"
            "item,Z,erp,product,P-2,,\n"
            "item,A,erp,product,P-3,2024-13-01,\n"
            "gizmo,A,erp,product,P-4,,\n"
            "item,A,,product,P-5,,\n")
    report = await import_xrefs_csv(store, text, system="mdm")
    assert report.created == 2
    assert [(line, column) for line, column, _ in report.errors] == [
        (4, "value"), (5, "canonical_id"), (6, "valid_from"), (7, "kind"), (8, "system")]
    assert "already claimed by B" in report.errors[0][2] and len(report.exception_ids) == 1
    xrefs = await store.xrefs("item", "A")
    assert [(x.system, x.value, str(x.valid_from), x.created_by_system) for x in xrefs] == [
        ("erp", "P-1", "2024-01-01", "mdm"), ("ehr", "E-1", "None", "mdm")]
    again = await import_xrefs_csv(store, "kind,canonical_id,system,namespace,value,valid_to\n"
                                          "item,A,erp,product,P-1,2024-12-31\nitem,A,ehr,,E-1,\n", system="mdm")
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 1, 1, [])
    missing = await import_xrefs_csv(store, "kind,canonical_id,value,extra\n", system="mdm")
    assert missing.errors == [(1, "extra", "unknown column"), (1, "system", "column missing")]
