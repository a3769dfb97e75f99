"""UDI lookup end to end: an item registered (CSV import) with a GTIN and a HIBCC device identifier in its
crosswalk is found by every form of either label, through the API. A real engine, SQLite in tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from suture.codecs.udi import hibcc_check_character
from suture.config.loader import Config
from suture.config.settings import ApiSettings, Settings
from suture.engine import Engine
from suture.store.csv_import import import_items_csv

GTIN = "09506000134352"
HIBCC_DI = "A123BJC5D6E71"  # labeler A123, product BJC5D6E7, unit of measure 1
ITEMS = (
    "id,description,gtin,xref:HIBCC:DI\n"
    f"HS-12,Hip stem cementless 12,{GTIN},{HIBCC_DI}\n"
    "PL-1,Bone plate,,+B456PLT10\n"  # a HIBCC identifier entered as printed, with its flag
)


def hibcc(data: str) -> str:
    """``data`` with its modulo-43 check character, as the barcode carries it."""
    return data + hibcc_check_character(data)


PRIMARY = hibcc("+" + HIBCC_DI)  # +A123BJC5D6E71G
CONCATENATED = hibcc(f"+{HIBCC_DI}/$$3200228LOT1")  # expiry 2020-02-28, lot LOT1
SECONDARY = hibcc(f"+$$3200228LOT1{PRIMARY[-1]}")  # separate barcode, linked by the primary's check character


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=str(tmp_path / "var"), database_url=f"sqlite:///{tmp_path}/j.db",
                        admin_token_file=str(tmp_path / "var" / "admin.token"),
                        api=ApiSettings(host="127.0.0.1", port=0))
    engine = Engine(Config(settings, [], tmp_path))
    await engine.start()
    report = await import_items_csv(engine.master_data.store, ITEMS, system="erp")
    assert report.created == 2 and not report.errors, report
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{engine.api_port}/api/v1",
                               headers={"Authorization": f"Bearer {engine.admin_token}"})
    yield client
    await client.aclose()
    await engine.stop()


async def lookup(api: httpx.AsyncClient, *texts: str, expect: int = 200) -> Any:
    r = await api.get("/udi/lookup", params={"text": list(texts)})
    assert r.status_code == expect, r.text
    return r.json()


async def test_hibcc_primary_finds_the_item_by_labeler_product_and_unit(api: httpx.AsyncClient) -> None:
    found = await lookup(api, PRIMARY)
    assert found["item"] == "HS-12"
    assert found["key"] == {"system": "HIBCC", "namespace": "DI", "value": HIBCC_DI}
    assert found["udi"]["extra"]["labeler_code"] == "A123" and found["udi"]["extra"]["product_code"] == "BJC5D6E7"
    assert (await lookup(api, f"*{PRIMARY}*"))["item"] == "HS-12"  # Code 39 caption with its asterisks


async def test_hibcc_concatenated_and_split_labels_find_the_item_with_lot_and_expiry(api: httpx.AsyncClient) -> None:
    for texts in ((CONCATENATED,), (PRIMARY, SECONDARY), (SECONDARY, PRIMARY)):
        found = await lookup(api, *texts)
        assert (found["item"], found["udi"]["lot"], found["udi"]["expiry"]) == ("HS-12", "LOT1", "2020-02-28")


async def test_hibcc_pasted_into_the_url_unencoded_keeps_its_plus_signs(api: httpx.AsyncClient) -> None:
    # form decoding would read every '+' as a space; a HIBCC scan starts with one ($$+ marks a serial too)
    serial = hibcc(f"+{HIBCC_DI}/$$+3200228SN9")
    for text in (PRIMARY, CONCATENATED, serial):
        r = await api.get(f"/udi/lookup?text={text}")
        assert r.status_code == 200, r.text
        assert r.json()["item"] == "HS-12"
    assert r.json()["udi"]["serial"] == "SN9"


async def test_post_takes_the_udi_in_a_json_body(api: httpx.AsyncClient) -> None:
    r = await api.post("/udi/lookup", json={"text": CONCATENATED})
    assert r.status_code == 200 and r.json()["item"] == "HS-12", r.text
    r = await api.post("/udi/lookup", json={"text": [PRIMARY, SECONDARY]})
    assert r.status_code == 200 and r.json()["udi"]["lot"] == "LOT1", r.text


@pytest.mark.parametrize("text", [
    f"(01){GTIN}(17)271200(10)LOT1(21)S9",  # human readable
    f"]d201{GTIN}1727120010LOT1\x1d21S9",  # scanner output: symbology identifier, raw element string, GS
    f"01{GTIN}17271200<GS>10LOT1",  # element string with a GS stand-in
    f"https://id.gs1.org/01/{GTIN}/10/LOT1",  # GS1 Digital Link
])
async def test_gs1_forms_find_the_same_item(api: httpx.AsyncClient, text: str) -> None:
    found = await lookup(api, text)
    assert found["item"] == "HS-12" and found["udi"]["lot"] == "LOT1"
    assert found["key"] == {"system": "GS1", "namespace": "GTIN", "value": GTIN}


async def test_hibcc_identifier_stored_as_printed_is_found(api: httpx.AsyncClient) -> None:
    assert (await lookup(api, hibcc("+B456PLT10")))["item"] == "PL-1"


async def test_unknown_device_is_parsed_but_has_no_item(api: httpx.AsyncClient) -> None:
    other_unit = hibcc("+A123BJC5D6E72")  # the same product in another package: a device identifier of its own
    found = await lookup(api, other_unit)
    assert found["item"] is None and found["key"]["value"] == "A123BJC5D6E72"


async def test_unusable_udis_are_422_without_echoing_the_value(api: httpx.AsyncClient) -> None:
    wrong_check = PRIMARY[:-1] + ("A" if PRIMARY[-1] != "A" else "B")
    for texts in ((wrong_check,), (SECONDARY,), ("hello",), (PRIMARY, hibcc("+$$3200228LOT1Z"))):
        body = await lookup(api, *texts, expect=422)
        assert HIBCC_DI not in body["detail"]
