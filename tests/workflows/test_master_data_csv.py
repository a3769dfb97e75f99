"""CSV master-data feeds read a file exactly as the bulk importer does, then apply it governed.

Each test runs a real SQLite journal; "bulk" imports with ``import_items_csv`` / ``import_vendors_csv``,
"feed" delivers the same bytes to the ``master-data`` sink of a channel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from suture.canonical.ownership import DEFAULT_MATRIX
from suture.connectors.base import Outbound
from suture.errors import PermanentError
from suture.pipeline.config import MasterDataSinkConfig
from suture.store import Journal, open_journal
from suture.store.crosswalk import CrosswalkCache
from suture.store.csv_import import import_items_csv, import_vendors_csv
from suture.store.masterdata import MasterStore
from suture.workflows.master_data.service import MasterDataService
from suture.workflows.master_data.sink import MasterDataSink

ITEMS = (
    "id,description,base_uom,gtin,manufacturer,implantable,lot_controlled,chargeable,charge_code,price,status,"
    "xref:erp:product,xref:ehr:item\n"
    "STEM-12,Hip stem 12,EA,00312345678913|96385074,Orthoco,yes,1,true,C-77,1500,active,P-2,E-2\n"
    ",Gauze 4x4,EA,00312345678906,Acme,no,no,false,,1.20,,P-1,\n"
    ',"Bone screw,\nself tapping",BX,,Orthoco,yes,true,false,,12.5,blocked,P-3|P-3b,\n'
)
ITEMS_AGAIN = (  # a second file: new values, an emptied cell, a row matched through its GTIN (P-9 is new)
    "id,description,manufacturer,price,gtin,xref:erp:product\n"
    "STEM-12,Hip stem 12 cementless,,1450,,P-2\n"
    ",Gauze pad,Acme,1.30,00312345678906,P-9\n"
    ",Drape,,2,,P-4\n"
)
VENDORS = ("id,name,duns,gln,status,payment_terms,xref:erp:supplier\n"
           "V-1,Acme,123456789,,active,NET30,S-1\n"
           ",Orthoco,,0614141999996,,,S-2\n")


class Side:
    """One fresh store, fed either by the bulk importer or by a master-data sink."""

    def __init__(self, journal: Journal) -> None:
        self.cache = CrosswalkCache(journal)
        self.store = MasterStore(journal, cache=self.cache)
        self.service = MasterDataService(self.store, self.cache, DEFAULT_MATRIX)
        self.sent = 0

    async def feed(self, text: str, fmt: str = "csv-items", system: str = "erp") -> str:
        sink = MasterDataSink("apply", MasterDataSinkConfig(format=fmt, system=system), self.service)  # type: ignore[arg-type]
        self.sent += 1
        out = Outbound(text.encode(), "text/csv", f"m{self.sent}:apply", f"m{self.sent}")
        return (await sink.deliver(out)).response

    async def records(self, kind: str = "item") -> dict[str, tuple[dict[str, Any], set[tuple[str, str, str]]]]:
        """Every record's data and crosswalk ids, by canonical id."""
        page = await self.store.list(kind, limit=1000)
        return {r.id: (r.data, {x.key for x in await self.store.xrefs(kind, r.id)}) for r in page.items}


