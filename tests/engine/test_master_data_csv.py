"""A CSV item file dropped in a channel's inbox is applied with the bulk importer's column layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import until
from .test_master_data import folder_feed

ITEMS = (
    "id,description,gtin,implantable,chargeable,charge_code,price,xref:erp:product\n"
    "STEM-12,Hip stem 12,00312345678913,yes,true,C-77,1500,P-2\n"
    ",Gauze 4x4,00312345678906,no,no,,1.20,P-1\n"
)


async def test_a_csv_feed_applies_typed_fields_and_crosswalk_ids_and_dead_letters_a_bad_row(
        make_engine: Callable[..., Any], tmp_path: Path) -> None:
    inbox = tmp_path / "items"
    inbox.mkdir()
    run = await make_engine(folder_feed("items", inbox, "csv-items", "erp"))
    (inbox / "items.csv").write_text(ITEMS)
    items: list[dict[str, Any]] = []

    async def applied() -> bool:
        items[:] = (await run.get("/api/v1/items"))["items"]
        return len(items) == 2

    await until(applied)
    stem = (await run.get("/api/v1/items/STEM-12"))["current"]
    assert (stem["data"]["implantable"], stem["data"]["price"], stem["data"]["gtins"]) == (True, "1500",
                                                                                         ["00312345678913"])
    assert stem["provenance"]["system"] == "erp" and stem["provenance"]["message_id"]
    gauze = await run.get("/api/v1/crosswalk/resolve", kind="item", system="GS1", namespace="GTIN",
                          value="00312345678906")
    assert gauze["canonical_id"] == (await run.get("/api/v1/crosswalk/resolve", kind="item", system="erp",
                                                   namespace="product", value="P-1"))["canonical_id"]

    (inbox / "bad.csv").write_text(ITEMS.replace("1.20", "1.2x").replace("P-1", "P-5") + ",Drape,,no,no,,x,P-6\n")
    dead: dict[str, Any] = {}

    async def dead_lettered() -> bool:
        dead.update(await run.get("/api/v1/dead-letters"))
        return len(dead["deliveries"]) == 1

    await until(dead_lettered)
    assert dead["deliveries"][0]["last_error"] == (
        "csv-items: column 'price': Input should be a valid decimal (and 1 more problem(s)) at field 7 line 3")
    assert len((await run.get("/api/v1/items"))["items"]) == 2  # nothing of the bad file applied
