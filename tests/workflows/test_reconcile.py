"""Records deleted in the ERP, against a real SQLite store and journal, with an in-memory ERP port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from suture.canonical.base import ExternalId, Provenance
from suture.canonical.ownership import DEFAULT_MATRIX, ObjectOwnership, OwnershipMatrix
from suture.connectors.erp import ErpKind, ErpPort, ErpRecord
from suture.store import Journal, open_journal
from suture.store.crosswalk import CrosswalkCache
from suture.store.masterdata import MasterStore
from suture.workflows.master_data.reconcile import (
    DELETED_STATUS,
    EXCEPTION_TYPE,
    HELD_TYPE,
    NOTE,
    Deletion,
    reconcile_erp_deletions,
)


class MemoryErp:
    """An ERP that holds ``existing``: kind -> ERP id -> active."""

    system = "erp"

    def __init__(self, existing: Mapping[ErpKind, Mapping[str, bool]]) -> None:
        self.existing = {kind: dict(ids) for kind, ids in existing.items()}

    async def kinds(self) -> frozenset[ErpKind]:
        return frozenset(self.existing)

    async def pull(self, kind: ErpKind, since: datetime | None = None) -> list[ErpRecord]:
        return []

    async def existing_ids(self, kind: ErpKind) -> dict[str, bool]:
        return dict(self.existing[kind])

    async def push(self, kind: ErpKind, erp_id: str, fields: Mapping[str, Any]) -> None:
        raise AssertionError("reconciling never writes to the ERP")

    async def close(self) -> None:
        pass


class Store(MasterStore):
    """A store whose next ``raise_exception`` fails when ``fail_next`` is set, as if the process died there."""

    fail_next = False

    async def raise_exception(self, *args: Any, **kwargs: Any) -> int:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("killed")
        return await super().raise_exception(*args, **kwargs)


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[Journal]:
    j = open_journal(f"sqlite:///{tmp_path}/suture.db", tmp_path)
    await j.open()
    yield j
    await j.close()


@pytest.fixture
async def cache(journal: Journal) -> CrosswalkCache:
    cache = CrosswalkCache(journal)
    for kind in ("item", "vendor", "location"):
        await cache.load(kind)
    return cache


@pytest.fixture
def store(journal: Journal, cache: CrosswalkCache) -> Store:
    return Store(journal, cache=cache)


async def erp_record(store: MasterStore, kind: str, erp_id: str, data: dict[str, Any], system: str = "erp") -> str:
    """A canonical record the ERP sent, crosswalked to its ERP id (and a code, like a real pull)."""
    record = await store.put(kind, None, data, Provenance(system=system))
    for ext in (ExternalId(system=system, namespace=kind, value=erp_id),
                ExternalId(system=system, namespace=f"{kind}_code", value=f"C-{erp_id}")):
        await store.add_xref(kind, record.id, ext, system_of_caller=system)
    return record.id


async def reconcile(store: MasterStore, cache: CrosswalkCache, erp: ErpPort, **kwargs: Any) -> Any:
    return await reconcile_erp_deletions(store, cache, erp, matrix=DEFAULT_MATRIX, **kwargs)


async def exceptions(store: MasterStore, type_: str = EXCEPTION_TYPE) -> list[Any]:
    return (await store.exceptions(type=type_)).items


async def test_record_gone_from_the_erp_gets_an_inactive_version_from_the_erp_and_an_exception(
        store: Store, cache: CrosswalkCache, journal: Journal) -> None:
    kept = await erp_record(store, "item", "17", {"description": "Gauze sponge 4x4"})
    gone = await erp_record(store, "item", "18", {"description": "Hip stem 12mm", "price": "1250"})

    result = await reconcile(store, cache, MemoryErp({"item": {"17": True}}), journal=journal)

    [exc] = await exceptions(store)
    assert result.deleted == [Deletion("item", gone, "18", exc.id, 2)]
    assert result.summary() == {"checked": {"item": 2}, "deleted": {"item": 1}, "held": {}}
    marked = await store.get("item", gone)
    assert marked is not None and marked.version == 2
    assert marked.data["status"] == DELETED_STATUS and marked.data["price"] == "1250"
    assert (marked.provenance.system, marked.provenance.note) == ("erp", NOTE)
    envelope = await journal.message(marked.provenance.message_id or "")
    assert envelope is not None and envelope.message.channel == "erp-sync:erp"
    assert (exc.subject_kind, exc.subject_id, exc.state) == ("item", gone, "open")
    assert exc.detail | {"message_id": None} == {"system": "erp", "erp_id": "18", "previous_status": "active",
                                                 "status": "inactive", "version": 2, "message_id": None}
    assert [v.version for v in await store.history("item", kept)] == [1]
    assert cache.resolve("item", "erp", "item", "18") == gone  # the crosswalk stays for the person to decide


async def test_running_again_adds_no_version_and_no_exception_even_once_the_exception_is_resolved(
        store: Store, cache: CrosswalkCache) -> None:
    gone = await erp_record(store, "item", "18", {"description": "Hip stem 12mm"})
    erp = MemoryErp({"item": {}})
    first = await reconcile(store, cache, erp)
    second = await reconcile(store, cache, erp)
    [exc] = await exceptions(store)
    await store.resolve_exception(exc.id, "buyer1", "retired in Suture too")
    third = await reconcile(store, cache, erp)

    assert [d.canonical_id for d in first.deleted] == [gone]
    assert second.deleted == third.deleted == []
    assert [v.version for v in await store.history("item", gone)] == [1, 2]
    [exc] = await exceptions(store)
    assert (exc.occurrences, exc.state) == (1, "resolved")


async def test_deactivated_record_still_in_the_erp_is_not_a_deletion(store: Store, cache: CrosswalkCache) -> None:
    cid = await erp_record(store, "item", "17", {"description": "Gauze sponge 4x4"})
    result = await reconcile(store, cache, MemoryErp({"item": {"17": False}}))
    assert result.deleted == [] and result.checked == {"item": 1}
    assert await exceptions(store) == []
    assert [v.version for v in await store.history("item", cid)] == [1]


async def test_records_of_other_systems_and_kinds_the_erp_does_not_offer_are_left_alone(
        store: Store, cache: CrosswalkCache) -> None:
    from_ehr = await erp_record(store, "item", "18", {"description": "Hip stem 12mm"}, system="ehr")
    other_erp = await erp_record(store, "vendor", "5", {"name": "Acme"}, system="erp2")
    location = await erp_record(store, "location", "9", {"name": "OR 3"})  # the ERP offers no locations
    result = await reconcile(store, cache, MemoryErp({"item": {}, "vendor": {}}))
    assert result.deleted == [] and result.checked == {"item": 0, "vendor": 0}
    for kind, cid in (("item", from_ehr), ("vendor", other_erp), ("location", location)):
        current = await store.get(kind, cid)
        assert current is not None and current.version == 1


async def test_record_already_inactive_is_reported_without_a_new_version(store: Store, cache: CrosswalkCache) -> None:
    cid = await erp_record(store, "vendor", "5", {"name": "Acme", "status": "inactive"})
    result = await reconcile(store, cache, MemoryErp({"vendor": {}}))
    assert [(d.canonical_id, d.version) for d in result.deleted] == [(cid, None)]
    [exc] = await exceptions(store)
    assert (exc.detail["previous_status"], exc.detail["version"]) == ("inactive", None)


async def test_status_owned_by_another_system_is_reported_but_left_as_it_is(
        store: Store, cache: CrosswalkCache) -> None:
    cid = await erp_record(store, "item", "18", {"description": "Hip stem 12mm"})
    matrix = OwnershipMatrix(objects={"item": ObjectOwnership(default="erp", fields={"status": "mdm"})})
    result = await reconcile_erp_deletions(store, cache, MemoryErp({"item": {}}), matrix=matrix)
    assert [(d.canonical_id, d.version) for d in result.deleted] == [(cid, None)]
    current = await store.get("item", cid)
    assert current is not None and current.version == 1 and current.data.get("status", "active") == "active"
    [exc] = await exceptions(store)
    assert exc.detail["status"] == "active"


async def test_a_kind_vanishing_wholesale_is_held_with_one_exception_and_nothing_marked(
        store: Store, cache: CrosswalkCache) -> None:
    ids = [await erp_record(store, "item", str(n), {"description": f"Item {n}"}) for n in range(1, 26)]
    erp = MemoryErp({"item": {"1": True}})  # 24 of 25 gone: a wrong or reset database, more likely
    first = await reconcile(store, cache, erp)
    second = await reconcile(store, cache, erp)
    assert first.held == second.held == {"item": 24} and first.deleted == second.deleted == []
    [held] = await exceptions(store, HELD_TYPE)
    assert (held.subject_kind, held.occurrences, held.detail) == ("item", 2, {"system": "erp", "missing": 24,
                                                                               "checked": 25})
    assert await exceptions(store) == []
    assert {(await store.get("item", cid)).version for cid in ids} == {1}  # type: ignore[union-attr]
    fewer = await reconcile(store, cache, erp, max_missing=30)
    assert len(fewer.deleted) == 24


async def test_a_run_cut_short_before_its_exception_is_finished_by_the_next_one(
        store: Store, cache: CrosswalkCache, journal: Journal) -> None:
    cid = await erp_record(store, "item", "18", {"description": "Hip stem 12mm"})
    erp = MemoryErp({"item": {}})
    store.fail_next = True
    with pytest.raises(RuntimeError):
        await reconcile(store, cache, erp, journal=journal)
    marked = await store.get("item", cid)
    assert marked is not None and marked.version == 2 and await exceptions(store) == []

    result = await reconcile(store, cache, erp, journal=journal)
    assert [(d.canonical_id, d.version) for d in result.deleted] == [(cid, None)]
    [exc] = await exceptions(store)
    assert exc.detail["message_id"] == marked.provenance.message_id  # the journal entry is the first run's
    assert [v.version for v in await store.history("item", cid)] == [1, 2]
