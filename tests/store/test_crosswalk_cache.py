"""The warm crosswalk cache stays coherent with the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from suture.canonical.base import ExternalId, Provenance
from suture.store import Journal
from suture.store.crosswalk import CrosswalkCache, CrosswalkNotLoaded
from suture.store.masterdata import MasterStore, XrefConflict

ERP = Provenance(system="erp")


def ext(value: str, system: str = "erp", namespace: str = "product", **dates: date) -> ExternalId:
    return ExternalId(system=system, namespace=namespace, value=value, **dates)


@pytest.fixture
async def cache(journal: Journal) -> AsyncIterator[CrosswalkCache]:
    cache = CrosswalkCache(journal)
    await cache.load("item")
    yield cache


@pytest.fixture
async def store(journal: Journal, cache: CrosswalkCache) -> AsyncIterator[MasterStore]:
    yield MasterStore(journal, cache=cache)


async def item(store: MasterStore, rid: str) -> str:
    return (await store.put("item", rid, {"description": f"item {rid}"}, ERP)).id


async def test_a_loaded_cache_resolves_in_both_directions(journal: Journal, store: MasterStore) -> None:
    await item(store, "A")
    await store.add_xref("item", "A", ext("P-1"), system_of_caller="erp")
    await store.add_xref("item", "A", ext("00312345678906", "GS1", "GTIN"), system_of_caller="erp")
    fresh = CrosswalkCache(journal)
    assert await fresh.load("item") == 2
    assert fresh.resolve("item", "erp", "product", "P-1") == "A"
    assert fresh.resolve("item", "GS1", "GTIN", "00312345678906") == "A"
    assert fresh.resolve("item", "erp", "product", "P-2") is None
    assert fresh.external_ids("item", "A") == (ext("P-1"), ext("00312345678906", "GS1", "GTIN"))
    assert fresh.external_value("item", "A", "GS1", "GTIN") == "00312345678906"
    assert fresh.external_value("item", "A", "ehr") is None
    assert fresh.external_ids("item", "nobody") == ()


async def test_the_cache_follows_claims_retirements_and_new_dates(cache: CrosswalkCache, store: MasterStore) -> None:
    await item(store, "A")
    await item(store, "B")
    await store.add_xref("item", "A", ext("P-1"), system_of_caller="erp")
    assert cache.resolve("item", "erp", "product", "P-1") == "A"
    with pytest.raises(XrefConflict):
        await store.add_xref("item", "B", ext("P-1"), system_of_caller="erp")
    assert cache.resolve("item", "erp", "product", "P-1") == "A"
    await store.add_xref("item", "A", ext("P-1", valid_to=date(2024, 6, 30)), system_of_caller="erp")
    assert cache.resolve("item", "erp", "product", "P-1", on=date(2024, 7, 1)) is None
    assert cache.external_ids("item", "A") == (ext("P-1", valid_to=date(2024, 6, 30)),)
    await store.retire_xref("item", "A", ext("P-1"), system_of_caller="erp")
    assert cache.resolve("item", "erp", "product", "P-1") is None and cache.external_ids("item", "A") == ()
    await store.add_xref("item", "B", ext("P-1"), system_of_caller="erp")
    assert cache.resolve("item", "erp", "product", "P-1") == "B"
    assert cache.external_value("item", "B", "erp", "product") == "P-1"


async def test_the_cache_follows_bulk_writes(cache: CrosswalkCache, store: MasterStore) -> None:
    rows = [(None, {"description": f"n{n}"}, [ext(f"P-{n}")]) for n in range(10)]
    result = await store.bulk_put("item", rows, ERP, batch_size=4)
    assert [cache.resolve("item", "erp", "product", f"P-{n}") for n in range(10)] == result.ids
    await store.put("vendor", "V", {"name": "Acme"}, ERP)
    await cache.load("vendor")
    await store.bulk_add_xrefs([("vendor", "V", ext("V-1", namespace="supplier")),
                                ("item", "item-000001", ext("P-0", valid_from=date(2025, 1, 1)))],
                               system_of_caller="erp")
    assert cache.resolve("vendor", "erp", "supplier", "V-1") == "V"
    assert cache.resolve("item", "erp", "product", "P-0", on=date(2024, 12, 31)) is None
    assert cache.resolve("item", "erp", "product", "P-0", on=date(2025, 1, 1)) == "item-000001"


async def test_resolve_honours_validity_dates(cache: CrosswalkCache, store: MasterStore) -> None:
    await item(store, "A")
    await store.add_xref("item", "A", ext("P-1", valid_from=date(2024, 1, 1), valid_to=date(2024, 1, 31)),
                         system_of_caller="erp")
    assert [cache.resolve("item", "erp", "product", "P-1", on=d)
            for d in (date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 1))] == [
        None, "A", "A", None]
    assert cache.external_ids("item", "A", on=date(2024, 2, 1)) == ()
    assert cache.resolve("item", "erp", "product", "P-1") == "A"


async def test_a_kind_never_loaded_is_an_error_not_a_miss(cache: CrosswalkCache) -> None:
    with pytest.raises(CrosswalkNotLoaded):
        cache.resolve("vendor", "erp", "", "V-1")
    with pytest.raises(CrosswalkNotLoaded):
        cache.external_ids("vendor", "V")
    assert cache.loaded("item") and not cache.loaded("vendor")


class HeldReads:
    """A journal whose reads return only when released: changes can commit after the snapshot was read."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.dialect = journal.dialect
        self.read_done = asyncio.Event()
        self.release = asyncio.Event()

    async def write(self, op: Any) -> Any:
        return await self.journal.write(op)

    async def read(self, fn: Any, *args: Any) -> Any:
        result = await self.journal.read(fn, *args)
        self.read_done.set()
        await self.release.wait()
        return result


async def test_claims_committed_while_loading_are_not_lost(journal: Journal, store: MasterStore) -> None:
    for rid in ("A", "B"):
        await item(store, rid)
    await store.add_xref("item", "A", ext("P-A"), system_of_caller="erp")
    held = HeldReads(journal)
    late = CrosswalkCache(held)
    writer = MasterStore(journal, cache=late)
    loading = asyncio.create_task(late.load("item"))
    await held.read_done.wait()  # the snapshot is taken: the next changes are not in it
    await writer.add_xref("item", "B", ext("P-B"), system_of_caller="erp")
    await writer.retire_xref("item", "A", ext("P-A"), system_of_caller="erp")
    held.release.set()
    assert await loading == 1
    assert late.resolve("item", "erp", "product", "P-B") == "B"
    assert late.resolve("item", "erp", "product", "P-A") is None
    assert late.size("item") == 1


async def test_changes_by_another_store_are_seen_after_a_reload(journal: Journal, cache: CrosswalkCache,
                                                                store: MasterStore) -> None:
    other = MasterStore(journal)  # e.g. another process sharing the database: no hook into this cache
    await item(store, "A")
    await other.add_xref("item", "A", ext("P-1"), system_of_caller="erp")
    assert cache.resolve("item", "erp", "product", "P-1") is None
    await cache.load("item")
    assert cache.resolve("item", "erp", "product", "P-1") == "A"
