"""Master data feeds as ordinary channels: MFN^M16 over MLLP, CSV and X12 832 files, governed by the matrix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.transforms.test_hl7v2_mfn import M16

from suture.codecs import hl7v2

from .conftest import until

CATALOG_832 = (
    "ISA*00*          *00*          *ZZ*ACMEMED        *ZZ*HOSPITAL       *260101*1200*U*00401*000000001*0*P*>~"
    "GS*SC*ACMEMED*HOSPITAL*20260101*1200*1*X*004010~"
    "ST*832*0001~BCT*PC*CAT-2026~N1*VN*Acme Medical*92*V-77~"
    "LIN**VN*AC-HS12*UK*09506000134352~PID*F****Hip stem cementless 12~CTP**CON*1199.00*1*EA~"
    "CTT*1~SE*8*0001~GE*1*1~IEA*1*000000001~"
)


def mllp_feed(name: str = "item-master") -> dict[str, Any]:
    return {"name": name, "source": {"type": "mllp", "port": 0},
            "routes": [{"name": "apply", "sink": {"type": "master-data", "format": "hl7v2-mfn", "system": "erp"},
                        "retry": {"max_attempts": 1}}]}


def folder_feed(name: str, inbox: Path, fmt: str, system: str) -> dict[str, Any]:
    return {"name": name, "format": "raw",
            "source": {"type": "directory", "path": str(inbox), "interval_s": 0.05, "min_age_s": 0},
            "routes": [{"name": "apply", "sink": {"type": "master-data", "format": fmt, "system": system},
                        "retry": {"max_attempts": 1}}]}


async def first_item(run: Any) -> dict[str, Any]:
    items: list[dict[str, Any]] = []

    async def has_item() -> bool:
        items[:] = (await run.get("/api/v1/items"))["items"]
        return bool(items)

    await until(has_item)
    return items[0]


async def test_mfn_m16_over_mllp_creates_items_with_crosswalk_and_history(make_engine: Callable[..., Any]) -> None:
    run = await make_engine(mllp_feed())
    client = run.mllp("item-master")
    assert hl7v2.ack_code(await client.send(M16.encode())) == "AA"
    await client.close()
    item = await first_item(run)
    resolved = await run.get("/api/v1/crosswalk/resolve", kind="item", system="erp", namespace="item", value="IT-1001")
    detail = await run.get(f"/api/v1/items/{resolved['canonical_id']}")
    assert detail["current"]["data"]["manufacturer_catalog_number"] == "HS-12-C"
    assert detail["history"][0]["provenance"]["system"] == "erp"
    assert detail["history"][0]["provenance"]["message_id"]  # tied to the journaled envelope
    assert {x["value"] for x in detail["external_ids"]} >= {"IT-1001", "AC-HS12"}
    vendors = (await run.get("/api/v1/vendors"))["items"]
    assert [v["data"]["name"] for v in vendors] == ["Acme Medical"]
    assert item["kind"] == "item"


async def test_update_from_non_owner_becomes_a_change_request_then_approval_applies(
        make_engine: Callable[..., Any]) -> None:
    ehr_feed = mllp_feed("ehr-items")
    ehr_feed["routes"][0]["sink"]["system"] = "ehr"
    run = await make_engine(mllp_feed(), ehr_feed)
    erp, ehr = run.mllp("item-master"), run.mllp("ehr-items")
    await erp.send(M16.encode())
    await first_item(run)
    cid = (await run.get("/api/v1/crosswalk/resolve", kind="item", system="erp", namespace="item",
                         value="IT-1001"))["canonical_id"]
    # the EHR knows the item by the same code in its own namespace: link it first
    await run.engine.master_data.store.add_xref("item", cid, _ext("ehr", "item", "IT-1001"), system_of_caller="ehr")
    changed = M16.replace("|1250.00|", "|999.00|").replace("Hip stem, cementless, size 12", "Hip stem 12")
    await ehr.send(changed.replace("M16-1", "M16-2").encode())
    await erp.close()
    await ehr.close()
    requests: list[dict[str, Any]] = []

    async def has_request() -> bool:
        requests[:] = await run.get("/api/v1/change-requests")
        return bool(requests)

    await until(has_request)
    assert requests[0]["system"] == "ehr" and set(requests[0]["diff"]) == {"description", "price"}
    assert (await run.get(f"/api/v1/items/{cid}"))["current"]["data"]["price"] == "1250.00"  # not applied
    r = await run.api.post(f"/api/v1/change-requests/{requests[0]['id']}/approve", json={"by": "buyer1"})
    assert r.status_code == 200, r.text
    assert (await run.get(f"/api/v1/items/{cid}"))["current"]["data"]["price"] == "999.00"


async def test_832_catalog_and_divergence_report(make_engine: Callable[..., Any], tmp_path: Path) -> None:
    inbox = tmp_path / "catalogs"
    inbox.mkdir()
    run = await make_engine(mllp_feed(), folder_feed("catalogs", inbox, "x12-832", "procurement"))
    client = run.mllp("item-master")
    await client.send(M16.encode())
    await client.close()
    cid = (await first_item(run))["id"]
    # the catalog names the item by GTIN, which the ERP record has not claimed yet: link through the crosswalk
    await run.engine.master_data.store.add_xref("item", cid, _ext("procurement", "catalog:V-77", "AC-HS12"),
                                                system_of_caller="procurement")
    (inbox / "cat.edi").write_text(CATALOG_832)
    report: dict[str, Any] = {}

    async def diverging() -> bool:
        report.update(await run.get("/api/v1/divergence", kind="item", left="erp", right="procurement"))
        return report["counts"]["differences"] > 0

    await until(diverging)
    fields = {d["field"]: (d["left"], d["right"]) for d in report["differences"]}
    assert fields["price"] == ("1250.00", "1199.00")
    assert report["counts"]["records_diverging"] == 1
    csv_text = (await run.api.get("/api/v1/divergence", params={"format": "csv"})).text
    assert csv_text.splitlines()[0] == "canonical_id,field,erp,procurement" and "1199.00" in csv_text
    ids = await run.get(f"/api/v1/crosswalk/item/{cid}")
    assert "09506000134352" in {x["value"] for x in ids["external_ids"]}
    udi = await run.get("/api/v1/udi/lookup", text="(01)09506000134352(17)271200(10)LOT1(21)S9")
    assert udi["item"] == cid and udi["udi"]["lot"] == "LOT1"


async def test_substitution_outside_the_approved_list_is_refused_and_raised(make_engine: Callable[..., Any]) -> None:
    import pytest

    from suture.workflows.master_data.service import SubstitutionRefused

    run = await make_engine(mllp_feed())
    client = run.mllp("item-master")
    await client.send(M16.encode())
    await client.close()
    cid = (await first_item(run))["id"]
    with pytest.raises(SubstitutionRefused):
        await run.engine.master_data.check_substitution(cid, "item-999999", context="case 42")
    (exc,) = await run.get("/api/v1/exceptions", type="substitution_refused")
    assert exc["subject_id"] == cid


async def test_wrong_message_type_on_a_master_data_route_is_dead_lettered(make_engine: Callable[..., Any]) -> None:
    from .conftest import hl7

    run = await make_engine(mllp_feed())
    client = run.mllp("item-master")
    await client.send(hl7("X1", "ADT^A01"))
    await client.close()
    dead: list[dict[str, Any]] = []

    async def is_dead() -> bool:
        dead[:] = (await run.get("/api/v1/dead-letters"))["deliveries"]
        return bool(dead)

    await until(is_dead)
    assert "expected MFN^M16" in dead[0]["last_error"]


def _ext(system: str, namespace: str, value: str) -> Any:
    from suture.canonical.base import ExternalId

    return ExternalId(system=system, namespace=namespace, value=value)
