"""Governed substitution through the API: propose, approve/reject/retire as item versions, and the check
that refuses anything not approved and puts it on the exceptions worklist. A real engine, SQLite in tmp_path."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from suture.canonical.base import ExternalId
from suture.config.loader import Config
from suture.config.settings import ApiSettings, Settings
from suture.engine import Engine
from suture.store.csv_import import import_items_csv
from suture.transforms.master_update import MasterUpdate

ITEMS = (
    "id,description,price,xref:erp:item\n"
    "HS-12,Hip stem cementless 12,1250.00,IT-1001\n"
    "HS-13,Hip stem cementless 13,1300.00,IT-1002\n"
    "HS-14,Hip stem cementless 14,1350.00,IT-1003\n"
)


class Api:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{engine.api_port}/api/v1",
                                      headers={"Authorization": f"Bearer {engine.admin_token}"})

    async def post(self, path: str, expect: int = 200, **body: Any) -> Any:
        r = await self.http.post(path, json=body)
        assert r.status_code == expect, r.text
        return r.json()

    async def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        r = await self.http.get(path, params=params)
        assert r.status_code == expect, r.text
        return r.json()

    async def check(self, item: str, substitute: str, expect: int, **extra: Any) -> Any:
        return await self.post("/substitutions/check", expect, item=item, substitute=substitute, **extra)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(data_dir=str(tmp_path / "var"), database_url=f"sqlite:///{tmp_path}/j.db",
                        admin_token_file=str(tmp_path / "var" / "admin.token"),
                        api=ApiSettings(host="127.0.0.1", port=0))
    engine = Engine(Config(settings, [], tmp_path))
    await engine.start()
    report = await import_items_csv(engine.master_data.store, ITEMS, system="erp")
    assert report.created == 3, report
    client = Api(engine)
    yield client
    await client.http.aclose()
    await engine.stop()


async def test_proposed_substitute_is_refused_until_approved_and_approval_is_a_versioned_decision(api: Api) -> None:
    made = await api.post("/items/HS-12/substitutes", 201, substitute="HS-13", by="buyer1", reason="same stem")
    assert made["substitute"] == {"item": "HS-13", "state": "proposed", "reason": "same stem", "approved_by": None}
    assert made["version"] == 2

    refused = await api.check("HS-12", "HS-13", 409, context="case 42")
    assert refused["allowed"] is False and refused["state"] == "proposed"
    assert "not yet approved" in refused["reason"]
    (entry,) = await api.get("/exceptions", type="substitution_refused")
    assert entry["id"] == refused["exception_id"] and entry["subject_id"] == "HS-12"
    assert entry["detail"]["substitute"] == "HS-13" and entry["detail"]["context"] == "case 42"

    approved = await api.post("/items/HS-12/substitutes/HS-13/approve", by="dr.lee", reason="committee 2026-03")
    assert approved["substitute"]["state"] == "approved" and approved["substitute"]["approved_by"] == "dr.lee"
    allowed = await api.check("HS-12", "HS-13", 200)
    assert allowed["allowed"] is True and allowed["approved"]["approved_by"] == "dr.lee"

    detail = await api.get("/items/HS-12")
    assert detail["current"]["version"] == 3
    assert detail["current"]["data"]["price"] == "1250.00"  # the rest of the item is untouched
    provenance = detail["current"]["provenance"]
    assert provenance["system"] == "suture" and "approved by dr.lee: committee 2026-03" in provenance["note"]
    listed = await api.get("/items/HS-12/substitutes")
    assert [s["state"] for s in listed["substitutes"]] == ["approved"]
    assert [(e["from"], e["to"], e["version"]) for e in listed["history"]] == [
        (None, "proposed", 2), ("proposed", "approved", 3)]
    assert "proposed by buyer1" in listed["history"][0]["provenance"]["note"]


async def test_rejected_and_retired_substitutes_are_refused_with_their_reason(api: Api) -> None:
    await api.post("/items/HS-12/substitutes", 201, substitute="HS-13", by="buyer1")
    await api.post("/items/HS-12/substitutes/HS-13/reject", by="dr.lee", reason="different taper")
    assert "was rejected" in (await api.check("HS-12", "HS-13", 409))["reason"]
    await api.post("/items/HS-12/substitutes/HS-13/approve", 409, by="dr.lee")  # only a proposal can be approved

    again = await api.post("/items/HS-12/substitutes", 201, substitute="HS-13", by="buyer1", reason="new taper")
    assert again["substitute"]["state"] == "proposed"
    await api.post("/items/HS-12/substitutes/HS-13/approve", by="dr.lee")
    await api.post("/items/HS-12/substitutes/HS-13/retire", by="dr.lee", reason="recall")
    refused = await api.check("HS-12", "HS-13", 409)
    assert refused["state"] == "retired" and "was retired" in refused["reason"]
    states = [e["to"] for e in (await api.get("/items/HS-12/substitutes"))["history"]]
    assert states == ["proposed", "rejected", "proposed", "approved", "retired"]


async def test_substitute_not_on_the_list_is_refused_once_on_the_worklist_and_counted(api: Api) -> None:
    first = await api.check("HS-12", "HS-14", 409, context="case 1")
    second = await api.check("HS-12", "HS-14", 409, context="case 2")
    assert first["exception_id"] == second["exception_id"]
    assert "not on the item's substitute list" in first["reason"]
    (entry,) = await api.get("/exceptions", type="substitution_refused")
    assert entry["occurrences"] == 2
    assert (await api.check("HS-12", "HS-12", 200))["allowed"] is True  # the item itself is no substitution


async def test_approval_is_per_item_and_not_symmetric(api: Api) -> None:
    await api.post("/items/HS-12/substitutes", 201, substitute="HS-13", by="buyer1")
    await api.post("/items/HS-12/substitutes/HS-13/approve", by="dr.lee")
    await api.check("HS-12", "HS-13", 200)
    await api.check("HS-13", "HS-12", 409)


async def test_check_resolves_items_by_their_external_ids(api: Api) -> None:
    await api.post("/items/HS-12/substitutes", 201, substitute="HS-13", by="buyer1")
    await api.post("/items/HS-12/substitutes/HS-13/approve", by="dr.lee")
    allowed = await api.check("IT-1001", "IT-1002", 200, system="erp", namespace="item")
    assert (allowed["item"], allowed["substitute"]) == ("HS-12", "HS-13")
    await api.check("IT-9999", "IT-1002", 404, system="erp", namespace="item")


async def test_bad_requests_are_refused_without_writing(api: Api) -> None:
    await api.check("NOPE", "HS-13", 404)
    await api.post("/items/NOPE/substitutes", 404, substitute="HS-13", by="buyer1")
    await api.post("/items/HS-12/substitutes", 404, substitute="NOPE", by="buyer1")
    await api.post("/items/HS-12/substitutes", 409, substitute="HS-12", by="buyer1")
    await api.post("/items/HS-12/substitutes/HS-13/approve", 404, by="dr.lee")  # not on the list
    await api.post("/items/HS-12/substitutes", 422, substitute="HS-13", by="")
    await api.post("/items/HS-12/substitutes", 422, substitute="HS-13", by="buyer1", reson="typo")
    await api.post("/items/HS-12/substitutes/HS-13/endorse", 422, by="dr.lee")
    await api.post("/items/HS-12/substitutes", 201, substitute="HS-13", by="buyer1")
    await api.post("/items/HS-12/substitutes", 409, substitute="HS-13", by="buyer1")  # already proposed
    assert (await api.get("/items/HS-12"))["current"]["version"] == 2
    assert await api.get("/exceptions", type="substitution_refused") == []


async def test_concurrent_proposals_and_feed_updates_lose_nothing(api: Api) -> None:
    service = api.engine.master_data  # side by side in one loop, as two API requests may be
    await asyncio.gather(service.propose_substitute("HS-12", "HS-13", by="buyer1"),
                         service.propose_substitute("HS-12", "HS-14", by="buyer2"))
    listed = await api.get("/items/HS-12/substitutes")
    assert sorted(s["item"] for s in listed["substitutes"]) == ["HS-13", "HS-14"]
    # the ERP's next update of the item keeps the governed list
    await api.engine.master_data.apply(MasterUpdate("item", ExternalId(system="erp", namespace="item",
                                                                       value="IT-1001"), {"price": "1199.00"}))
    current = (await api.get("/items/HS-12"))["current"]["data"]
    assert current["price"] == "1199.00" and len(current["substitutes"]) == 2
