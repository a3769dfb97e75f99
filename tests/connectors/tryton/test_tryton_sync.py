"""Tryton -> Suture's canonical store end to end: sync, a change made in Tryton shows up in Suture by
write_date polling, and an approved change request is pushed back for the fields the matrix allows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from tryton_support import Seeded, TrytonServer

from suture.canonical.base import ExternalId
from suture.canonical.ownership import DEFAULT_MATRIX
from suture.connectors.tryton.erp import TrytonErp
from suture.store import open_journal
from suture.store.crosswalk import CrosswalkCache
from suture.store.masterdata import MasterStore
from suture.transforms.master_update import MasterUpdate
from suture.workflows.master_data.service import MasterDataService

pytestmark = pytest.mark.tryton


@pytest.fixture
async def service(tryton_server: TrytonServer, tmp_path: Path) -> AsyncIterator[MasterDataService]:
    journal = open_journal(f"sqlite:///{tmp_path}/suture.db", tmp_path)
    await journal.open()
    cache = CrosswalkCache(journal)
    svc = MasterDataService(MasterStore(journal, cache=cache), cache, DEFAULT_MATRIX,
                            TrytonErp(tryton_server.client(), system="erp", matrix=DEFAULT_MATRIX), journal=journal)
    await svc.load()
    yield svc
    assert svc.erp is not None
    await svc.erp.close()
    await journal.close()


async def stem_id(svc: MasterDataService, seeded: Seeded) -> str:
    cid = svc.cache.resolve("item", "erp", "item", str(seeded.stem))
    assert cid is not None
    return cid


async def test_sync_into_suture_then_see_a_tryton_change_and_push_an_approved_one(
        service: MasterDataService, tryton_server: TrytonServer, seeded: Seeded) -> None:
    first = await service.sync_erp(None)
    assert first["applied"]["item"] == 2 and first["applied"]["vendor"] >= 2 and first["applied"]["location"] >= 3
    cid = await stem_id(service, seeded)
    stem = await service.store.get("item", cid)
    assert stem is not None and stem.data["description"] == "Hip stem 12mm"
    assert stem.provenance.system == "erp"
    envelope = await service.journal.message(stem.provenance.message_id)  # type: ignore[union-attr, arg-type]
    assert envelope is not None and envelope.message.channel == "erp-sync:erp"
    assert b"Hip stem 12mm" in (envelope.message.raw or b"")
    again = await service.sync_erp(None)  # the same ERP versions again: duplicates, nothing applied
    assert set(again["applied"].values()) == {0}
    assert service.cache.resolve("item", "GS1", "GTIN", "00614141999996") == cid
    assert (await service.store.list("cost_center")).items

    async with tryton_server.client() as person:  # someone renames the stem in Tryton
        await person.write("product.template", [seeded.stem_template], {"name": "Hip stem 12mm, cementless"})
    second = await service.sync_erp(datetime.fromisoformat(first["watermark"]))
    assert second["applied"].get("item") == 1
    history = await service.store.history("item", cid)
    assert [v.data["description"] for v in history] == ["Hip stem 12mm", "Hip stem 12mm, cementless"]

    # procurement reports another vendor catalog number: the ERP owns it, so it waits for a person
    await service.store.add_xref("item", cid, ExternalId(system="procurement", namespace="item", value="P-1"),
                                 system_of_caller="procurement")
    result = await service.apply(MasterUpdate("item", ExternalId(system="procurement", namespace="item", value="P-1"),
                                              {"vendor_catalog_number": "AC-HS12-C"}))
    assert result.applied == [] and result.change_request is not None
    approved = await service.approve(result.change_request, by="buyer1")
    assert approved["pushed_to_erp"] == ["vendor_catalog_number"]
    async with tryton_server.client() as person:
        [row] = await person.search_read("product.product", [("id", "=", seeded.stem)],
                                         ["template.product_suppliers.code"])
    assert [s["code"] for s in row["template."]["product_suppliers."]] == ["AC-HS12-C"]
