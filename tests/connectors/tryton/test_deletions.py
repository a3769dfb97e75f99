"""Deleted and deactivated records in a real Tryton 7.0 reach Suture: a deactivation by the incremental sync
(as status "inactive"), a deletion by comparing the ERP's ids with the crosswalk after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from tryton_support import Seeded, TrytonServer

from suture.canonical.ownership import DEFAULT_MATRIX
from suture.connectors.tryton.client import TrytonClient
from suture.connectors.tryton.erp import TrytonErp
from suture.store import open_journal
from suture.store.crosswalk import CrosswalkCache
from suture.store.masterdata import MasterStore
from suture.workflows.master_data.reconcile import EXCEPTION_TYPE, NOTE, reconcile_erp_deletions
from suture.workflows.master_data.service import MasterDataService

pytestmark = pytest.mark.tryton


@pytest.fixture
async def admin(tryton_server: TrytonServer) -> AsyncIterator[TrytonClient]:
    """A separate session, standing for a person working in Tryton."""
    async with tryton_server.client() as client:
        yield client


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


async def reconcile(svc: MasterDataService) -> list[tuple[str, str]]:
    """What ``sync_erp`` will do after pulling: (canonical id, ERP id) of the records found deleted."""
    assert svc.erp is not None
    result = await reconcile_erp_deletions(svc.store, svc.cache, svc.erp, matrix=svc.matrix, journal=svc.journal,
                                           clock=svc.clock)
    return [(d.canonical_id, d.erp_id) for d in result.deleted]


async def test_existing_ids_lists_every_record_with_its_active_flag_and_not_deleted_ones(
        tryton_server: TrytonServer, admin: TrytonClient, seeded: Seeded) -> None:
    async with TrytonErp(tryton_server.client()) as erp:
        before = await erp.existing_ids("item")
        await admin.write("product.product", [seeded.gauze], {"active": False})
        await admin.call("model.product.product.delete", [seeded.stem])
        after = await erp.existing_ids("item")
        vendors = await erp.existing_ids("vendor")
        assert set(await erp.existing_ids("cost_center")) >= {str(seeded.cost_center)}
        assert set(await erp.existing_ids("location")) >= {str(seeded.operating_room), str(seeded.warehouse)}
    # the service product is no supply item, but it exists: existence is not what pull selects
    assert {k: before[k] for k in map(str, (seeded.stem, seeded.gauze, seeded.service))} == {
        str(seeded.stem): True, str(seeded.gauze): True, str(seeded.service): True}
    assert str(seeded.stem) not in after and after[str(seeded.gauze)] is False
    assert vendors[str(seeded.customer)] is True


async def test_product_deactivated_and_product_deleted_in_tryton_both_show_in_suture_after_sync(
        service: MasterDataService, admin: TrytonClient, seeded: Seeded) -> None:
    first = await service.sync_erp(None, reconcile=False)
    assert await reconcile(service) == []
    stem = service.cache.resolve("item", "erp", "item", str(seeded.stem))
    gauze = service.cache.resolve("item", "erp", "item", str(seeded.gauze))
    room = service.cache.resolve("location", "erp", "location", str(seeded.operating_room))
    assert stem and gauze and room

    await admin.write("product.product", [seeded.gauze], {"active": False})
    await admin.call("model.product.product.delete", [seeded.stem])
    await admin.call("model.stock.location.delete", [seeded.operating_room])
    second = await service.sync_erp(datetime.fromisoformat(first["watermark"]), reconcile=False)
    # the deactivation (records re-read in the watermark's overlap are duplicates); a deletion leaves nothing
    assert {k: n for k, n in second["applied"].items() if n} == {"item": 1}
    assert sorted(await reconcile(service)) == sorted([(stem, str(seeded.stem)), (room, str(seeded.operating_room))])

    deactivated, deleted = await service.store.get("item", gauze), await service.store.get("item", stem)
    assert deactivated is not None and deactivated.data["status"] == "inactive"
    assert deactivated.provenance.system == "erp" and deactivated.provenance.note == ""
    assert deleted is not None and deleted.data["status"] == "inactive" and deleted.version == 2
    assert (deleted.provenance.system, deleted.provenance.note) == ("erp", NOTE)
    reports = (await service.store.exceptions(type=EXCEPTION_TYPE)).items
    assert sorted((e.subject_kind, e.subject_id, e.detail["erp_id"]) for e in reports) == [
        ("item", stem, str(seeded.stem)), ("location", room, str(seeded.operating_room))]

    third = await service.sync_erp(datetime.fromisoformat(second["watermark"] or first["watermark"]))
    assert set(third["applied"].values()) <= {0}
    assert third["deleted"]["deleted"] == {}  # sync_erp reconciles too, and finds nothing new
    assert await reconcile(service) == []  # idempotent: no second version, no second exception
    assert [v.version for v in await service.store.history("item", stem)] == [1, 2]
    assert len((await service.store.exceptions(type=EXCEPTION_TYPE)).items) == 2



# A status back at its default ("active") must reach the store: _apply_erp dumps with exclude_unset.
async def test_product_reactivated_in_tryton_is_active_again_after_sync(
        service: MasterDataService, admin: TrytonClient, seeded: Seeded) -> None:
    first = await service.sync_erp(None)
    gauze = service.cache.resolve("item", "erp", "item", str(seeded.gauze))
    assert gauze is not None
    await admin.write("product.product", [seeded.gauze], {"active": False})
    second = await service.sync_erp(datetime.fromisoformat(first["watermark"]))
    await admin.write("product.product", [seeded.gauze], {"active": True})
    await service.sync_erp(datetime.fromisoformat(second["watermark"]))
    statuses = [v.data.get("status", "active") for v in await service.store.history("item", gauze)]
    assert statuses == ["active", "inactive", "active"]