@pytest.fixture
async def open_side(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    journals: list[Journal] = []

    async def make() -> Side:
        journal = open_journal(f"sqlite:///{tmp_path}/j{len(journals)}.db", tmp_path)
        await journal.open()
        journals.append(journal)
        side = Side(journal)
        await side.service.load()
        return side

    yield make
    for journal in journals:
        await journal.close()


async def test_a_feed_and_a_bulk_import_of_the_same_csv_give_the_same_records(open_side: Callable[..., Any]) -> None:
    bulk, feed = await open_side(), await open_side()
    report = await import_items_csv(bulk.store, ITEMS, system="erp")
    assert (report.created, report.errors) == (3, [])
    assert await feed.feed(ITEMS) == "3 record(s): 3 created, 0 updated, 0 change request(s)"
    records = await feed.records()
    assert records == await bulk.records()
    stem, stem_ids = records["STEM-12"]
    assert (stem["gtins"], stem["implantable"], stem["lot_controlled"], stem["price"]) == (
        ["00312345678913", "00000096385074"], True, True, "1500")
    assert stem_ids == {("erp", "product", "P-2"), ("ehr", "item", "E-2"), ("GS1", "GTIN", "00312345678913"),
                        ("GS1", "GTIN", "00000096385074")}

    await import_items_csv(bulk.store, ITEMS_AGAIN, system="erp")
    assert await feed.feed(ITEMS_AGAIN) == "3 record(s): 1 created, 2 updated, 0 change request(s)"
    assert await feed.records() == await bulk.records()
    records = await feed.records()
    stem, _ = records["STEM-12"]
    assert (stem["description"], stem["manufacturer"], stem["price"]) == ("Hip stem 12 cementless", None, "1450")
    gauze = next(ids for data, ids in records.values() if data["description"] == "Gauze pad")
    assert {("erp", "product", "P-1"), ("erp", "product", "P-9")} <= gauze
    assert await feed.feed(ITEMS_AGAIN) == "3 record(s): 0 created, 0 updated, 0 change request(s)"


async def test_vendor_csv_gives_the_same_records_either_way(open_side: Callable[..., Any]) -> None:
    bulk, feed = await open_side(), await open_side()
    assert (await import_vendors_csv(bulk.store, VENDORS, system="erp")).created == 2
    assert await feed.feed(VENDORS, "csv-vendors") == "2 record(s): 2 created, 0 updated, 0 change request(s)"
    vendors = await feed.records("vendor")
    assert vendors == await bulk.records("vendor")
    assert vendors["V-1"] == ({"name": "Acme", "duns": "123456789", "gln": None, "status": "active",
                               "payment_terms": "NET30"}, {("erp", "supplier", "S-1")})


async def test_a_bad_row_refuses_the_whole_message_naming_line_and_column(open_side: Callable[..., Any]) -> None:
    feed = await open_side()
    bad_cell = ITEMS.replace("12.5,blocked", "12,5,blocked")  # one cell too many on the row starting at line 4
    with pytest.raises(PermanentError, match=r"^csv-items: has 14 cells, the header has 13 at line 4$"):
        await feed.feed(bad_cell)
    with pytest.raises(PermanentError) as caught:
        await feed.feed(ITEMS.replace(",1.20,", ",1.2x,"))
    assert str(caught.value) == ("csv-items: column 'price': Input should be a valid decimal at field 10 line 3")
    assert await feed.records() == {}  # the good rows before and after were not applied either


async def test_problems_found_against_the_store_name_line_and_column_too(open_side: Callable[..., Any]) -> None:
    feed = await open_side()
    await feed.feed(ITEMS)
    cases = {
        "id,price,xref:erp:product\nSTEM-12,1,P-2\n,2,P-9\n": "column 'description': Field required at line 3",
        "description,chargeable,xref:erp:product\nX,true,P-9\n": "column 'row': Value error, a chargeable item",
        "id,description,xref:erp:product\nNEW-1,Wire,P-1\n": "column 'xref:erp:product': already claimed by item-",
        "description,gtin,xref:erp:product\nWire,,P-8\nCoil,,P-8\n": "column 'xref:erp:product': same record as line 2",
        "description,xref:ehr:item\nWire,E-7\n": "the row has no erp id (an id or xref:erp:<namespace> column)",
        "id,description\nbad id!,Wire\n": "column 'id': must be 1-64 letters",
    }
    before = await feed.records()
    for text, expected in cases.items():
        with pytest.raises(PermanentError) as caught:
            await feed.feed(text)
        assert expected in str(caught.value) and "line" in str(caught.value), text
    assert await feed.records() == before


async def test_vendor_rows_are_checked_the_same_way(open_side: Callable[..., Any]) -> None:
    feed = await open_side()
    with pytest.raises(PermanentError, match=r"column 'duns': String should match pattern .* at field 3 line 3"):
        await feed.feed(VENDORS.replace(",,0614", ",12345,0614"),
                        "csv-vendors")
    assert await feed.records("vendor") == {}


async def test_the_feed_stays_governed_where_the_bulk_import_is_not(open_side: Callable[..., Any]) -> None:
    feed = await open_side()
    await feed.feed(ITEMS)
    ehr = "id,description,clinical_description,xref:ehr:item\nSTEM-12,Hip stem,Femoral stem,E-2\n"
    assert await feed.feed(ehr, system="ehr") == "1 record(s): 0 created, 1 updated, 1 change request(s)"
    stem, _ = (await feed.records())["STEM-12"]
    assert (stem["description"], stem["clinical_description"]) == ("Hip stem 12", "Femoral stem")  # EHR owns only this
    requests = await feed.store.change_requests(state="open")
    assert [(r.system, set(r.diff)) for r in requests.items] == [("ehr", {"description"})]


async def test_a_row_with_only_an_id_is_keyed_by_that_id_in_the_senders_namespace(
        open_side: Callable[..., Any]) -> None:
    feed = await open_side()
    assert await feed.feed("id,description\nA-1,Wire\n") == "1 record(s): 1 created, 0 updated, 0 change request(s)"
    assert (await feed.records())["A-1"][1] == {("erp", "item", "A-1")}
    assert await feed.feed("id,price\nA-1,3\n") == "1 record(s): 0 created, 1 updated, 0 change request(s)"
