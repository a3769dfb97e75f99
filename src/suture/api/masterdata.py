"""Master data endpoints under ``/api/v1``: records, crosswalk, change requests, divergence, worklist."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel

from suture.errors import PermanentError, RejectedInput

if TYPE_CHECKING:
    from suture.engine import Engine

KINDS = {"items": "item", "vendors": "vendor", "locations": "location", "cost-centers": "cost_center",
         "contracts": "contract", "workers": "worker"}


class Decision(BaseModel):
    by: str
    reason: str = ""


def _version(v: Any) -> dict[str, Any]:
    out = asdict(v)
    out["valid_from"] = str(v.valid_from)
    out["valid_to"] = str(v.valid_to) if v.valid_to else None
    return out


def _kind(plural: str) -> str:
    if plural not in KINDS:
        raise HTTPException(404, f"unknown object kind {plural}; one of {', '.join(KINDS)}")
    return KINDS[plural]


def master_data_router(engine: Engine) -> APIRouter:
    api = APIRouter()

    def svc() -> Any:
        return engine.master_data

    @api.get("/ownership")
    async def ownership() -> dict[str, Any]:
        """The system-of-record matrix in force."""
        return engine.settings.master_data.ownership.model_dump()

    @api.get("/crosswalk/resolve")
    async def resolve(kind: str, system: str, value: str, namespace: str = "") -> dict[str, Any]:
        """External id -> canonical id."""
        cid = svc().cache.resolve(kind, system, namespace, value)
        if cid is None:
            raise HTTPException(404, "no canonical record holds this external id")
        return {"kind": kind, "canonical_id": cid}

    @api.get("/crosswalk/{kind}/{canonical_id}")
    async def external_ids(kind: str, canonical_id: str) -> dict[str, Any]:
        """Canonical id -> every external id (the reverse direction)."""
        rows = await svc().store.xrefs(kind, canonical_id, include_retired=True)
        return {"kind": kind, "canonical_id": canonical_id, "external_ids": [
            {"system": x.system, "namespace": x.namespace, "value": x.value, "active": x.active,
             "valid_from": str(x.valid_from) if x.valid_from else None,
             "valid_to": str(x.valid_to) if x.valid_to else None} for x in rows]}

    @api.get("/udi/lookup")
    async def udi_lookup(text: str) -> dict[str, Any]:
        """Parse a UDI in any form and find its item through the crosswalk."""
        try:
            udi, item = svc().find_item_by_udi(text)
        except RejectedInput as exc:
            raise HTTPException(422, exc.reason) from exc
        return {"udi": udi, "item": item}

    @api.get("/change-requests")
    async def change_requests(state: str | None = "open", kind: str | None = None) -> list[dict[str, Any]]:
        return [asdict(r) for r in (await svc().store.change_requests(state=state, kind=kind)).items]

    @api.post("/change-requests/{request_id}/approve")
    async def approve(request_id: int, body: Decision) -> dict[str, Any]:
        try:
            return dict(await svc().approve(request_id, body.by, body.reason))
        except (RejectedInput, PermanentError) as exc:
            raise HTTPException(409, str(exc)) from exc

    @api.post("/change-requests/{request_id}/reject")
    async def reject(request_id: int, body: Decision) -> dict[str, Any]:
        try:
            return asdict(await svc().store.decide_change_request(request_id, False, body.by, body.reason))
        except RejectedInput as exc:
            raise HTTPException(409, str(exc)) from exc

    @api.get("/divergence")
    async def divergence(kind: str = "item", left: str = "erp", right: str = "procurement",
                         format: str = Query("json", pattern="^(json|csv)$")) -> Any:
        """Fields of the same record that two systems report differently, with counts."""
        report = await svc().divergence(kind, left, right)
        if format == "csv":
            return Response(report.to_csv(), media_type="text/csv",
                            headers={"Content-Disposition": f"attachment; filename=divergence-{kind}.csv"})
        return report.to_json()

    @api.get("/exceptions")
    async def exceptions(state: str | None = "open", type: str | None = None) -> list[dict[str, Any]]:
        return [asdict(e) for e in (await svc().store.exceptions(state=state, type=type)).items]

    @api.post("/erp/sync")
    async def erp_sync() -> dict[str, Any]:
        """Pull everything the ERP has changed (full pull) and apply it now."""
        try:
            return dict(await svc().sync_erp(None))
        except PermanentError as exc:
            raise HTTPException(409, str(exc)) from exc

    @api.get("/{plural}")
    async def records(plural: str, status: str | None = None, text: str | None = None, after: str | None = None,
                      limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        """Current versions, by id; pass ``next`` back as ``after`` for the next page."""
        page = await svc().store.list(_kind(plural), status=status, text=text, after=after, limit=limit)
        return {"items": [_version(v) for v in page.items], "next": page.next}

    @api.get("/{plural}/{record_id}")
    async def record(plural: str, record_id: str) -> dict[str, Any]:
        """Current version, full history with provenance, and external ids."""
        kind = _kind(plural)
        current = await svc().store.get(kind, record_id)
        if current is None:
            raise HTTPException(404, f"no {kind} {record_id}")
        history = await svc().store.history(kind, record_id)
        xrefs = await external_ids(kind, record_id)
        return {"current": _version(current), "history": [_version(v) for v in history],
                "external_ids": xrefs["external_ids"]}

    return api
